/**
 * Route ingest side by side: the same type-2 route set, sent by one
 * generator session (bench/topo/routegen.ts, run as its own process in its
 * own namespace), to evpn-vtep (`evpn-vtep bgp --config`), to FRR bgpd and to
 * gobgpd, each in a namespace of its own. Nothing is configured in the
 * machine's own namespace: the veth joins the generator's namespace to the
 * DUT's. Measured: seconds from the generator's first UPDATE until the DUT's
 * own output shows all N routes held, and RSS growth per route; plus the
 * time for evpn-vtep to advertise the N routes to FRR.
 * Root only. Run: npx tsx bench/topo/ingest.bench.ts [N…]
 *
 * Environment: RUNS=3 (runs per size and daemon, the median is reported),
 * DUTS=evpn-vtep,frr (which of evpn-vtep and FRR to time, side by side per
 * size), GOBGP_ROUTES=10000 (0: no gobgpd run), ADVERTISE_ROUTES=N (0: no
 * advertising run), VTEP_NODE_OPTIONS="..." (node flags for the evpn-vtep
 * child only, e.g. --max-semi-space-size=64), VTEP_CPU_PROF=DIR (a CPU
 * profile of evpn-vtep per run, written to DIR, see cpu-prof.cjs), LAB_PREFIX=ix
 * (namespace and link name prefix).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../../src/control/client';
import type { PeerStatus } from '../../src/bgp/session';
import { FrrInstance, GobgpInstance } from '../../test/support/peers';
import { Lab, NsScript, Vtep } from '../../test/topo/bgp/support';
import { Topology } from '../../src/lab/netns';
import { fmtNum } from '../lib';
import { wallMs } from './routegen';

export interface IngestRow {
  peer: string;
  routes: number;
  /** Median over `runs`. */
  seconds: number | null;
  routesPerSec: number | null;
  rssBytesPerRoute: number | null;
  runs: number;
  /** Every run's seconds, for the spread. */
  samples: (number | null)[];
  note?: string;
}

const GEN_AS = 65001;
const DUT_AS = 65000;
const GEN_SCRIPT = path.join(__dirname, 'routegen.ts');

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

interface Dut {
  /** Routes the DUT holds from the generator, from its own output. */
  count(): Promise<number>;
  pid(): number;
  stop(): Promise<void>;
}

/** The test lab, with the namespace prefix of LAB_PREFIX (default that of the tests). */
class BenchLab extends Lab {
  override readonly topo = new Topology(process.env.LAB_PREFIX ?? 'ix');
}

/** A lab with a generator namespace and a DUT namespace joined by one veth; addresses only inside them. */
async function withLab<T>(fn: (lab: Lab, genNs: string, dutNs: string, genIp: string, dutIp: string) => Promise<T>): Promise<T> {
  const lab = new BenchLab();
  try {
    const genNs = lab.ns('gen');
    const dutNs = lab.ns('dut');
    const [genIp, dutIp] = lab.link(genNs, dutNs, 'gd');
    return await fn(lab, genNs, dutNs, genIp, dutIp);
  } finally {
    lab.destroy();
  }
}

/** Polls `count` until it reaches n or the deadline passes; returns the wall-clock moment it did. */
async function until(n: number, count: () => Promise<number>, deadlineMs: number, everyMs = 20): Promise<number | null> {
  const end = wallMs() + deadlineMs;
  while (wallMs() < end) {
    let c = 0;
    try {
      c = await count();
    } catch {
      /* the daemon may be busy: try again */
    }
    if (c >= n) return wallMs();
    await sleep(everyMs);
  }
  return null;
}

async function generator(genNs: string, dutIp: string, genIp: string, n: number): Promise<NsScript> {
  const g = new NsScript(genNs, GEN_SCRIPT, ['--host', dutIp, '--routes', String(n), '--local-as', String(GEN_AS), '--peer-as', String(DUT_AS), '--router-id', genIp]);
  return g;
}

async function waitEvent(g: NsScript, name: string, timeoutMs: number): Promise<{ t: number }> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const e = g.events<{ t: number }>(name)[0];
    if (e) return e;
    if (g.child.exitCode !== null) throw new Error(`generator exited: ${g.errors}`);
    await sleep(10);
  }
  throw new Error(`generator: no ${name} within ${timeoutMs} ms: ${g.errors}`);
}

