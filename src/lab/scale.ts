import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../control/client';
import { frrMacRows } from './frr';
import { Lab, type LabOut } from './lab';
import type { LabHost, LabTimers, NodeKind } from './plan';

/**
 * A whole fabric at scale, measured: one kind of software on the spine
 * (route reflector) and on every leaf — evpn-vtep, or FRR with kernel VXLAN
 * — built by the lab builder (lab.ts) so both fabrics have the same
 * namespaces, links, hosts and addresses. What is timed and read:
 *
 *  - convergence: from the first daemon's start (and from the last one's)
 *    until every leaf holds every host's MAC, local or remote, in its own
 *    table (`show macs` over the control socket; zebra's `show evpn mac vni
 *    all json` over its vty socket — no vtysh process per poll, so polling
 *    32 leaves costs the same on both sides);
 *  - memory per leaf: RSS (what one leaf costs on a machine of its own) and
 *    PSS (its share on this machine, where the leaves share program text);
 *  - idle CPU: utime + stime of each leaf's processes over a quiet window;
 *  - a leaf killed (SIGKILL): until no other leaf holds its hosts; started
 *    again: until every other leaf holds them again;
 *  - reachability: pings between pairs of hosts in the same VNI behind
 *    different leaves, all pairs or a sample, a bounded number at a time.
 *
 * Hosts announce themselves with gratuitous ARP (arping, bounded in count
 * and time) from the moment their leaf starts until it holds them as local:
 * a Linux bridge learns from the first frame even before zebra runs, an
 * evpn-vtep leaf from the first frame after its sockets open.
 */

export interface ScaleOptions {
  kind: NodeKind;
  leaves: number;
  out: LabOut;
  /** Namespace/link name prefix (≤ 4 characters leave room for 64 leaves). */
  prefix: string;
  /** The command line that runs the evpn-vtep CLI (e.g. a compiled build); default: the lab's own. */
  command?: string[];
  /** Timers of the lab (hold time, log level). */
  timers?: Partial<LabTimers>;
  /** Deadline for the fabric to converge (ms). */
  convergeTimeoutMs?: number;
  /** Quiet window for the idle CPU figure (ms); 0: not measured. */
  idleMs?: number;
  /** Settling time before the idle window (ms). */
  settleMs?: number;
  /** Host pairs pinged: 'all', or a number of pairs drawn evenly. */
  pings?: 'all' | number;
  /** The leaf killed and started again (1-based; 0: no restart test). */
  restartLeaf?: number;
}

export interface LeafResources {
  name: string;
  pids: number[];
  rssMiB: number;
  pssMiB: number;
  /** Average CPU over the idle window, % of one core. */
  idleCpuPct?: number;
  /** CPU time (user + system) the daemon used from its start until the fabric converged, seconds. */
  cpuToConvergeS?: number;
}

export interface ScaleResult {
  /** The lab's id (its namespaces are named prefix + id + role). */
  labId: string;
  kind: NodeKind;
  leaves: number;
  hosts: number;
  /** Building namespaces, links and hosts (ms). */
  buildMs: number;
  /** First daemon start → every leaf holds every host (ms). */
  convergeFromFirstMs: number;
  /** Last daemon start → every leaf holds every host (ms). */
  convergeFromLastMs: number;
  /** First → last daemon start (ms). */
  spawnSpreadMs: number;
  leafResources: LeafResources[];
  spine: LeafResources;
  /** After a leaf is killed: until no other leaf holds its hosts (ms); null: not measured or never. */
  killGoneMs: number | null;
  /** After the leaf starts again: until every other leaf holds its hosts again (ms). */
  restartBackMs: number | null;
  /** After the leaf starts again: until it holds every host again itself (ms). */
  restartFullMs: number | null;
  /** `failed`: pairs still failing after a second round 5 s later; `failedFirst`: pairs that failed in the first round (right after convergence). */
  pings: { pairs: number; ok: number; failed: string[]; failedFirst: string[] };
  /** Warnings and errors the evpn-vtep daemons logged (distinct messages, with counts). */
  logIssues: string[];
}

const MIB = 1024 * 1024;

