/**
 * What the side-by-side topology benches (dataplane, routed) share (root
 * only; bounded in count and time): the two-leaf namespaces, the traffic
 * measurements (a trafgen UDP blast counted at the receiver's interface, ping
 * RTT percentiles, iperf3 TCP throughput), the medians of several runs and
 * the comparison table. Each bench configures its hosts and VTEPs and says
 * what to send where.
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { fmtNum, type Row } from '../lib';
import { ipNs, run, Topology } from '../../test/support/netns';

/**
 * The benches' namespaces: hS ── V1 ══ underlay veth ══ V2 ── hR, where
 * u1/u2 are the underlay ends, p1/p2 the VTEPs' access ports and es/er the
 * hosts' interfaces.
 */
export interface TwoLeaves {
  topo: Topology;
  v1: string;
  v2: string;
  hs: string;
  hr: string;
  u1: string;
  u2: string;
  p1: string;
  p2: string;
  es: string;
  er: string;
}

/**
 * Builds TwoLeaves: the underlay addresses (/24, MTU 1600 for the VXLAN
 * overhead) on u1/u2, each host's MAC and /24 address; IPv6 off in every
 * namespace but the hosts' routes and neighbours are the caller's.
 */
export function buildTwoLeaves(prefix: string, underlayIps: [string, string], hosts: [{ ip: string; mac: string }, { ip: string; mac: string }]): TwoLeaves {
  const topo = new Topology(prefix);
  const v1 = topo.addNs('V1');
  const v2 = topo.addNs('V2');
  const hs = topo.addNs('hS');
  const hr = topo.addNs('hR');
  const [u1, u2, p1, p2, es, er] = ['u1', 'u2', 'p1', 'p2', 'eS', 'eR'].map((r) => topo.name(r)) as [string, string, string, string, string, string];
  topo.addVeth({ ns: v1, name: u1 }, { ns: v2, name: u2 });
  for (const [n, dev, a] of [
    [v1, u1, underlayIps[0]],
    [v2, u2, underlayIps[1]],
  ] as const) {
    ipNs(n, ['link', 'set', dev, 'mtu', '1600']);
    ipNs(n, ['addr', 'add', `${a}/24`, 'dev', dev]);
    run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  }
  topo.addVeth({ ns: v1, name: p1 }, { ns: hs, name: es });
  topo.addVeth({ ns: v2, name: p2 }, { ns: hr, name: er });
  for (const [n, dev, h] of [
    [hs, es, hosts[0]],
    [hr, er, hosts[1]],
  ] as const) {
    ipNs(n, ['link', 'set', dev, 'address', h.mac]);
    ipNs(n, ['addr', 'add', `${h.ip}/24`, 'dev', dev]);
    run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  }
  return { topo, v1, v2, hs, hr, u1, u2, p1, p2, es, er };
}

/** Our VTEPs' table sizes in these benches: one port and VNI each, room to spare. */
export const BENCH_TABLES = { maxPorts: 4, maxVnis: 16, maxVteps: 16, maxMacs: 4096, maxArp: 1024 } as const;

/** Sender hS (interface es) and receiver hR (interface er) and the frames between them. */
export interface TrafficPath {
  hs: string;
  es: string;
  hr: string;
  er: string;
  /** Where the trafgen configurations are written. */
  dir: string;
  /** The blast's Ethernet destination (hR's MAC when bridged, the gateway's when routed). */
  da: string;
  sa: string;
  saddr: string;
  /** The blast's IPv4 destination: one hR does not own, so no replies. */
  daddr: string;
  /** hR's own address, pinged and the iperf3 server's. */
  dst: string;
  /** Pings sent before the measured ones (more than one are sent 0.2 s apart). */
  pingWarmup: number;
}

export interface Blast {
  kpps: number;
  delivered: number;
}

export interface Rtt {
  p50: number;
  p99: number;
  loss: number;
}

export interface Figures {
  kpps64: Blast;
  kpps1400: Blast;
  rtt: Rtt;
  tcp: number;
}

function rxPackets(ns: string, dev: string): number {
  return Number(run(ns, ['cat', `/sys/class/net/${dev}/statistics/rx_packets`]).trim());
}

/** `count` UDP frames of `frameLen` octets (without FCS) from hS; kpps is what reaches hR's interface over the blast's duration. */
export function blast(t: TrafficPath, frameLen: number, count: number): Blast {
  const cfg = path.join(t.dir, `blast${frameLen}.cfg`);
  writeFileSync(
    cfg,
    `{ eth(da=${t.da}, sa=${t.sa}, type=0x0800), ipv4(saddr=${t.saddr}, daddr=${t.daddr}, ttl=64), ` +
      `udp(sport=40000, dport=9), fill(0x00, ${frameLen - 42}) }\n`,
  );
  const before = rxPackets(t.hr, t.er);
  const t0 = process.hrtime.bigint();
  run(t.hs, ['trafgen', '-q', '-P', '1', '-o', t.es, '-i', cfg, '-n', String(count)], { timeoutMs: 60_000 });
  const sendSecs = Number(process.hrtime.bigint() - t0) / 1e9;
  // Let queued frames drain (bounded), then count.
  let got = rxPackets(t.hr, t.er) - before;
  for (let i = 0; i < 20; i++) {
    execFileSync('sleep', ['0.05']);
    const now = rxPackets(t.hr, t.er) - before;
    if (now === got) break;
    got = now;
  }
  return { kpps: got / sendSecs / 1000, delivered: got / count };
}

