/**
 * The data plane side by side with the kernel's, on the same namespaces and
 * the same traffic (root only; bounded in count and time):
 *
 *   hS ── V1 ══ underlay veth ══ V2 ── hR        VNI 100, MTU 1500 hosts, 1600 underlay
 *
 *   (a) kernel: a bridge + vxlan device (dstport 4789, nolearning, static FDB) in V1 and V2
 *   (b) evpn-vtep: vtep-runner.ts (the native packet thread) in V1 and V2
 *
 * Figures: UDP packet rate at 64 and 1400 octets (trafgen blasting a fixed
 * count from hS; what reaches hR's interface over the blast's duration),
 * ping RTT p50/p99 (`ping -c 200 -i 0.01`), iperf3 TCP throughput (`-t 5`,
 * hosts with their default offloads), the data-plane CPU per packet during
 * the 64-octet blast (kernel: softirq time is not attributable, so only ours),
 * and the ratio ours / kernel of each.
 *
 * Run: npx tsx bench/topo/dataplane.bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { fmtNum, type Row } from '../lib';
import { ipNs, run } from '../../test/support/netns';
import { rootSkipReason } from '../../test/support/root';
import { VtepProcess } from '../../test/topo/dataplane/support';
import { BENCH_TABLES, buildTwoLeaves, comparisonRow, deliveredKO, type Figures as TrafficFigures, measureFigures, median, runAsMain, tearDown, type TrafficPath, type TwoLeaves } from './traffic';

const VNI = 100;
const V1_IP = '10.202.0.1';
const V2_IP = '10.202.0.2';
const HS = { ip: '10.102.0.1', mac: '02:00:00:00:0c:01' };
const HR = { ip: '10.102.0.2', mac: '02:00:00:00:0c:02' };
const BLAST = Number(process.env.DP_BENCH_PACKETS ?? 300_000);
/** SCHED_FIFO priority of the packet threads (DP_BENCH_RT=0 for normal scheduling). */
const RT_PRIORITY = Number(process.env.DP_BENCH_RT ?? 10);
/** Access-port receive variant: RX ring slots per port (0 = recvmmsg); default: the data plane's. */
const ACCESS_RING = process.env.DP_BENCH_RING === undefined ? undefined : Number(process.env.DP_BENCH_RING);
/** µs of busy polling before the packet thread sleeps; default: the data plane's. */
const BUSY_POLL_US = process.env.DP_BENCH_SPIN === undefined ? undefined : Number(process.env.DP_BENCH_SPIN);
/** DP_BENCH_GSO=0: one underlay datagram per frame (no GSO_UDP_L4 / UDP_GRO) and no TSO coalescing toward hosts. */
const UNDERLAY_GSO = process.env.DP_BENCH_GSO === undefined ? undefined : process.env.DP_BENCH_GSO !== '0';
/** A directory: `perf record -e cpu-clock -g` of both VTEP processes during our 64-octet blast (perf.data there). */
const PERF_DIR = process.env.DP_BENCH_PERF;
/** Which phase DP_BENCH_PERF records: `64` (the 64-octet blast, default) or `tcp` (iperf3). */
const PERF_PHASE = process.env.DP_BENCH_PERF_PHASE ?? '64';

async function perfStart(pids: number[]): Promise<ChildProcess | undefined> {
  if (!PERF_DIR || !pids.length) return undefined;
  const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-g', '-o', path.join(PERF_DIR, 'perf.data'), '-p', pids.join(',')], {
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 500));
  return p;
}

async function perfStop(p: ChildProcess | undefined): Promise<void> {
  if (!p) return;
  p.kill('SIGINT');
  await new Promise((r) => p.on('exit', r));
}

type Net = TwoLeaves;

export function build(): Net {
  const net = buildTwoLeaves(process.env.LAB_PREFIX ?? 'nx', [V1_IP, V2_IP], [HS, HR]);
  for (const [n, dev, other] of [
    [net.hs, net.es, HR],
    [net.hr, net.er, HS],
  ] as const) {
    // Static neighbours: the blasts and pings measure forwarding, not ARP.
    ipNs(n, ['neigh', 'replace', other.ip, 'lladdr', other.mac, 'dev', dev, 'nud', 'permanent']);
  }
  return net;
}