interface RunResult {
  seconds: number | null;
  rssGrowth: number;
}

/** One ingest run: DUT up, baseline RSS, generator started, time until the DUT holds n. */
async function ingestOnce(kind: 'evpn-vtep' | 'frr' | 'gobgp', n: number, deadlineMs: number): Promise<RunResult> {
  return withLab(async (_lab, genNs, dutNs, genIp, dutIp) => {
    const dut = await startDut(kind, dutNs, dutIp, genIp);
    let gen: NsScript | undefined;
    try {
      await sleep(500);
      const rss0 = rssOf(dut.pid());
      gen = await generator(genNs, dutIp, genIp, n);
      // Encoding 1M routes takes the generator a while; the clock starts at its first UPDATE.
      const first = await waitEvent(gen, 'first-update', 300_000);
      const done = await until(n, () => dut.count(), deadlineMs);
      const rss1 = rssOf(dut.pid());
      if (kind === 'evpn-vtep' && process.env.VTEP_CPU_PROF) {
        process.kill(dut.pid(), 'SIGUSR2');
        await sleep(2000);
      }
      return { seconds: done === null ? null : (done - first.t) / 1000, rssGrowth: rss1 - rss0 };
    } finally {
      gen?.kill();
      await dut.stop();
    }
  });
}