/** p50/p99 (µs) and loss of 200 pings 10 ms apart. */
export function pingRtt(t: TrafficPath): Rtt {
  run(t.hs, ['ping', '-q', '-c', String(t.pingWarmup), ...(t.pingWarmup > 1 ? ['-i', '0.2'] : []), '-W', '1', t.dst]);
  const out = run(t.hs, ['ping', '-c', '200', '-i', '0.01', '-W', '1', t.dst], { timeoutMs: 30_000 });
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b);
  const q = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), loss: 1 - rtts.length / 200 };
}

/** iperf3 TCP throughput (Gbit/s) from hS to hR over 5 s. */
export async function tcpGbps(t: TrafficPath): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', t.hr, 'iperf3', '-s', '-1', '-B', t.dst], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 400));
    const out = JSON.parse(run(t.hs, ['iperf3', '-c', t.dst, '-t', '5', '-J'], { timeoutMs: 30_000 })) as {
      end: { sum_received: { bits_per_second: number } };
    };
    return out.end.sum_received.bits_per_second / 1e9;
  } finally {
    server.kill();
  }
}

/** Wraps one phase of a measurement, e.g. to profile it or count CPU around it. */
export type Around<T> = (measure: () => Promise<T>) => Promise<T>;

/**
 * One run: a warm-up blast, `packets` 64-octet frames, a third as many
 * 1400-octet ones, the pings, then iperf3.
 */
export async function measureFigures(t: TrafficPath, packets: number, around: { blast64?: Around<Blast>; tcp?: Around<number> } = {}): Promise<Figures> {
  blast(t, 64, Math.min(20_000, packets)); // warm-up: learning, caches
  const b64 = (): Promise<Blast> => Promise.resolve(blast(t, 64, packets));
  const kpps64 = await (around.blast64 ? around.blast64(b64) : b64());
  const kpps1400 = blast(t, 1400, Math.round(packets / 3));
  const rtt = pingRtt(t);
  const tcp = await (around.tcp ? around.tcp(() => tcpGbps(t)) : tcpGbps(t));
  return { kpps64, kpps1400, rtt, tcp };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Figure-by-figure medians of several runs. */
export function medianFigures(fs: Figures[]): Figures {
  const m = (f: (x: Figures) => number): number => median(fs.map(f));
  return {
    kpps64: { kpps: m((x) => x.kpps64.kpps), delivered: m((x) => x.kpps64.delivered) },
    kpps1400: { kpps: m((x) => x.kpps1400.kpps), delivered: m((x) => x.kpps1400.delivered) },
    rtt: { p50: m((x) => x.rtt.p50), p99: m((x) => x.rtt.p99), loss: m((x) => x.rtt.loss) },
    tcp: m((x) => x.tcp),
  };
}

/** A figure of ours beside the kernel's, with the ratio oriented so that > 1 means ours is better. */
export function comparisonRow(suite: string, name: string, unit: string, kernel: number, ours: number, lowerIsBetter = false): Row {
  const ratio = lowerIsBetter ? kernel / ours : ours / kernel;
  return { suite, name, opsPerSec: ours, rme: 0, samples: 1, extra: { unit, kernel: kernel.toFixed(1), ours: ours.toFixed(1), 'ours/kernel': ratio.toFixed(2) } };
}

/** "delivered" of the 64-octet blast, kernel / ours, as the first row's extra shows it. */
export function deliveredKO(kernel: number, ours: number): string {
  return `${(kernel * 100).toFixed(0)}%/${(ours * 100).toFixed(0)}%`;
}

/** The table on the console, one comparison row per line. */
export function printComparison(rows: Row[]): void {
  for (const r of rows) {
    const e = r.extra ?? {};
    console.log(
      `${r.name.padEnd(48)} ours ${fmtNum(r.opsPerSec).padStart(9)}  kernel ${String(e.kernel ?? '-').padStart(9)}  ratio ${e['ours/kernel'] ?? '-'}${e['delivered k/o'] ? `  delivered ${e['delivered k/o']}` : ''}`,
    );
  }
}

/** After a bench, also a failed one: our VTEPs stopped, the namespaces and the trafgen directory removed. */
export async function tearDown(vteps: { stop(): Promise<void> }[], topo: { destroy(): void }, dir: string): Promise<void> {
  await Promise.all(vteps.map((v) => v.stop()));
  topo.destroy();
  rmSync(dir, { recursive: true, force: true });
}

/** Runs a bench as the main module: its table on the console, exit status 1 on failure. */
export function runAsMain(bench: () => Promise<Row[]>): void {
  bench()
    .then(printComparison)
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