function kernelUp(net: Net): void {
  for (const [n, local, remote, port, remoteHost] of [
    [net.v1, V1_IP, V2_IP, net.p1, HR],
    [net.v2, V2_IP, V1_IP, net.p2, HS],
  ] as const) {
    ipNs(n, ['link', 'add', 'vx0', 'type', 'vxlan', 'id', String(VNI), 'local', local, 'dstport', '4789', 'nolearning']);
    ipNs(n, ['link', 'set', 'vx0', 'mtu', '1500']);
    ipNs(n, ['link', 'add', 'br0', 'type', 'bridge']);
    for (const dev of ['vx0', port]) ipNs(n, ['link', 'set', dev, 'master', 'br0']);
    for (const dev of ['vx0', 'br0']) ipNs(n, ['link', 'set', dev, 'up']);
    run(n, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', remote]);
    run(n, ['bridge', 'fdb', 'add', remoteHost.mac, 'dev', 'vx0', 'dst', remote, 'self', 'permanent']);
  }
}

function kernelDown(net: Net): void {
  for (const n of [net.v1, net.v2]) {
    ipNs(n, ['link', 'del', 'vx0']);
    ipNs(n, ['link', 'del', 'br0']);
  }
}

export async function oursUp(net: Net): Promise<VtepProcess[]> {
  const mk = (ns: string, u: string, local: string, remote: string, port: string, remoteHost: typeof HS) =>
    VtepProcess.start(ns, {
      underlay: { ifname: u, localIp: local },
      ports: [{ index: 0, ifname: port }],
      ...BENCH_TABLES,
      rtPriority: RT_PRIORITY,
      ...(ACCESS_RING === undefined ? {} : { accessRing: ACCESS_RING }),
      ...(BUSY_POLL_US === undefined ? {} : { busyPollUs: BUSY_POLL_US }),
      ...(UNDERLAY_GSO === undefined ? {} : { underlayGso: UNDERLAY_GSO, accessCoalesce: UNDERLAY_GSO }),
      ops: [
        { op: 'vniAdd', vni: VNI },
        { op: 'portAdd', port: 0, vni: VNI },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: remote },
        { op: 'floodAdd', vni: VNI, vtepIdx: 0 },
        { op: 'remoteMacAdd', vni: VNI, mac: remoteHost.mac, vtepIdx: 0 },
      ],
    });
  return [await mk(net.v1, net.u1, V1_IP, V2_IP, net.p1, HR), await mk(net.v2, net.u2, V2_IP, V1_IP, net.p2, HS)];
}

/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

interface Figures extends TrafficFigures {
  cpuNsPerPacket?: number;
}

/** From hS to hR's MAC, to an address hR does not own. */
function traffic(net: Net, dir: string): TrafficPath {
  return { hs: net.hs, es: net.es, hr: net.hr, er: net.er, dir, da: HR.mac, sa: HS.mac, saddr: HS.ip, daddr: '10.102.0.99', dst: HR.ip, pingWarmup: 1 };
}

async function measureAll(net: Net, dir: string, pids: number[] = []): Promise<Figures> {
  let cpuSecs = 0;
  const f: Figures = await measureFigures(traffic(net, dir), BLAST, {
    blast64: async (measure) => {
      const perf = PERF_PHASE === '64' ? await perfStart(pids) : undefined;
      const cpu0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
      const b = await measure();
      cpuSecs = pids.reduce((s, p) => s + cpuSeconds(p), 0) - cpu0;
      await perfStop(perf);
      return b;
    },
    tcp: async (measure) => {
      const perf = PERF_PHASE === 'tcp' ? await perfStart(pids) : undefined;
      const g = await measure();
      await perfStop(perf);
      return g;
    },
  });
  if (pids.length) f.cpuNsPerPacket = (cpuSecs * 1e9) / (f.kpps64.delivered * BLAST);
  return f;
}

const SUITE = 'dataplane vs kernel VXLAN';
const RUNS = Number(process.env.DP_BENCH_RUNS ?? 3);

/** The options our VTEPs ran with, as the results file records them. */
function oursOptions(): Record<string, string | number | boolean> {
  return {
    rtPriority: RT_PRIORITY,
    accessRing: ACCESS_RING ?? 'default',
    busyPollUs: BUSY_POLL_US ?? 'default',
    underlayGso: UNDERLAY_GSO ?? 'default',
  };
}

