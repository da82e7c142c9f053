/**
 * Micro-benchmarks of the native pipeline (ARCHITECTURE guideline 14):
 *  - encap / decap per packet at batch 1, 32 and 256 through the run() test
 *    hook: the difference between batch sizes is the N-API cost per call;
 *  - MAC lookups per second in an FDB of 1,000,000 entries, timed in C++;
 *  - routed packets (symmetric IRB: route + encap with the L3VNI, decap +
 *    route into the host's subnet) in the C++ loop, next to plain bridging;
 *  - tenant LPM lookups per second with 1,000,000 IPv4 prefixes (an EVPN
 *    mix and an Internet-like mix of lengths) and the table's bytes per prefix;
 *  - applyOps cost per record (a batch of 1,000 RemoteMacAdd records).
 *
 * Run: npx tsx bench/native/pipeline.bench.ts
 */
import Benchmark from 'benchmark';

import { benchFdbLookups, benchLpmLookups, NativePipeline } from '../../src/dataplane/native';
import { encodeOps, type DataplaneOp } from '../../src/dataplane/ops';

export interface Row {
  suite: string;
  name: string;
  opsPerSec: number;
  rme: number;
  samples: number;
}

const A = { ip: '10.98.0.1', mac: '02:aa:ff:00:00:01' };
const B = { ip: '10.98.0.2', mac: '02:bb:ff:00:00:02' };
const H1 = [2, 0xcc, 0, 0, 0, 0x11];
const H2 = [2, 0xcc, 0, 0, 0, 0x12];

/** A 128-octet UDP/IPv4 frame h1 -> h2 with the given UDP source port. */
function innerFrame(sport: number): Uint8Array {
  const f = new Uint8Array(128);
  f.set(H2, 0);
  f.set(H1, 6);
  f.set([0x08, 0x00, 0x45, 0, 0, 114, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 100, 0, 11, 10, 100, 0, 12], 12);
  f.set([sport >> 8, sport & 0xff, 0x13, 0x88, 0, 94, 0, 0], 34);
  return f;
}