/** One command over an FRR daemon's vty socket (the protocol vtysh speaks): the command NUL-terminated; the answer ends with three NULs and a status octet. */
export function vtyRequest(socketPath: string, cmd: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    const chunks: Buffer[] = [];
    let len = 0;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${socketPath}: no answer to "${cmd}" in ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('connect', () => s.write(`${cmd}\0`));
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      len += d.length;
      if (len < 4) return;
      const all = Buffer.concat(chunks, len);
      if (all[len - 4] === 0 && all[len - 3] === 0 && all[len - 2] === 0) {
        clearTimeout(timer);
        s.destroy();
        const status = all[len - 1]!;
        const text = all.subarray(0, len - 4).toString('utf8');
        if (status !== 0) reject(new Error(`${socketPath}: "${cmd}" failed (status ${status}): ${text.trim()}`));
        else resolve(text);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const hostKey = (vni: number, mac: string): string => `${vni}/${mac}`;

/**
 * The hosts a leaf holds: `vni/mac` → 'local' or the remote VTEP. Throws
 * while the leaf's daemon is not answering (not started yet, or killed).
 * For evpn-vtep a remote host counts once its VTEP is programmed in the data
 * plane too (`show vteps` gives it an index), not just known to BGP.
 */
export async function leafTable(lab: Lab, i: number): Promise<Map<string, string>> {
  const l = lab.leaf(i);
  const m = new Map<string, string>();
  if (l.kind === 'frr') {
    const sock = path.join(lab.frr(`leaf${i}`).dir, 'zebra.vty');
    const text = await vtyRequest(sock, 'show evpn mac vni all json');
    for (const r of frrMacRows(JSON.parse(text || '{}') as Parameters<typeof frrMacRows>[0])) m.set(hostKey(r.vni, r.mac), r.type === 'local' ? 'local' : (r.vtep ?? '?'));
    return m;
  }
  const [r, v] = await Promise.all([request(l.socket, { cmd: 'show', what: 'macs' }), request(l.socket, { cmd: 'show', what: 'vteps' })]);
  if (!r.ok) throw new Error(`${l.socket}: ${r.error}`);
  if (!v.ok) throw new Error(`${l.socket}: ${v.error}`);
  // A remote VTEP without a data-plane index is not programmed yet (its next hop is being resolved): frames to its hosts would not leave.
  const programmed = new Set('rows' in v ? v.rows.filter((row) => row.index !== null && row.index !== undefined).map((row) => String(row.vtep)) : []);
  if ('rows' in r) {
    for (const row of r.rows) {
      const where = String(row.where);
      m.set(hostKey(Number(row.vni), String(row.mac)), row.type === 'local' ? 'local' : programmed.has(where) ? where : `unprogrammed ${where}`);
    }
  }
  return m;
}

/** Whether a leaf's table holds every given host where it is (local when behind this leaf, else at its leaf's VTEP). */
function holds(lab: Lab, leaf: number, t: Map<string, string>, hosts: readonly LabHost[]): boolean {
  return hosts.every((h) => t.get(hostKey(h.vni, h.mac)) === (h.leaf === leaf ? 'local' : lab.leaf(h.leaf).underlayIp));
}

async function tableOrNull(lab: Lab, i: number): Promise<Map<string, string> | null> {
  try {
    return await leafTable(lab, i);
  } catch {
    return null;
  }
}

/**
 * Polls the given leaves (all at once, every `everyMs`) until `done` holds
 * for each; returns when each got there (Date.now()), or null at the
 * deadline. A leaf that got there is not asked again.
 */
async function untilEvery(lab: Lab, leaves: number[], done: (i: number, t: Map<string, string> | null) => boolean, deadline: number, everyMs: number, abort?: AbortSignal): Promise<Map<number, number> | null> {
  const pending = new Set(leaves);
  const at = new Map<number, number>();
  while (pending.size) {
    if (Date.now() > deadline || abort?.aborted) return null;
    const round = [...pending];
    const tables = await Promise.all(round.map((i) => tableOrNull(lab, i)));
    const now = Date.now();
    round.forEach((i, k) => {
      if (done(i, tables[k]!)) {
        pending.delete(i);
        at.set(i, now);
      }
    });
    if (pending.size) await sleep(everyMs);
  }
  return at;
}

const latest = (at: Map<number, number>, leaves: number[]): number => Math.max(...leaves.map((i) => at.get(i)!));

/**
 * Gratuitous ARP from each host until its own leaf holds it as local
 * (arping bounded in count and time; killed by PID once the leaf has it).
 */
class Announcers {
  private readonly procs = new Map<string, ChildProcess>();

  constructor(
    private readonly hosts: readonly LabHost[],
    intervalS = 0.1,
    maxSeconds = 30,
  ) {
    for (const h of hosts) {
      const c = spawn('ip', ['netns', 'exec', h.ns, 'arping', '-q', '-U', '-c', String(Math.ceil(maxSeconds / intervalS)), '-w', String(maxSeconds), '-W', String(intervalS), '-i', h.ifname, '-S', h.ip, h.ip], { stdio: 'ignore' });
      c.on('error', () => {});
      this.procs.set(h.ns, c);
    }
  }

  /** A leaf's table was read: hosts it holds as local stop announcing. */
  saw(leaf: number, t: Map<string, string> | null): void {
    if (!t) return;
    for (const h of this.hosts) if (h.leaf === leaf && t.get(hostKey(h.vni, h.mac)) === 'local') this.kill(h.ns);
  }

  private kill(ns: string): void {
    const c = this.procs.get(ns);
    if (!c) return;
    this.procs.delete(ns);
    if (c.exitCode === null && c.pid) {
      try {
        // `ip netns exec` execs arping: this PID is arping's own.
        process.kill(c.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }

  stop(): void {
    for (const ns of [...this.procs.keys()]) this.kill(ns);
  }
}

function procStatus(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${field === 'Pss' ? 'smaps_rollup' : 'status'}`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, in clock ticks (USER_HZ = 100 on Linux). */
function cpuTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

const USER_HZ = 100;

function resources(lab: Lab, name: string): LeafResources {
  const pids = lab.pidsOf(name);
  return {
    name,
    pids,
    rssMiB: pids.reduce((a, p) => a + procStatus(p, 'VmRSS'), 0) / MIB,
    pssMiB: pids.reduce((a, p) => a + procStatus(p, 'Pss'), 0) / MIB,
  };
}

/** Average CPU of each daemon over `ms`, % of one core. */
async function idleCpu(lab: Lab, names: string[], ms: number): Promise<Map<string, number>> {
  const before = new Map(names.map((n) => [n, lab.pidsOf(n).reduce((a, p) => a + cpuTicks(p), 0)]));
  const t0 = process.hrtime.bigint();
  await sleep(ms);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return new Map(names.map((n) => [n, ((lab.pidsOf(n).reduce((a, p) => a + cpuTicks(p), 0) - before.get(n)!) / USER_HZ / secs) * 100]));
}

/** Host pairs (same VNI, different leaves), all of them or `n` spread over the list. */
export function pingPairs(hosts: readonly LabHost[], n: 'all' | number): [LabHost, LabHost][] {
  const all: [LabHost, LabHost][] = [];
  for (const a of hosts) for (const b of hosts) if (a.vni === b.vni && a.leaf !== b.leaf) all.push([a, b]);
  if (n === 'all' || n >= all.length) return all;
  // A stride coprime with the count visits pairs spread over every leaf and VNI.
  let stride = Math.max(1, Math.floor(all.length / n) + 1);
  const gcd = (x: number, y: number): number => (y ? gcd(y, x % y) : x);
  while (gcd(stride, all.length) !== 1) stride++;
  return Array.from({ length: n }, (_, k) => all[(k * stride) % all.length]!);
}

const pairName = (a: LabHost, b: LabHost): string => `${a.ip} (leaf${a.leaf}) → ${b.ip} (leaf${b.leaf})`;

function pingOnce(a: LabHost, b: LabHost): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn('ip', ['netns', 'exec', a.ns, 'ping', '-q', '-c', '1', '-W', '1', b.ip], { stdio: 'ignore' });
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    c.on('error', () => resolve(false));
    c.on('exit', (code) => {
      clearTimeout(t);
      resolve(code === 0);
    });
  });
}

/** Pings each pair (up to 3 tries of one echo), `parallel` pairs at a time. */
export async function pingAll(pairs: [LabHost, LabHost][], parallel = 8): Promise<{ pairs: number; ok: number; failed: string[] }> {
  const failed: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const [a, b] = pairs[next++]!;
      let ok = false;
      for (let k = 0; k < 3 && !ok; k++) ok = await pingOnce(a, b);
      if (!ok) failed.push(pairName(a, b));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, pairs.length) }, worker));
  return { pairs: pairs.length, ok: pairs.length - failed.length, failed };
}

/** Builds a fabric of one kind, measures it (see the top of this file) and removes it, also on failure. */
export async function measureFabric(o: ScaleOptions): Promise<ScaleResult> {
  const dir = mkdtempSync(path.join(tmpdir(), `${o.prefix}-scale-`));
  const frr = o.kind === 'frr';
  const t0 = Date.now();
  const lab = Lab.prepare({
    leaves: o.leaves,
    dir,
    out: o.out,
    prefix: o.prefix,
    frrLeaves: frr ? Array.from({ length: o.leaves }, (_, k) => k + 1) : [],
    frrSpine: frr,
    // FRR remembers MAC moves across runs only within a process, but fresh MACs keep runs independent anyway.
    macSalt: randomInt(1, 255),
    ...(o.timers ? { timers: o.timers } : {}),
    ...(o.command ? { command: o.command } : {}),
  });
  const buildMs = Date.now() - t0;
  const say = (s: string): void => void o.out.write(`${s}\n`);
  let announcers: Announcers | undefined;
  let removed = false;
  const abort = new AbortController();
  try {
    const hosts = lab.plan.hosts;
    const leaves = lab.plan.leaves.map((l) => l.index);
    const deadline = Date.now() + (o.convergeTimeoutMs ?? 120_000);
    const ann = (announcers = new Announcers(hosts));
    const converged = untilEvery(lab, leaves, (i, t) => (ann.saw(i, t), t !== null && holds(lab, i, t, hosts)), deadline, 50, abort.signal);
    try {
      await lab.start();
    } catch (e) {
      // start() removed the lab already (its PIDs must not be signalled twice).
      removed = true;
      throw e;
    }
    const at = await converged;
    const cpuAtConverge = new Map(['spine', ...leaves.map((i) => `leaf${i}`)].map((n) => [n, lab.pidsOf(n).reduce((a, p) => a + cpuTicks(p), 0) / USER_HZ]));
    announcers.stop();
    if (at === null) {
      const missing: string[] = [];
      for (const i of leaves) {
        const t = await tableOrNull(lab, i);
        const miss = t ? hosts.filter((h) => t.get(hostKey(h.vni, h.mac)) !== (h.leaf === i ? 'local' : lab.leaf(h.leaf).underlayIp)).length : hosts.length;
        if (miss) missing.push(`leaf${i}: ${miss} missing${t ? '' : ' (not answering)'}`);
      }
      throw new Error(`${o.kind} fabric of ${o.leaves} leaves did not converge: ${missing.slice(0, 8).join('; ')}`);
    }
    const doneAt = latest(at, leaves);
    const starts = Object.values(lab.started);
    const first = Math.min(...starts);
    const last = Math.max(...starts);
    say(`  ${o.kind}: ${o.leaves} leaves hold all ${hosts.length} hosts ${((doneAt - first) / 1000).toFixed(2)} s after the first start, ${((doneAt - last) / 1000).toFixed(2)} s after the last`);

    const pairs = pingPairs(hosts, o.pings ?? 'all');
    const round1 = await pingAll(pairs);
    let pings = { ...round1, failedFirst: round1.failed };
    if (round1.failed.length) {
      await sleep(5000);
      const again = await pingAll(pairs.filter(([a, b]) => round1.failed.includes(pairName(a, b))));
      pings = { pairs: pairs.length, ok: pairs.length - again.failed.length, failed: again.failed, failedFirst: round1.failed };
    }
    say(`  ${o.kind}: ${pings.ok}/${pings.pairs} host pairs answer ping${round1.failed.length ? ` (${round1.failed.length} failed right after convergence)` : ''}`);

    const names = leaves.map((i) => `leaf${i}`);
    const leafResources = names.map((n) => ({ ...resources(lab, n), cpuToConvergeS: cpuAtConverge.get(n) ?? 0 }));
    const spine = { ...resources(lab, 'spine'), cpuToConvergeS: cpuAtConverge.get('spine') ?? 0 };
    if (o.idleMs) {
      await sleep(o.settleMs ?? 3000);
      const cpu = await idleCpu(lab, [...names, 'spine'], o.idleMs);
      for (const r of [...leafResources, spine]) r.idleCpuPct = cpu.get(r.name);
    }

    let killGoneMs: number | null = null;
    let restartBackMs: number | null = null;
    let restartFullMs: number | null = null;
    const k = o.restartLeaf ?? 0;
    if (k >= 1 && k <= o.leaves && o.leaves >= 2) {
      const others = leaves.filter((i) => i !== k);
      const mine = hosts.filter((h) => h.leaf === k);
      const tKill = Date.now();
      const stopped = lab.stopDaemon(`leaf${k}`, 'SIGKILL');
      const gone = await untilEvery(lab, others, (_, t) => t !== null && mine.every((h) => !t.has(hostKey(h.vni, h.mac))), Date.now() + 30_000, 20);
      await stopped;
      killGoneMs = gone === null ? null : latest(gone, others) - tKill;
      say(`  ${o.kind}: leaf${k} killed, its hosts gone from every other leaf after ${killGoneMs ?? '(never)'} ms`);
      const tStart = Date.now();
      const re = (announcers = new Announcers(mine));
      const back = untilEvery(lab, leaves, (i, t) => (i === k && re.saw(i, t), t !== null && holds(lab, i, t, i === k ? hosts : mine)), tStart + 60_000, 20);
      if (frr) await lab.startFrrLeaf(k);
      else lab.startLeaf(k);
      const b = await back;
      re.stop();
      restartBackMs = b === null ? null : latest(b, others) - tStart;
      restartFullMs = b === null ? null : b.get(k)! - tStart;
      say(`  ${o.kind}: leaf${k} started again: its hosts back at every other leaf after ${restartBackMs ?? '(never)'} ms; it holds every host after ${restartFullMs ?? '(never)'} ms`);
    }
    return {
      labId: lab.plan.id,
      kind: o.kind,
      leaves: o.leaves,
      hosts: hosts.length,
      buildMs,
      convergeFromFirstMs: doneAt - first,
      convergeFromLastMs: doneAt - last,
      spawnSpreadMs: last - first,
      leafResources,
      spine,
      killGoneMs,
      restartBackMs,
      restartFullMs,
      pings,
      logIssues: logIssues(lab, ['spine', ...names]),
    };
  } finally {
    abort.abort();
    announcers?.stop();
    if (!removed) lab.down();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Distinct warning/error messages in the evpn-vtep daemons' JSON logs, most frequent first. */
function logIssues(lab: Lab, names: string[]): string[] {
  const counts = new Map<string, number>();
  for (const n of names) {
    for (const line of lab.logOf(n).split('\n')) {
      if (!/"level":"(warn|error)"/.test(line)) continue;
      const key = line.replace(/"time":"[^"]*",?/, '').replace(/\d+\.\d+\.\d+\.\d+/g, 'A.B.C.D').replace(/"(path|peer)":"[^"]*"/g, '');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, c]) => `${c}× ${k.slice(0, 300)}`);
}

/** Summary figures of a fabric: means and maxima over its leaves. */
export function summarize(r: ScaleResult): { rssMiB: number; pssMiB: number; idleCpuMeanPct: number | null; idleCpuMaxPct: number | null; cpuToConvergeS: number } {
  const n = r.leafResources.length || 1;
  const cpu = r.leafResources.map((l) => l.idleCpuPct).filter((x): x is number => x !== undefined);
  return {
    rssMiB: r.leafResources.reduce((a, l) => a + l.rssMiB, 0) / n,
    pssMiB: r.leafResources.reduce((a, l) => a + l.pssMiB, 0) / n,
    idleCpuMeanPct: cpu.length ? cpu.reduce((a, x) => a + x, 0) / cpu.length : null,
    idleCpuMaxPct: cpu.length ? Math.max(...cpu) : null,
    cpuToConvergeS: r.leafResources.reduce((a, l) => a + (l.cpuToConvergeS ?? 0), 0) / n,
  };
}
