/**
 * Routing between subnets (symmetric IRB, RFC 9135) side by side with the
 * kernel's, on the same namespaces and the same traffic (root only; bounded
 * in count and time):
 *
 *   hS 10.101.0.1 ── V1 ══ underlay veth ══ V2 ── hR 10.102.0.2
 *   (VNI 101, gateway 10.101.0.254)        (VNI 102, gateway 10.102.0.254)
 *
 *   (a) kernel: per leaf a bridge for the host's VNI holding the anycast
 *       gateway (SVI), a bridge + vxlan device for L3VNI 1000 with the
 *       Router's MAC, IP forwarding, the remote subnet routed `onlink` via
 *       the other VTEP with a permanent neighbour (its Router's MAC) and a
 *       static VXLAN FDB entry, as FRR's zebra programs it;
 *   (b) evpn-vtep: vtep-runner.ts (the native packet thread) with the same
 *       tenant programmed as ops (VrfAdd, GatewayAdd, RouteAdd...).
 *
 * Figures: UDP packet rate at 64 and 1400 octets (trafgen from hS to the
 * gateway MAC, routed twice, counted at hR's interface), ping RTT p50/p99,
 * iperf3 TCP throughput, each the median of RUNS (default 3) measurements,
 * and the ratio ours / kernel of each. The table is also written to
 * bench/results/routed.json.
 *
 * Run: npx tsx bench/topo/routed.bench.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { DataplaneOp } from '../../src/dataplane/ops';
import { fmtNum, type Row } from '../lib';
import { ipNs, run, Topology } from '../../test/support/netns';
import { rootSkipReason } from '../../test/support/root';
import { VtepProcess } from '../../test/topo/dataplane/support';

const L3VNI = 1000;
const GW = '00:00:5e:00:01:01';
const V1 = { ip: '10.203.0.1', rmac: '02:aa:00:00:10:00', vni: 101, subnet: '10.101.0.0/24', gw: '10.101.0.254' };
const V2 = { ip: '10.203.0.2', rmac: '02:bb:00:00:10:00', vni: 102, subnet: '10.102.0.0/24', gw: '10.102.0.254' };
const HS = { ip: '10.101.0.1', mac: '02:00:00:00:0d:01' };
const HR = { ip: '10.102.0.2', mac: '02:00:00:00:0d:02' };
/** The blast's destination: routed to hR's MAC, an address hR does not own (no replies). */
const SINK = '10.102.0.99';
const BLAST = Number(process.env.DP_BENCH_PACKETS ?? 300_000);
const RT_PRIORITY = Number(process.env.DP_BENCH_RT ?? 10);
const RUNS = Math.max(1, Number(process.env.RUNS ?? 3));