function pipeline(self: typeof A, peer: typeof A): NativePipeline {
  const p = new NativePipeline({
    maxPorts: 4,
    maxVnis: 16,
    maxVteps: 16,
    maxMacs: 4096,
    txSlots: 512,
    underlay: { localIp: self.ip, localMac: self.mac, nextHopMac: peer.mac },
  });
  const r = p.applyOps([
    { op: 'vniAdd', vni: 100 },
    { op: 'portAdd', port: 0, vni: 100 },
    { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
    // h1 lives behind A, h2 behind B: each side knows its own host locally and the other's remotely.
    { op: 'remoteMacAdd', vni: 100, mac: self === A ? '02:cc:00:00:00:12' : '02:cc:00:00:00:11', vtepIdx: 0 },
    { op: 'localMacStatic', vni: 100, port: 0, mac: self === A ? '02:cc:00:00:00:11' : '02:cc:00:00:00:12' },
  ]);
  if (r.rejected) throw new Error('bench setup rejected');
  return p;
}

/** A leaf of tenant red (L3VNI 1000): VNI 100 on port 0 (h1 on A), VNI 200 on port 0 (h2 on B); each holds the other's host route. */
function routedPipeline(self: typeof A, peer: typeof A): NativePipeline {
  const p = new NativePipeline({
    maxPorts: 4,
    maxVnis: 16,
    maxVteps: 16,
    maxMacs: 4096,
    maxTenants: 2,
    maxRoutes: 1024,
    txSlots: 512,
    underlay: { localIp: self.ip, localMac: self.mac, nextHopMac: peer.mac },
  });
  const onA = self === A;
  const vni = onA ? 100 : 200;
  const rmac = (x: typeof A): string => (x === A ? '02:aa:00:00:10:00' : '02:bb:00:00:10:00');
  const r = p.applyOps([
    { op: 'vniAdd', vni },
    { op: 'portAdd', port: 0, vni },
    { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
    { op: 'vrfAdd', tenant: 0, l3vni: 1000, routerMac: rmac(self) },
    { op: 'vniVrf', vni, tenant: 0 },
    { op: 'gatewayAdd', vni, ip: onA ? '10.100.0.1' : '10.200.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' },
    { op: 'routeAdd', tenant: 0, ip: onA ? '10.100.0.0' : '10.200.0.0', prefixLength: 24, vni, local: true },
    { op: 'routeAdd', tenant: 0, ip: onA ? '10.200.0.12' : '10.100.0.11', prefixLength: 32, vni: 1000, vtepIdx: 0, routerMac: rmac(peer) },
    { op: 'localMacStatic', vni, port: 0, mac: onA ? '02:cc:00:00:00:11' : '02:cc:00:00:00:12' },
    { op: 'arpAdd', vni, ip: onA ? '10.100.0.11' : '10.200.0.12', mac: onA ? '02:cc:00:00:00:11' : '02:cc:00:00:00:12' },
  ]);
  if (r.rejected) throw new Error('routed bench setup rejected');
  return p;
}

function row(suite: string, name: string, b: Benchmark, perRun: number): Row {
  return { suite, name, opsPerSec: b.hz * perRun, rme: b.stats.rme, samples: b.stats.sample.length };
}

/** A row from samples timed in C++: mean rate and its relative margin of error (95 %, Student t). */
function statsRow(suite: string, name: string, rates: number[]): Row {
  const n = rates.length;
  const mean = rates.reduce((x, y) => x + y, 0) / n;
  const sd = Math.sqrt(rates.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
  const t95 = [12.706, 4.303, 3.182, 2.776, 2.571][n - 2] ?? 1.96;
  return { suite, name, opsPerSec: mean, rme: ((sd / Math.sqrt(n)) * t95 * 100) / mean, samples: n };
}

function runSuite(suite: string, cases: { name: string; perRun: number; fn: () => void }[]): Promise<Row[]> {
  return new Promise((resolve) => {
    const s = new Benchmark.Suite(suite);
    for (const c of cases) s.add(c.name, c.fn, { maxTime: 0.6, minSamples: 8 });
    s.on('complete', function (this: Benchmark.Suite) {
      const rows: Row[] = [];
      this.forEach((b: Benchmark, i: number) => rows.push(row(suite, cases[i]!.name, b, cases[i]!.perRun)));
      resolve(rows);
    });
    s.run({ async: false });
  });
}

export async function runPipelineBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const a = pipeline(A, B);
  const b = pipeline(B, A);

  // Encapsulated copies of the same frames, as B receives them from A.
  const inner = Array.from({ length: 256 }, (_, i) => innerFrame(1024 + i));
  const outer = a.run(inner.map((bytes) => ({ port: 0, bytes }))).map((f) => f.bytes.slice());
  if (outer.length !== 256) throw new Error('encap setup produced ' + outer.length + ' frames');
  // Time delivery, not a drop path: every decapsulated frame must reach B's access port.
  const delivered = b.run(outer.map((bytes) => ({ port: 'underlay' as const, bytes })));
  if (delivered.length !== 256 || delivered.some((f) => f.egress.kind !== 'port')) throw new Error(`decap setup delivered ${delivered.length} of 256 frames`);

  const cases: { name: string; perRun: number; fn: () => void }[] = [];
  for (const batch of [1, 32, 256]) {
    const enc = inner.slice(0, batch).map((bytes) => ({ port: 0, bytes }));
    const dec = outer.slice(0, batch).map((bytes) => ({ port: -1, bytes }));
    cases.push({ name: `encap packets/s, batch ${batch}`, perRun: batch, fn: () => void a.runRaw(enc) });
    cases.push({ name: `decap packets/s, batch ${batch}`, perRun: batch, fn: () => void b.runRaw(dec) });
  }
  rows.push(...(await runSuite('native pipeline (run hook)', cases)));

  // The same vectors processed in a C++ loop: the pipeline's own cost, with
  // no N-API conversion. The gap to the rows above is the boundary's price.
  for (const batch of [32, 256]) {
    const enc = inner.slice(0, batch).map((bytes) => ({ port: 0, bytes }));
    const dec = outer.slice(0, batch).map((bytes) => ({ port: 'underlay' as const, bytes }));
    for (const [name, p, frames] of [
      ['encap', a, enc],
      ['decap', b, dec],
    ] as const) {
      const ns = Array.from({ length: 5 }, () => p.benchProcess(frames, Math.ceil(200_000 / batch)));
      rows.push(statsRow('native pipeline (C++ loop)', `${name} packets/s, batch ${batch}`, ns.map((x) => 1e9 / x)));
    }
  }

  // Routed (symmetric IRB): h1 (10.100.0.11, VNI 100) to 10.200.0.12 behind
  // the peer, via its /32 host route over L3VNI 1000; the peer routes it
  // into its VNI 200. Same 128-octet frames as the bridged rows above.
  const GW = [0, 0, 0x5e, 0, 1, 1];
  const routedIn = inner.map((f) => {
    const r = f.slice();
    r.set(GW, 0);
    r.set([10, 200, 0, 12], 30);
    r.set([0, 0], 24);
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (r[i]! << 8) | r[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    r.set([(~sum >> 8) & 0xff, ~sum & 0xff], 24);
    return r;
  });
  const ra = routedPipeline(A, B);
  const rb = routedPipeline(B, A);
  const routedOut = ra.run(routedIn.map((bytes) => ({ port: 0, bytes }))).map((f) => f.bytes.slice());
  if (routedOut.length !== 256 || routedOut[0]!.length !== 178) throw new Error(`route setup produced ${routedOut.length} frames`);
  const routedDelivered = rb.run(routedOut.map((bytes) => ({ port: 'underlay' as const, bytes })));
  if (routedDelivered.length !== 256 || routedDelivered.some((f) => f.egress.kind !== 'port')) throw new Error(`routed decap delivered ${routedDelivered.length}`);
  for (const [name, p, frames] of [
    ['route + encap (L3VNI)', ra, routedIn.map((bytes) => ({ port: 0, bytes }))],
    ['decap + route to host', rb, routedOut.map((bytes) => ({ port: 'underlay' as const, bytes }))],
  ] as const) {
    const ns = Array.from({ length: 5 }, () => p.benchProcess(frames, Math.ceil(200_000 / 256)));
    rows.push(statsRow('native pipeline (C++ loop)', `${name} packets/s, batch 256`, ns.map((x) => 1e9 / x)));
  }

  // Tenant LPM with 1,000,000 IPv4 prefixes, timed in C++.
  for (const [mix, what] of [
    [0, 'EVPN mix (/32 hosts, /24, /0)'],
    [1, 'Internet-like mix (/8../32)'],
  ] as const) {
    const runs = Array.from({ length: 3 }, () => benchLpmLookups(1_000_000, 3_000_000, mix));
    const r0 = runs[0]!;
    rows.push(statsRow('native lpm', `lookups/s, 1,000,000 prefixes, ${what}, ${r0.lengths} lengths, ${r0.bytesPerPrefix.toFixed(0)} B/prefix`, runs.map((r) => 1e9 / r.nsPerLookup)));
  }

  // MAC lookups with 1,000,000 entries, timed in C++: several samples for an rme.
  const samples = Array.from({ length: 5 }, () => 1e9 / benchFdbLookups(1_000_000, 5_000_000).nsPerLookup);
  rows.push(statsRow('native fdb', 'MAC lookups/s, 1,000,000 entries', samples));

  // applyOps: 1,000 RemoteMacAdd records per call, re-applied (updates in place).
  const ops: DataplaneOp[] = Array.from({ length: 1000 }, (_, i) => ({
    op: 'remoteMacAdd',
    vni: 100,
    mac: `02:dd:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
    vtepIdx: 0,
    seq: 1,
  }));
  const packed = encodeOps(ops);
  rows.push(
    ...(await runSuite('native ops', [
      { name: 'applyOps records/s (1,000 per call)', perRun: 1000, fn: () => void a.applyOps(packed) },
      { name: 'encodeOps records/s (TypeScript)', perRun: 1000, fn: () => void encodeOps(ops) },
    ])),
  );
  return rows;
}

if (require.main === module) {
  runPipelineBench().then(
    (rows) => {
      for (const r of rows) {
        const ns = 1e9 / r.opsPerSec;
        console.log(
          `${r.suite.padEnd(28)} ${r.name.padEnd(40)} ${r.opsPerSec.toFixed(0).padStart(12)}/s ` +
            `${ns.toFixed(1).padStart(9)} ns ±${r.rme.toFixed(1)}% (${r.samples} samples)`,
        );
      }
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