/** The table (medians) and every run's figures, as the results file's Markdown twin. */
function markdown(rows: Row[], ks: Figures[], os: Figures[]): string {
  const opts = Object.entries(oursOptions())
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const lines = [
    `# Data plane vs kernel VXLAN (${new Date().toISOString()})`,
    '',
    `Medians of ${RUNS} runs, kernel and evpn-vtep alternating in each run; ${BLAST} frames per 64 B blast. evpn-vtep options: ${opts}.`,
    '',
    '| figure | kernel | evpn-vtep | ours/kernel |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.extra?.kernel ?? '-'} | ${fmtNum(r.opsPerSec)} | ${r.extra?.['ours/kernel'] ?? '-'} |`),
    '',
    '| run | kernel 64 B kpps | ours 64 B kpps (delivered) | kernel / ours 1400 B kpps | kernel / ours p50, p99 µs | kernel / ours TCP Gbit/s | ours CPU ns/pkt |',
    '|---|---|---|---|---|---|---|',
    ...ks.map((k, i) => {
      const o = os[i]!;
      return `| ${i + 1} | ${k.kpps64.kpps.toFixed(0)} | ${o.kpps64.kpps.toFixed(0)} (${(o.kpps64.delivered * 100).toFixed(0)} %) | ${k.kpps1400.kpps.toFixed(0)} / ${o.kpps1400.kpps.toFixed(0)} | ${k.rtt.p50}, ${k.rtt.p99} / ${o.rtt.p50}, ${o.rtt.p99} | ${k.tcp.toFixed(1)} / ${o.tcp.toFixed(1)} | ${o.cpuNsPerPacket?.toFixed(0) ?? '-'} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

export async function runDataplaneBench(): Promise<Row[]> {
  const skip = rootSkipReason();
  if (skip) {
    console.warn(`[skip] dataplane bench: ${skip}`);
    return [];
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'nx-bench-'));
  const net = build();
  let vteps: VtepProcess[] = [];
  const ks: Figures[] = [];
  const os: Figures[] = [];
  try {
    // Kernel and ours alternate within each run, so both see the same load.
    for (let run = 0; run < RUNS; run++) {
      kernelUp(net);
      ks.push(await measureAll(net, dir));
      kernelDown(net);
      vteps = await oursUp(net);
      os.push(
        await measureAll(
          net,
          dir,
          vteps.map((v) => v.proc.pid!),
        ),
      );
      await Promise.all(vteps.map((v) => v.stop()));
      vteps = [];
    }
    const pick = (fs: Figures[], f: (x: Figures) => number): number => median(fs.map(f));
    const figs: [string, string, (x: Figures) => number, boolean][] = [
      ['UDP 64 B packet rate (kpps delivered)', 'kpps', (x) => x.kpps64.kpps, false],
      ['UDP 1400 B packet rate (kpps delivered)', 'kpps', (x) => x.kpps1400.kpps, false],
      ['ping RTT p50 (µs)', 'µs', (x) => x.rtt.p50, true],
      ['ping RTT p99 (µs)', 'µs', (x) => x.rtt.p99, true],
      ['iperf3 TCP (Gbit/s)', 'Gbit/s', (x) => x.tcp, false],
    ];
    const rows = figs.map(([name, unit, f, lower]) => {
      const r = comparisonRow(SUITE, name, unit, pick(ks, f), pick(os, f), lower);
      r.samples = RUNS;
      return r;
    });
    rows[0]!.extra!['delivered k/o'] = deliveredKO(
      pick(ks, (x) => x.kpps64.delivered),
      pick(os, (x) => x.kpps64.delivered),
    );
    const cpu = os.map((x) => x.cpuNsPerPacket).filter((x): x is number => x !== undefined);
    if (cpu.length) {
      rows.push({
        suite: SUITE,
        name: 'evpn-vtep CPU per 64 B packet, both VTEPs (ns)',
        opsPerSec: median(cpu),
        rme: 0,
        samples: cpu.length,
        extra: { unit: 'ns' },
      });
    }
    if (require.main === module) {
      const out = path.resolve(__dirname, '..', 'results', process.env.DP_BENCH_OUT ?? 'dataplane.json');
      writeFileSync(
        out,
        JSON.stringify({ date: new Date().toISOString(), runs: RUNS, packets: BLAST, options: oursOptions(), rows, kernel: ks, ours: os }, null, 2) + '\n',
      );
      writeFileSync(out.replace(/\.json$/, '') + '.md', markdown(rows, ks, os));
    }
    return rows;
  } finally {
    await tearDown(vteps, net.topo, dir);
  }
}

if (require.main === module) runAsMain(runDataplaneBench);