/** Starts evpn-vtep with VTEP_NODE_OPTIONS, if set, as its NODE_OPTIONS (the child inherits the environment at spawn). */
async function startVtep(v: Vtep): Promise<void> {
  let extra = process.env.VTEP_NODE_OPTIONS ?? '';
  const prof = process.env.VTEP_CPU_PROF;
  if (prof) extra += ` --require ${path.join(__dirname, 'cpu-prof.cjs')}`;
  if (!extra.trim()) return v.start();
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, CPU_PROF_DIR: process.env.CPU_PROF_DIR };
  process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} ${extra}`.trim();
  if (prof) process.env.CPU_PROF_DIR = path.resolve(prof);
  try {
    await v.start();
  } finally {
    for (const [k, val] of Object.entries(saved)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  }
}

async function startDut(kind: 'evpn-vtep' | 'frr' | 'gobgp', ns: string, dutIp: string, genIp: string): Promise<Dut> {
  if (kind === 'evpn-vtep') {
    const v = new Vtep(ns, { routerId: dutIp, as: DUT_AS, neighbors: [{ address: genIp, remoteAs: GEN_AS, passive: true }] });
    await startVtep(v);
    return {
      // The speaker's own count of paths held from the peer (`show peers --json`, adjRibIn), over the control socket.
      count: async () => {
        const res = await request(v.socket, { cmd: 'show', what: 'peers' }, 10_000);
        return res.ok && 'peers' in res ? ((res.peers as PeerStatus[]).find((p) => p.address === genIp)?.adjRibIn ?? 0) : 0;
      },
      pid: () => v.pid,
      stop: () => v.destroy(),
    };
  }
  if (kind === 'frr') {
    const frr = new FrrInstance(
      ns,
      `hostname dut\nrouter bgp ${DUT_AS}\n bgp router-id ${dutIp}\n no bgp default ipv4-unicast\n no bgp ebgp-requires-policy\n neighbor ${genIp} remote-as ${GEN_AS}\n address-family l2vpn evpn\n  neighbor ${genIp} activate\n exit-address-family\n`,
    );
    await frr.start();
    const pid = Number(readFileSync(path.join(frr.dir, 'bgpd.pid'), 'utf8'));
    return {
      count: async () => frr.vtyshJson<{ peers?: Record<string, { pfxRcd?: number }> }>('show bgp l2vpn evpn summary json').peers?.[genIp]?.pfxRcd ?? 0,
      pid: () => pid,
      stop: async () => frr.destroy(),
    };
  }
  const gobgp = new GobgpInstance(
    ns,
    `[global.config]\n  as = ${DUT_AS}\n  router-id = "${dutIp}"\n  port = 179\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "${genIp}"\n    peer-as = ${GEN_AS}\n  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "l2vpn-evpn"\n`,
  );
  await gobgp.start();
  const pids = nsPids(ns);
  return {
    // gobgp's own count of EVPN destinations in its table ("Destination: N, Path: N").
    count: async () => Number(/Destination: (\d+)/.exec(gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'summary']))?.[1] ?? 0),
    pid: () => pids[0]!,
    stop: async () => gobgp.destroy(),
  };
}

function nsPids(ns: string): number[] {
  return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
}

/**
 * Advertising: the generator fills evpn-vtep with n routes while FRR is not
 * yet running; then FRR (bgpd in a third namespace) connects and the clock
 * runs from the session's Established (evpn-vtep's own uptime) until FRR
 * counts n prefixes received.
 */
async function advertiseOnce(n: number, deadlineMs: number): Promise<number | null> {
  const lab = new BenchLab();
  let v: Vtep | undefined;
  let frr: FrrInstance | undefined;
  let gen: NsScript | undefined;
  try {
    const genNs = lab.ns('gen');
    const dutNs = lab.ns('dut');
    const rcvNs = lab.ns('rcv');
    const [genIp, dutIp] = lab.link(genNs, dutNs, 'gd');
    const [dutToR, rcvIp] = lab.link(dutNs, rcvNs, 'dr');
    v = new Vtep(dutNs, {
      routerId: dutIp,
      as: DUT_AS,
      neighbors: [
        { address: genIp, remoteAs: GEN_AS, passive: true },
        { address: rcvIp, remoteAs: 65002, passive: true },
      ],
    });
    await startVtep(v);
    gen = await generator(genNs, dutIp, genIp, n);
    await waitEvent(gen, 'first-update', 300_000);
    const held = await until(n, async () => {
      const res = await request(v!.socket, { cmd: 'show', what: 'peers' }, 10_000);
      return res.ok && 'peers' in res ? ((res.peers as PeerStatus[]).find((p) => p.address === genIp)?.adjRibIn ?? 0) : 0;
    }, deadlineMs);
    if (held === null) return null;
    frr = new FrrInstance(
      rcvNs,
      `hostname rcv\nrouter bgp 65002\n bgp router-id ${rcvIp}\n no bgp default ipv4-unicast\n no bgp ebgp-requires-policy\n neighbor ${dutToR} remote-as ${DUT_AS}\n neighbor ${dutToR} timers connect 1\n address-family l2vpn evpn\n  neighbor ${dutToR} activate\n exit-address-family\n`,
    );
    await frr.start();
    const count = async (): Promise<number> =>
      frr!.vtyshJson<{ peers?: Record<string, { pfxRcd?: number }> }>('show bgp l2vpn evpn summary json').peers?.[dutToR]?.pfxRcd ?? 0;
    const done = await until(n, count, deadlineMs, 50);
    if (done === null) return null;
    const res = await request(v.socket, { cmd: 'show', what: 'peers' }, 10_000);
    const peer = res.ok && 'peers' in res ? (res.peers as PeerStatus[]).find((p) => p.address === rcvIp) : undefined;
    // Established at (now - uptime), on evpn-vtep's clock; the same wall clock as ours.
    const establishedAt = wallMs() - (peer?.uptimeMs ?? 0);
    return (done - establishedAt) / 1000;
  } finally {
    gen?.kill();
    await v?.destroy();
    frr?.destroy();
    lab.destroy();
  }
}

function median(xs: (number | null)[]): number | null {
  if (xs.some((x) => x === null)) return null;
  const s = (xs as number[]).slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const NAMES = { 'evpn-vtep': 'evpn-vtep', frr: 'FRR bgpd 8.4', gobgp: 'gobgpd 3.10' } as const;

async function measureIngest(kind: keyof typeof NAMES, n: number, runs: number, deadlineMs: number): Promise<IngestRow> {
  const results: RunResult[] = [];
  for (let r = 0; r < runs; r++) {
    process.stderr.write(`ingest: ${fmtNum(n)} routes → ${NAMES[kind]} (run ${r + 1}/${runs})\n`);
    const res = await ingestOnce(kind, n, deadlineMs);
    process.stderr.write(`  ${res.seconds === null ? 'did not finish' : `${res.seconds.toFixed(2)} s`}, RSS +${(res.rssGrowth / 1048576).toFixed(0)} MiB\n`);
    results.push(res);
    if (res.seconds === null) break;
  }
  const seconds = median(results.map((x) => x.seconds));
  const growth = results.map((x) => x.rssGrowth).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  return {
    peer: NAMES[kind],
    routes: n,
    seconds,
    routesPerSec: seconds ? n / seconds : null,
    rssBytesPerRoute: seconds ? growth / n : null,
    runs: results.length,
    samples: results.map((x) => x.seconds),
    ...(seconds === null ? { note: `did not finish in ${deadlineMs / 1000} s` } : {}),
  };
}

export function ingestTable(rows: IngestRow[]): string {
  const frr = new Map(rows.filter((r) => r.peer.startsWith('FRR')).map((r) => [r.routes, r]));
  const lines = [
    '| peer | routes | runs | seconds (median) | routes/s | RSS growth B/route | time vs FRR | RSS/route vs FRR | note |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const f = frr.get(r.routes);
    const ratio = r.seconds && f?.seconds ? (r.seconds / f.seconds).toFixed(2) : '';
    const mem = r.rssBytesPerRoute && f?.rssBytesPerRoute ? (r.rssBytesPerRoute / f.rssBytesPerRoute).toFixed(2) : '';
    lines.push(
      `| ${r.peer} | ${fmtNum(r.routes)} | ${r.runs} | ${r.seconds?.toFixed(2) ?? '—'} | ${r.routesPerSec ? fmtNum(r.routesPerSec) : '—'} | ${r.rssBytesPerRoute?.toFixed(0) ?? '—'} | ${ratio} | ${mem} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

