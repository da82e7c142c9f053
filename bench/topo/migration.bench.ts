/**
 * Host discovery and VM migration, side by side in one run (issue 5,
 * "Measured and reported"): the same lab fabric twice, built by
 * src/lab/lab.ts —
 *
 *   ours: evpn-vtep route reflector + 3 evpn-vtep leaves (`run`, native data plane)
 *   FRR:  FRR bgpd route reflector + 3 FRR leaves (zebra + bgpd, Linux bridge + kernel vxlan)
 *
 * and, per run, a fresh host (fresh MAC: FRR's duplicate detection
 * remembers moves) in VNI 100:
 *
 *   (a) install: the host appears behind leaf1 and sends a gratuitous ARP;
 *       time from that ARP (captured in the host's namespace) to its MAC
 *       installed at leaf3 — ours: leaf3's `show macs` polled back to back
 *       over the control socket; FRR: zebra's FDB entry on leaf3's vxlan
 *       device (`bridge monitor fdb`).
 *   (b) outage: a host behind leaf3 streams UDP at 1 packet/ms to it; its
 *       new link to leaf2's switch is made first (up, no address), then a
 *       script already running inside the host takes the old link down
 *       (rtnetlink) and sends a gratuitous ARP on the new one (AF_PACKET),
 *       so no process start-up is counted. From a capture in the host's
 *       namespace: the arrival gap across the lost packets (the outage as
 *       the host sees it; gaps with nothing lost are the sender pausing on a
 *       busy machine), the time from the gratuitous ARP to the first packet
 *       after it (the fabric's share), and the packets lost (the sender
 *       slows down when the box is busy, so this under-states; see
 *       ../shared/design/REAL-PEERS.md).
 *   (c) withdraw: time from the gratuitous ARP to the old VTEP's (leaf1's)
 *       MP_UNREACH for the MAC, from a capture of every BGP session on the
 *       spine's underlay bridge. Ours waits for its ARP probe of the old port
 *       to go unanswered (RFC 7432 §15; `probe-timeout-ms`, MIG_PROBE_MS,
 *       default 100 here), FRR withdraws as soon as it sees the higher
 *       sequence number.
 *
 * Medians over MIG_RUNS (default 5) runs; a run that fails (no answer to
 * the stream's first ARP, seen now and then on a busy box in both fabrics)
 * is reported and replaced. MIG_FABRICS=ours|frr runs one side only;
 * MIG_DEBUG=1 prints every arrival gap over 5 ms. Root, FRR, tshark, python3.
 * Run: npx tsx bench/topo/migration.bench.ts   (writes bench/results/migration.json)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { request } from '../../src/control/client';
import { hasFrr } from '../../src/lab/frr';
import { Lab } from '../../src/lab/lab';
import { HOST_PREFIX_LEN, type LabHost } from '../../src/lab/plan';
import { hasCommand, rootSkipReason } from '../../test/support/root';
import { writeResults, type Row } from '../lib';

const RUNS = Number(process.env.MIG_RUNS ?? 5);
const PROBE_MS = Number(process.env.MIG_PROBE_MS ?? 100);
const UDP_PORT = 5555;
const LEAF1 = '10.255.0.1';
const SUITE = 'host discovery and migration vs FRR';

type Fabric = 'ours' | 'frr';

interface RunFigures {
  installMs: number;
  outageMs: number;
  garpToTrafficMs: number;
  lost: number;
  withdrawMs: number;
}

/** Wall-clock milliseconds with sub-millisecond precision (comparable with capture timestamps). */
const nowMs = (): number => performance.timeOrigin + performance.now();

/** A long-running line-producing child (tshark, bridge monitor) whose lines go to `onLine`, stamped on arrival. */
function stream(argv: string[], onLine: (line: string, at: number) => void): ChildProcess {
  const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: c.stdout! }).on('line', (l) => onLine(l, nowMs()));
  return c;
}