interface Net {
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

function build(): Net {
  const topo = new Topology('irb');
  const v1 = topo.addNs('V1');
  const v2 = topo.addNs('V2');
  const hs = topo.addNs('hS');
  const hr = topo.addNs('hR');
  const [u1, u2, p1, p2, es, er] = ['u1', 'u2', 'p1', 'p2', 'eS', 'eR'].map((r) => topo.name(r)) as [string, string, string, string, string, string];
  topo.addVeth({ ns: v1, name: u1 }, { ns: v2, name: u2 });
  for (const [n, dev, a] of [
    [v1, u1, V1.ip],
    [v2, u2, V2.ip],
  ] as const) {
    ipNs(n, ['link', 'set', dev, 'mtu', '1600']);
    ipNs(n, ['addr', 'add', `${a}/24`, 'dev', dev]);
    run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  }
  topo.addVeth({ ns: v1, name: p1 }, { ns: hs, name: es });
  topo.addVeth({ ns: v2, name: p2 }, { ns: hr, name: er });
  for (const [n, dev, h, gw] of [
    [hs, es, HS, V1.gw],
    [hr, er, HR, V2.gw],
  ] as const) {
    ipNs(n, ['link', 'set', dev, 'address', h.mac]);
    ipNs(n, ['addr', 'add', `${h.ip}/24`, 'dev', dev]);
    ipNs(n, ['route', 'add', 'default', 'via', gw]);
    run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    // Static neighbours: the blasts and pings measure forwarding, not ARP.
    ipNs(n, ['neigh', 'replace', gw, 'lladdr', GW, 'dev', dev, 'nud', 'permanent']);
  }
  return { topo, v1, v2, hs, hr, u1, u2, p1, p2, es, er };
}

function kernelUp(net: Net): void {
  for (const [n, self, peer, port, hostIps] of [
    [net.v1, V1, V2, net.p1, [[HS.ip, HS.mac]]],
    [net.v2, V2, V1, net.p2, [[HR.ip, HR.mac], [SINK, HR.mac]]],
  ] as const) {
    run(n, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    ipNs(n, ['link', 'add', 'brh', 'type', 'bridge']);
    ipNs(n, ['link', 'set', 'brh', 'address', GW]);
    ipNs(n, ['link', 'set', port, 'master', 'brh']);
    ipNs(n, ['link', 'set', 'brh', 'up']);
    ipNs(n, ['addr', 'add', `${self.gw}/24`, 'dev', 'brh']);
    for (const [ip, mac] of hostIps) ipNs(n, ['neigh', 'replace', ip, 'lladdr', mac, 'dev', 'brh', 'nud', 'permanent']);
    ipNs(n, ['link', 'add', 'brl3', 'type', 'bridge']);
    ipNs(n, ['link', 'set', 'brl3', 'address', self.rmac]);
    ipNs(n, ['link', 'add', 'vxl3', 'type', 'vxlan', 'id', String(L3VNI), 'local', self.ip, 'dstport', '4789', 'nolearning']);
    ipNs(n, ['link', 'set', 'vxl3', 'mtu', '1500']);
    ipNs(n, ['link', 'set', 'vxl3', 'master', 'brl3']);
    for (const dev of ['vxl3', 'brl3']) ipNs(n, ['link', 'set', dev, 'up']);
    ipNs(n, ['neigh', 'replace', peer.ip, 'lladdr', peer.rmac, 'dev', 'brl3', 'nud', 'permanent']);
    run(n, ['bridge', 'fdb', 'add', peer.rmac, 'dev', 'vxl3', 'dst', peer.ip, 'self', 'permanent']);
    ipNs(n, ['route', 'add', peer.subnet, 'via', peer.ip, 'dev', 'brl3', 'onlink']);
  }
}

function kernelDown(net: Net): void {
  for (const [n, port] of [
    [net.v1, net.p1],
    [net.v2, net.p2],
  ] as const) {
    ipNs(n, ['link', 'set', port, 'nomaster']);
    for (const dev of ['vxl3', 'brl3', 'brh']) ipNs(n, ['link', 'del', dev]);
    run(n, ['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
  }
}

function tenantOps(self: typeof V1, peer: typeof V1, hosts: [string, string][]): DataplaneOp[] {
  return [
    { op: 'vniAdd', vni: self.vni },
    { op: 'portAdd', port: 0, vni: self.vni },
    { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
    { op: 'vrfAdd', tenant: 0, l3vni: L3VNI, routerMac: self.rmac },
    { op: 'vniVrf', vni: self.vni, tenant: 0 },
    { op: 'gatewayAdd', vni: self.vni, ip: self.gw, prefixLength: 24, mac: GW },
    { op: 'routeAdd', tenant: 0, ip: self.subnet.split('/')[0]!, prefixLength: 24, vni: self.vni, local: true },
    { op: 'routeAdd', tenant: 0, ip: peer.subnet.split('/')[0]!, prefixLength: 24, vni: L3VNI, vtepIdx: 0, routerMac: peer.rmac },
    { op: 'localMacStatic', vni: self.vni, port: 0, mac: hosts[0]![1] },
    ...hosts.map(([ip, mac]): DataplaneOp => ({ op: 'arpAdd', vni: self.vni, ip, mac })),
  ];
}

async function oursUp(net: Net): Promise<VtepProcess[]> {
  const mk = (ns: string, u: string, self: typeof V1, peer: typeof V1, port: string, hosts: [string, string][]): Promise<VtepProcess> =>
    VtepProcess.start(ns, {
      underlay: { ifname: u, localIp: self.ip },
      ports: [{ index: 0, ifname: port }],
      maxPorts: 4,
      maxVnis: 16,
      maxVteps: 16,
      maxMacs: 4096,
      maxArp: 1024,
      rtPriority: RT_PRIORITY,
      ops: tenantOps(self, peer, hosts),
    });
  return [
    await mk(net.v1, net.u1, V1, V2, net.p1, [[HS.ip, HS.mac]]),
    await mk(net.v2, net.u2, V2, V1, net.p2, [
      [HR.ip, HR.mac],
      [SINK, HR.mac],
    ]),
  ];
}

function rxPackets(ns: string, dev: string): number {
  return Number(run(ns, ['cat', `/sys/class/net/${dev}/statistics/rx_packets`]).trim());
}

/** `count` UDP frames of `frameLen` octets from hS to the gateway MAC, for SINK (routed to hR's MAC). */
function blast(net: Net, dir: string, frameLen: number, count: number): { kpps: number; delivered: number } {
  const cfg = path.join(dir, `blast${frameLen}.cfg`);
  writeFileSync(cfg, `{ eth(da=${GW}, sa=${HS.mac}, type=0x0800), ipv4(saddr=${HS.ip}, daddr=${SINK}, ttl=64), udp(sport=40000, dport=9), fill(0x00, ${frameLen - 42}) }\n`);
  const before = rxPackets(net.hr, net.er);
  const t0 = process.hrtime.bigint();
  run(net.hs, ['trafgen', '-q', '-P', '1', '-o', net.es, '-i', cfg, '-n', String(count)], { timeoutMs: 60_000 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  let got = rxPackets(net.hr, net.er) - before;
  for (let i = 0; i < 20; i++) {
    execFileSync('sleep', ['0.05']);
    const now = rxPackets(net.hr, net.er) - before;
    if (now === got) break;
    got = now;
  }
  return { kpps: got / secs / 1000, delivered: got / count };
}

function pingRtt(net: Net): { p50: number; p99: number; loss: number } {
  run(net.hs, ['ping', '-q', '-c', '3', '-i', '0.2', '-W', '1', HR.ip]);
  const out = run(net.hs, ['ping', '-c', '200', '-i', '0.01', '-W', '1', HR.ip], { timeoutMs: 30_000 });
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b);
  const q = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), loss: 1 - rtts.length / 200 };
}

async function tcpGbps(net: Net): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', net.hr, 'iperf3', '-s', '-1', '-B', HR.ip], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 400));
    const out = JSON.parse(run(net.hs, ['iperf3', '-c', HR.ip, '-t', '5', '-J'], { timeoutMs: 30_000 })) as { end: { sum_received: { bits_per_second: number } } };
    return out.end.sum_received.bits_per_second / 1e9;
  } finally {
    server.kill();
  }
}

interface Figures {
  kpps64: { kpps: number; delivered: number };
  kpps1400: { kpps: number; delivered: number };
  rtt: { p50: number; p99: number; loss: number };
  tcp: number;
}

async function measureOnce(net: Net, dir: string): Promise<Figures> {
  blast(net, dir, 64, Math.min(20_000, BLAST)); // warm-up
  return { kpps64: blast(net, dir, 64, BLAST), kpps1400: blast(net, dir, 1400, Math.round(BLAST / 3)), rtt: pingRtt(net), tcp: await tcpGbps(net) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Medians of RUNS measurements, figure by figure. */
async function measureAll(net: Net, dir: string): Promise<Figures> {
  const fs: Figures[] = [];
  for (let i = 0; i < RUNS; i++) fs.push(await measureOnce(net, dir));
  const m = (f: (x: Figures) => number): number => median(fs.map(f));
  return {
    kpps64: { kpps: m((x) => x.kpps64.kpps), delivered: m((x) => x.kpps64.delivered) },
    kpps1400: { kpps: m((x) => x.kpps1400.kpps), delivered: m((x) => x.kpps1400.delivered) },
    rtt: { p50: m((x) => x.rtt.p50), p99: m((x) => x.rtt.p99), loss: m((x) => x.rtt.loss) },
    tcp: m((x) => x.tcp),
  };
}

function row(name: string, unit: string, kernel: number, ours: number, lowerIsBetter = false): Row {
  const ratio = lowerIsBetter ? kernel / ours : ours / kernel;
  return { suite: 'routed (symmetric IRB) vs kernel', name, opsPerSec: ours, rme: 0, samples: 1, extra: { unit, kernel: kernel.toFixed(1), ours: ours.toFixed(1), 'ours/kernel': ratio.toFixed(2) } };
}

export async function runRoutedBench(): Promise<Row[]> {
  const skip = rootSkipReason();
  if (skip) {
    console.warn(`[skip] routed bench: ${skip}`);
    return [];
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'irb-bench-'));
  const net = build();
  let vteps: VtepProcess[] = [];
  try {
    kernelUp(net);
    const k = await measureAll(net, dir);
    kernelDown(net);
    vteps = await oursUp(net);
    const o = await measureAll(net, dir);
    const rows = [
      row('UDP 64 B routed packet rate (kpps delivered)', 'kpps', k.kpps64.kpps, o.kpps64.kpps),
      row('UDP 1400 B routed packet rate (kpps delivered)', 'kpps', k.kpps1400.kpps, o.kpps1400.kpps),
      row('ping RTT p50 (µs)', 'µs', k.rtt.p50, o.rtt.p50, true),
      row('ping RTT p99 (µs)', 'µs', k.rtt.p99, o.rtt.p99, true),
      row('iperf3 TCP (Gbit/s)', 'Gbit/s', k.tcp, o.tcp),
    ];
    rows[0]!.extra!['delivered k/o'] = `${(k.kpps64.delivered * 100).toFixed(0)}%/${(o.kpps64.delivered * 100).toFixed(0)}%`;
    const results = path.resolve(__dirname, '..', 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(path.join(results, 'routed.json'), JSON.stringify({ runs: RUNS, packets: BLAST, rows }, null, 2) + '\n');
    return rows;
  } finally {
    await Promise.all(vteps.map((v) => v.stop()));
    net.topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runRoutedBench()
    .then((rows) => {
      for (const r of rows) {
        const e = r.extra ?? {};
        console.log(`${r.name.padEnd(48)} ours ${fmtNum(r.opsPerSec).padStart(9)}  kernel ${String(e.kernel ?? '-').padStart(9)}  ratio ${e['ours/kernel'] ?? '-'}${e['delivered k/o'] ? `  delivered ${e['delivered k/o']}` : ''}`);
      }
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
