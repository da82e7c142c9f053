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
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { DataplaneOp } from '../../src/dataplane/ops';
import type { Row } from '../lib';
import { ipNs, run } from '../../test/support/netns';
import { rootSkipReason } from '../../test/support/root';
import { VtepProcess } from '../../test/topo/dataplane/support';
import { BENCH_TABLES, buildTwoLeaves, comparisonRow, deliveredKO, type Figures, measureFigures, medianFigures, runAsMain, tearDown, type TrafficPath, type TwoLeaves } from './traffic';

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

type Net = TwoLeaves;

function build(): Net {
  const net = buildTwoLeaves(process.env.LAB_PREFIX ?? 'irb', [V1.ip, V2.ip], [HS, HR]);
  for (const [n, dev, gw] of [
    [net.hs, net.es, V1.gw],
    [net.hr, net.er, V2.gw],
  ] as const) {
    ipNs(n, ['route', 'add', 'default', 'via', gw]);
    // Static neighbours: the blasts and pings measure forwarding, not ARP.
    ipNs(n, ['neigh', 'replace', gw, 'lladdr', GW, 'dev', dev, 'nud', 'permanent']);
  }
  return net;
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
      ...BENCH_TABLES,
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

function traffic(net: Net, dir: string): TrafficPath {
  return { hs: net.hs, es: net.es, hr: net.hr, er: net.er, dir, da: GW, sa: HS.mac, saddr: HS.ip, daddr: SINK, dst: HR.ip, pingWarmup: 3 };
}

/** Medians of RUNS measurements, figure by figure. */
async function measureAll(net: Net, dir: string): Promise<Figures> {
  const fs: Figures[] = [];
  for (let i = 0; i < RUNS; i++) fs.push(await measureFigures(traffic(net, dir), BLAST));
  return medianFigures(fs);
}

const SUITE = 'routed (symmetric IRB) vs kernel';

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
      comparisonRow(SUITE, 'UDP 64 B routed packet rate (kpps delivered)', 'kpps', k.kpps64.kpps, o.kpps64.kpps),
      comparisonRow(SUITE, 'UDP 1400 B routed packet rate (kpps delivered)', 'kpps', k.kpps1400.kpps, o.kpps1400.kpps),
      comparisonRow(SUITE, 'ping RTT p50 (µs)', 'µs', k.rtt.p50, o.rtt.p50, true),
      comparisonRow(SUITE, 'ping RTT p99 (µs)', 'µs', k.rtt.p99, o.rtt.p99, true),
      comparisonRow(SUITE, 'iperf3 TCP (Gbit/s)', 'Gbit/s', k.tcp, o.tcp),
    ];
    rows[0]!.extra!['delivered k/o'] = deliveredKO(k.kpps64.delivered, o.kpps64.delivered);
    const results = path.resolve(__dirname, '..', 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(path.join(results, 'routed.json'), JSON.stringify({ runs: RUNS, packets: BLAST, rows }, null, 2) + '\n');
    return rows;
  } finally {
    await tearDown(vteps, net.topo, dir);
  }
}

if (require.main === module) runAsMain(runRoutedBench);