/** Starts tshark and resolves once it captures (it says so on stderr). */
async function tshark(ns: string, args: string[], onLine: (fields: string[]) => void): Promise<ChildProcess> {
  const c = stream(['ip', 'netns', 'exec', ns, 'tshark', '-l', '-n', ...args], (l) => onLine(l.split('\t')));
  let err = '';
  c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const end = Date.now() + 15_000;
  while (!/Capturing on|capture started/i.test(err) && c.exitCode === null && Date.now() < end) await sleep(50);
  await sleep(200);
  if (c.exitCode !== null) throw new Error(`tshark in ${ns} exited: ${err}`);
  return c;
}

function stop(c: ChildProcess | null | undefined): void {
  if (c && c.exitCode === null && c.pid) {
    try {
      c.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
}

/** A gratuitous ARP, sent without blocking the event loop (arping lingers a second for answers). */
function garp(ns: string, h: LabHost): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, 'arping', '-q', '-U', '-c', '1', '-i', h.ifname, '-S', h.ip, h.ip], { stdio: 'ignore' });
}

/**
 * The host's side of the move, pre-started in its namespace so that process
 * start-up is not counted as outage: on a line on stdin it removes the old
 * link and at once sends a gratuitous ARP on the new one (AF_PACKET), as a
 * VM's NIC does when it comes up behind the new hypervisor.
 */
const MOVER = `
import socket, struct, subprocess, sys
old, new, mac, ip, plen = sys.argv[1:6]
m = bytes.fromhex(mac.replace(':', ''))
a = socket.inet_aton(ip)
frame = b'\\xff' * 6 + m + b'\\x08\\x06' + b'\\x00\\x01\\x08\\x00\\x06\\x04\\x00\\x01' + m + a + b'\\x00' * 6 + a
frame += b'\\x00' * (60 - len(frame))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((new, 0))
# rtnetlink RTM_NEWLINK clearing IFF_UP on the old link (quicker than deleting it), acknowledged.
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
nl.bind((0, 0))
ifi = struct.pack('=BxHiII', 0, 0, socket.if_nametoindex(old), 0, 1)
down = struct.pack('=IHHII', 16 + len(ifi), 16, 1 | 4, 1, 0) + ifi
print('ready', flush=True)
sys.stdin.readline()
nl.send(down)
err = struct.unpack('=i', nl.recv(65536)[16:20])[0]
s.send(frame)
subprocess.run(['ip', 'addr', 'add', ip + '/' + plen, 'dev', new], check=True)
subprocess.run(['ip', 'link', 'del', old], check=True)
print('sent' if err == 0 else 'link down failed %d' % err, flush=True)
`;

