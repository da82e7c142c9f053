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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { fmtNum, type Row } from '../lib';
import { ipNs, run, Topology } from '../../test/support/netns';
import { rootSkipReason } from '../../test/support/root';
import { VtepProcess } from '../../test/topo/dataplane/support';

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

export function build(): Net {
  const topo = new Topology(process.env.LAB_PREFIX ?? 'nx');
  const v1 = topo.addNs('V1');
  const v2 = topo.addNs('V2');
  const hs = topo.addNs('hS');
  const hr = topo.addNs('hR');
  const u1 = topo.name('u1');
  const u2 = topo.name('u2');
  topo.addVeth({ ns: v1, name: u1 }, { ns: v2, name: u2 });
  for (const [n, dev, a] of [
    [v1, u1, V1_IP],
    [v2, u2, V2_IP],
  ] as const) {
    ipNs(n, ['link', 'set', dev, 'mtu', '1600']);
    ipNs(n, ['addr', 'add', `${a}/24`, 'dev', dev]);
    run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  }
  const p1 = topo.name('p1');
  const p2 = topo.name('p2');
  const es = topo.name('eS');
  const er = topo.name('eR');
  topo.addVeth({ ns: v1, name: p1 }, { ns: hs, name: es });
  topo.addVeth({ ns: v2, name: p2 }, { ns: hr, name: er });
  for (const [n, dev, h] of [
    [hs, es, HS],
    [hr, er, HR],
  ] as const) {
    ipNs(n, ['link', 'set', dev, 'address', h.mac]);
    ipNs(n, ['addr', 'add', `${h.ip}/24`, 'dev', dev]);
    run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    // Static neighbours: the blasts and pings measure forwarding, not ARP.
    const other = h === HS ? HR : HS;
    ipNs(n, ['neigh', 'replace', other.ip, 'lladdr', other.mac, 'dev', dev, 'nud', 'permanent']);
  }
  return { topo, v1, v2, hs, hr, u1, u2, p1, p2, es, er };
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
      maxPorts: 4,
      maxVnis: 16,
      maxVteps: 16,
      maxMacs: 4096,
      maxArp: 1024,
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

function rxPackets(ns: string, dev: string): number {
  return Number(run(ns, ['cat', `/sys/class/net/${dev}/statistics/rx_packets`]).trim());
}

/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

interface Blast {
  kpps: number;
  delivered: number;
}

/** `count` UDP frames of `frameLen` octets (without FCS) from hS to hR's MAC, to an address hR does not own. */
function blast(net: Net, dir: string, frameLen: number, count: number): Blast {
  const cfg = path.join(dir, `blast${frameLen}.cfg`);
  writeFileSync(
    cfg,
    `{ eth(da=${HR.mac}, sa=${HS.mac}, type=0x0800), ipv4(saddr=${HS.ip}, daddr=10.102.0.99, ttl=64), ` +
      `udp(sport=40000, dport=9), fill(0x00, ${frameLen - 42}) }\n`,
  );
  const before = rxPackets(net.hr, net.er);
  const t0 = process.hrtime.bigint();
  run(net.hs, ['trafgen', '-q', '-P', '1', '-o', net.es, '-i', cfg, '-n', String(count)], { timeoutMs: 60_000 });
  const sendSecs = Number(process.hrtime.bigint() - t0) / 1e9;
  // Let queued frames drain (bounded), then count.
  let got = rxPackets(net.hr, net.er) - before;
  for (let i = 0; i < 20; i++) {
    execFileSync('sleep', ['0.05']);
    const now = rxPackets(net.hr, net.er) - before;
    if (now === got) break;
    got = now;
  }
  return { kpps: got / sendSecs / 1000, delivered: got / count };
}

function pingRtt(net: Net): { p50: number; p99: number; loss: number } {
  const out = run(net.hs, ['ping', '-q', '-c', '1', '-W', '1', HR.ip]) && run(net.hs, ['ping', '-c', '200', '-i', '0.01', '-W', '1', HR.ip], { timeoutMs: 30_000 });
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b);
  const q = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), loss: 1 - rtts.length / 200 };
}

async function tcpGbps(net: Net): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', net.hr, 'iperf3', '-s', '-1', '-B', HR.ip], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 400));
    const out = JSON.parse(run(net.hs, ['iperf3', '-c', HR.ip, '-t', '5', '-J'], { timeoutMs: 30_000 })) as {
      end: { sum_received: { bits_per_second: number } };
    };
    return out.end.sum_received.bits_per_second / 1e9;
  } finally {
    server.kill();
  }
}

interface Figures {
  kpps64: Blast;
  kpps1400: Blast;
  rtt: { p50: number; p99: number; loss: number };
  tcp: number;
  cpuNsPerPacket?: number;
}

async function measureAll(net: Net, dir: string, pids: number[] = []): Promise<Figures> {
  blast(net, dir, 64, Math.min(20_000, BLAST)); // warm-up: learning, caches
  const perf = PERF_PHASE === '64' ? await perfStart(pids) : undefined;
  const cpu0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
  const kpps64 = blast(net, dir, 64, BLAST);
  const cpu1 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
  await perfStop(perf);
  const f: Figures = {
    kpps64,
    kpps1400: blast(net, dir, 1400, Math.round(BLAST / 3)),
    rtt: pingRtt(net),
    tcp: 0,
  };
  const perfTcp = PERF_PHASE === 'tcp' ? await perfStart(pids) : undefined;
  f.tcp = await tcpGbps(net);
  await perfStop(perfTcp);
  if (pids.length) f.cpuNsPerPacket = ((cpu1 - cpu0) * 1e9) / (kpps64.delivered * BLAST);
  return f;
}

function row(name: string, value: number, unit: string, kernel: number, ours: number, lowerIsBetter = false): Row {
  const ratio = lowerIsBetter ? kernel / ours : ours / kernel;
  return {
    suite: 'dataplane vs kernel VXLAN',
    name,
    opsPerSec: value,
    rme: 0,
    samples: 1,
    extra: { unit, kernel: kernel.toFixed(1), ours: ours.toFixed(1), 'ours/kernel': ratio.toFixed(2) },
  };
}

const RUNS = Number(process.env.DP_BENCH_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

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
      const r = row(name, pick(os, f), unit, pick(ks, f), pick(os, f), lower);
      r.samples = RUNS;
      return r;
    });
    rows[0]!.extra!['delivered k/o'] =
      `${(pick(ks, (x) => x.kpps64.delivered) * 100).toFixed(0)}%/${(pick(os, (x) => x.kpps64.delivered) * 100).toFixed(0)}%`;
    const cpu = os.map((x) => x.cpuNsPerPacket).filter((x): x is number => x !== undefined);
    if (cpu.length) {
      rows.push({
        suite: 'dataplane vs kernel VXLAN',
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
    await Promise.all(vteps.map((v) => v.stop()));
    net.topo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runDataplaneBench()
    .then((rows) => {
      for (const r of rows) {
        const e = r.extra ?? {};
        console.log(
          `${r.name.padEnd(48)} ours ${fmtNum(r.opsPerSec).padStart(9)}  kernel ${String(e.kernel ?? '-').padStart(9)}  ratio ${e['ours/kernel'] ?? '-'}${e['delivered k/o'] ? `  delivered ${e['delivered k/o']}` : ''}`,
        );
      }
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