export async function runIngestPeers(sizes: number[], gobgpSize: number, runs: number): Promise<{ rows: IngestRow[]; advertise: { routes: number; seconds: number | null }[] }> {
  const rows: IngestRow[] = [];
  const duts = (process.env.DUTS ?? 'evpn-vtep,frr').split(',');
  for (const n of sizes) {
    const deadline = Math.max(120_000, n / 2);
    if (duts.includes('evpn-vtep')) rows.push(await measureIngest('evpn-vtep', n, runs, deadline));
    if (duts.includes('frr')) rows.push(await measureIngest('frr', n, runs, deadline));
  }
  if (gobgpSize > 0) rows.push(await measureIngest('gobgp', gobgpSize, 1, 120_000));
  const advertise: { routes: number; seconds: number | null }[] = [];
  const advN = Number(process.env.ADVERTISE_ROUTES ?? Math.max(...sizes));
  if (advN > 0) {
    process.stderr.write(`advertise: ${fmtNum(advN)} routes evpn-vtep → FRR\n`);
    const s = await advertiseOnce(advN, Math.max(120_000, advN / 2));
    process.stderr.write(`  ${s === null ? 'did not finish' : `${s.toFixed(2)} s`}\n`);
    advertise.push({ routes: advN, seconds: s });
  }
  return { rows, advertise };
}

if (require.main === module) {
  if (process.getuid?.() !== 0 || !existsSync('/usr/lib/frr/bgpd')) {
    console.error('ingest bench: needs root and FRR (bash scripts/setup.sh)');
    process.exit(2);
  }
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  runIngestPeers(sizes.length ? sizes : [100_000, 1_000_000], Number(process.env.GOBGP_ROUTES ?? 10_000), Number(process.env.RUNS ?? 3)).then(
    ({ rows, advertise }) => {
      console.log(ingestTable(rows));
      for (const a of advertise) {
        console.log(`\nevpn-vtep advertising ${fmtNum(a.routes)} routes to FRR bgpd: ${a.seconds === null ? 'did not finish' : `${a.seconds.toFixed(2)} s (${fmtNum(a.routes / a.seconds)} routes/s)`}, one run`);
      }
      // A partial run (DUTS) does not replace the recorded side-by-side results.
      if (process.env.DUTS !== undefined) return;
      const dir = path.resolve(__dirname, '..', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'ingest.json'), JSON.stringify({ date: new Date().toISOString(), rows, advertise }, null, 2) + '\n');
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