/** A fresh address in the lab host's subnet: the last octet 200 + run. */
function moverIp(sample: string, run: number): string {
  return sample.replace(/\.\d+$/, `.${200 + run}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

/** The UDP stream: one datagram per millisecond carrying a 32-bit sequence number. */
const SENDER = `
const d = require('node:dgram').createSocket('udp4');
let seq = 0;
const b = Buffer.alloc(4);
const t = setInterval(() => { b.writeUInt32BE(seq++); d.send(b, ${UDP_PORT}, process.argv[1]); }, 1);
process.on('SIGTERM', () => { clearInterval(t); process.stdout.write(String(seq) + '\\n'); process.exit(0); });
`;

class Measure {
  /** MAC → time its FDB entry towards leaf1 appeared at leaf3 (FRR). */
  private readonly fdbSeen = new Map<string, number>();
  /** MAC → time of leaf1's first MP_UNREACH for it. */
  private readonly withdrawSeen = new Map<string, number>();
  private readonly children: ChildProcess[] = [];

  constructor(
    readonly lab: Lab,
    readonly fabric: Fabric,
  ) {}

  async start(): Promise<void> {
    const { lab } = this;
    // Every BGP session crosses the spine's bridge: leaf1's withdrawals, timestamped.
    this.children.push(
      await tshark(lab.plan.spine.ns, ['-i', 'br0', '-f', 'tcp port 179', '-Y', 'bgp.update.path_attribute.mp_unreach_nlri', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'bgp.evpn.nlri.mac_addr'], (f) => {
        const [ts, src, macs] = f;
        if (src !== LEAF1 || !macs) return;
        for (const m of macs.split(',')) if (!this.withdrawSeen.has(m)) this.withdrawSeen.set(m, Number(ts) * 1000);
      }),
    );
    if (this.fabric === 'frr') {
      const c = stream(['ip', 'netns', 'exec', lab.leaf(3).ns, 'bridge', 'monitor', 'fdb'], (l, at) => {
        const m = /^([0-9a-f:]{17}) dev vx100 .*dst (\S+)/.exec(l);
        if (m && m[2] === LEAF1 && !l.startsWith('Deleted') && !this.fdbSeen.has(m[1]!)) this.fdbSeen.set(m[1]!, at);
      });
      this.children.push(c);
      await sleep(300);
    }
  }

  stop(): void {
    for (const c of this.children) stop(c);
  }

  /** Time the MAC is installed at leaf3 pointing at leaf1 (polls ours back to back; FRR from the FDB monitor). */
  private async installedAtLeaf3(mac: string, timeoutMs = 5000): Promise<number> {
    const end = Date.now() + timeoutMs;
    if (this.fabric === 'frr') {
      while (Date.now() < end) {
        const t = this.fdbSeen.get(mac);
        if (t !== undefined) return t;
        await sleep(5);
      }
      throw new Error(`FRR leaf3 never installed ${mac}`);
    }
    const socket = this.lab.leaf(3).socket;
    while (Date.now() < end) {
      const r = await request(socket, { cmd: 'show', what: 'macs', filters: { vni: 100 } }, 2000);
      const at = nowMs();
      if (r.ok && 'rows' in r && r.rows.some((x) => x.mac === mac && x.where === LEAF1)) return at;
    }
    throw new Error(`evpn-vtep leaf3 never installed ${mac}`);
  }

  async once(run: number): Promise<RunFigures> {
    const { lab } = this;
    const salt = Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
    const template: LabHost = { ...lab.host(1, 100), mac: `02:aa:${salt}:00:00:${(run + 1).toString(16).padStart(2, '0')}`, ip: moverIp(lab.host(1, 100).ip, run) };
    let mover = lab.cloneHost(template, 1, `n${run}`);
    // Capture in the host's namespace: its own gratuitous ARPs (outgoing) and the stream's arrivals.
    const garps: number[] = [];
    const arrivals: { at: number; seq: number }[] = [];
    const cap = await tshark(mover.ns, ['-i', 'any', '-f', `arp or udp port ${UDP_PORT}`, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'arp.src.proto_ipv4', '-e', 'sll.pkttype', '-e', 'data.data'], (f) => {
      const [ts, arpSrc, pkttype, data] = f;
      const at = Number(ts) * 1000;
      if (arpSrc === mover.ip && pkttype === '4') garps.push(at);
      else if (data) arrivals.push({ at, seq: parseInt(data.slice(0, 8), 16) });
    });
    let sender: ChildProcess | null = null;
    try {
      // (a) a new host announces itself behind leaf1.
      garp(mover.ns, mover);
      const installedAt = await this.installedAtLeaf3(mover.mac);
      // tshark reports with some delay; its timestamps are the capture's own.
      const capEnd = Date.now() + 5000;
      while (!garps.length && Date.now() < capEnd) await sleep(20);
      const garp1 = garps[0];
      if (garp1 === undefined) throw new Error('no gratuitous ARP captured');
      const installMs = installedAt - garp1;

      // (b) stream from leaf3's host, then move the host to leaf2.
      const watcher = lab.host(3, 100);
      sender = spawn('ip', ['netns', 'exec', watcher.ns, process.execPath, '-e', SENDER, mover.ip], { stdio: ['ignore', 'pipe', 'ignore'] });
      const streamEnd = Date.now() + 5000;
      while (arrivals.length < 200 && Date.now() < streamEnd) await sleep(20);
      if (!arrivals.length) {
        const neigh = lab.exec(watcher.ns, ['ip', 'neigh', 'show']).out;
        throw new Error(`the UDP stream does not reach ${mover.ip} before the move (watcher ${watcher.ip} neighbours: ${neigh.trim()}; sender ${sender.exitCode === null ? 'running' : `exited ${sender.exitCode}`})`);
      }
      const before = arrivals.length;
      // The new link first (down), then, from inside the host: old link gone, new one up, gratuitous ARP.
      const moved = lab.prepareMove(mover, 2, `n${run}m`);
      const hostSide = spawn('ip', ['netns', 'exec', mover.ns, 'python3', '-c', MOVER, mover.ifname, moved.ifname, mover.mac, mover.ip, String(HOST_PREFIX_LEN)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const said: string[] = [];
      createInterface({ input: hostSide.stdout! }).on('line', (l) => said.push(l));
      const readyEnd = Date.now() + 10_000;
      while (!said.includes('ready') && Date.now() < readyEnd) await sleep(10);
      if (!said.includes('ready')) throw new Error('the mover script did not start');
      const g0 = garps.length;
      const moveStart = nowMs();
      hostSide.stdin!.write('go\n');
      mover = moved;
      // Until the old VTEP has withdrawn and the stream has run a while on the new link.
      const end = Date.now() + 5000 + PROBE_MS;
      while (Date.now() < end && (!this.withdrawSeen.has(mover.mac) || nowMs() - moveStart < 1000 + PROBE_MS)) await sleep(20);
      const sentOut = await new Promise<string>((resolve) => {
        let out = '';
        sender!.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        sender!.once('exit', () => resolve(out));
        sender!.kill('SIGTERM');
      });
      sender = null;
      while (garps.length <= g0 && Date.now() < end + 3000) await sleep(20);
      await sleep(300);
      const garp2 = garps[g0];
      if (garp2 === undefined) throw new Error('no gratuitous ARP captured after the move');
      const window = arrivals.slice(Math.max(0, before - 50));
      // The outage: the arrival gap across the largest run of lost packets (the move). Gaps with
      // nothing lost are the sender pausing (a busy machine), not the network.
      let outageMs = NaN;
      let worst = 0;
      const gaps: string[] = [];
      for (let i = 1; i < window.length; i++) {
        const g = window[i]!.at - window[i - 1]!.at;
        const missing = window[i]!.seq - window[i - 1]!.seq - 1;
        if (g > 5) gaps.push(`${g.toFixed(1)} ms (${missing} lost) at GARP${(window[i - 1]!.at - garp2).toFixed(1)}`);
        if (missing > worst || (missing === worst && missing > 0 && g > outageMs)) {
          worst = missing;
          outageMs = g;
        }
      }
      if (worst === 0) outageMs = Math.max(...window.slice(1).map((a, i) => a.at - window[i]!.at));
      if (process.env.MIG_DEBUG) process.stderr.write(`  gaps > 5 ms: ${gaps.join(', ')}\n`);
      const first = arrivals.find((a) => a.at > garp2);
      void sentOut;
      const seqs = new Set(window.map((a) => a.seq));
      const lo = Math.min(...seqs);
      const hi = Math.max(...seqs);
      const w = this.withdrawSeen.get(mover.mac);
      return {
        installMs,
        outageMs,
        garpToTrafficMs: first ? first.at - garp2 : NaN,
        lost: hi - lo + 1 - seqs.size,
        withdrawMs: w === undefined ? NaN : w - garp2,
      };
    } finally {
      stop(sender);
      stop(cap);
    }
  }
}

async function measureFabric(fabric: Fabric, dir: string): Promise<RunFigures[]> {
  const out = { write: (s: string) => process.stderr.write(`  [${fabric}] ${s}`) };
  const lab = await Lab.up({
    leaves: 3,
    dir,
    out,
    prefix: 'vx',
    ...(fabric === 'frr' ? { frrLeaves: [1, 2, 3], frrSpine: true } : {}),
    timers: { probeTimeoutMs: PROBE_MS, logLevel: 'warn' },
  });
  const m = new Measure(lab, fabric);
  try {
    // Settle: every leaf knows the lab's own hosts (FRR's first UPDATE to a new peer waits ~1 s).
    for (const h of lab.plan.hosts) lab.exec(h.ns, ['arping', '-q', '-U', '-c', '1', '-i', h.ifname, '-S', h.ip, h.ip], 5000);
    await sleep(2000);
    await m.start();
    const runs: RunFigures[] = [];
    // A run that fails (a lost gratuitous ARP on a busy machine) is reported and replaced, twice at most.
    for (let i = 0; runs.length < RUNS && i < RUNS + 2; i++) {
      let r: RunFigures;
      try {
        r = await m.once(i);
      } catch (e) {
        process.stderr.write(`  [${fabric}] run ${i + 1} failed: ${e instanceof Error ? e.message : String(e)}\n`);
        continue;
      }
      process.stderr.write(`  [${fabric}] run ${i + 1}: install ${r.installMs.toFixed(1)} ms, outage ${r.outageMs.toFixed(1)} ms (GARP→traffic ${r.garpToTrafficMs.toFixed(1)} ms, ${r.lost} lost), withdraw ${r.withdrawMs.toFixed(1)} ms\n`);
      runs.push(r);
    }
    return runs;
  } finally {
    m.stop();
    lab.down();
  }
}

function row(name: string, unit: string, ours: number, frr: number, goal: string, lowerIsBetter = true): Row {
  return {
    suite: SUITE,
    name,
    opsPerSec: ours,
    rme: 0,
    samples: RUNS,
    extra: {
      unit,
      ours: ours.toFixed(1),
      FRR: frr.toFixed(1),
      'FRR/ours': lowerIsBetter ? (frr / ours).toFixed(2) : (ours / frr).toFixed(2),
      goal,
    },
  };
}

export async function runMigrationBench(): Promise<Row[]> {
  const skip = rootSkipReason() ?? (hasFrr() ? null : 'needs FRR') ?? (hasCommand('tshark') ? null : 'needs tshark') ?? (hasCommand('arping') ? null : 'needs arping');
  if (skip) {
    console.warn(`[skip] migration bench: ${skip}`);
    return [];
  }
  const results: Record<Fabric, RunFigures[]> = { ours: [], frr: [] };
  for (const fabric of (process.env.MIG_FABRICS ?? 'ours,frr').split(',') as Fabric[]) {
    const dir = mkdtempSync(path.join(tmpdir(), `vx-mig-${fabric}-`));
    try {
      results[fabric] = await measureFabric(fabric, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const med = (f: Fabric, k: keyof RunFigures): number => median(results[f].map((r) => r[k]).filter((x) => Number.isFinite(x)));
  return [
    row('(a) gratuitous ARP → MAC installed at a remote VTEP, through the RR (ms)', 'ms', med('ours', 'installMs'), med('frr', 'installMs'), '< 10 ms'),
    row('(b) migration outage: arrival gap across the lost packets, at the host (ms)', 'ms', med('ours', 'outageMs'), med('frr', 'outageMs'), '< 20 ms'),
    row('(b) gratuitous ARP on the new link → first packet there (ms)', 'ms', med('ours', 'garpToTrafficMs'), med('frr', 'garpToTrafficMs'), '< 20 ms'),
    row('(b) packets lost at 1 packet/ms (count)', 'pkts', med('ours', 'lost'), med('frr', 'lost'), '-'),
    row(`(c) gratuitous ARP → old VTEP's withdraw (ms; ours: probe timeout ${PROBE_MS} ms)`, 'ms', med('ours', 'withdrawMs'), med('frr', 'withdrawMs'), `probe ${PROBE_MS} ms + ε`),
  ];
}

if (require.main === module) {
  runMigrationBench()
    .then((rows) => {
      const w = Math.max(...rows.map((r) => r.name.length));
      console.log(`${'figure (median of ' + RUNS + ' runs)'.padEnd(w)}  ${'evpn-vtep'.padStart(10)}  ${'FRR'.padStart(10)}  ${'FRR/ours'.padStart(9)}  goal`);
      for (const r of rows) {
        const e = r.extra ?? {};
        console.log(`${r.name.padEnd(w)}  ${String(e.ours).padStart(10)}  ${String(e.FRR).padStart(10)}  ${String(e['FRR/ours']).padStart(9)}  ${String(e.goal)}`);
      }
      if (rows.length) writeResults('migration.json', rows);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
