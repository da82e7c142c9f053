import { PerformanceObserver, performance } from 'node:perf_hooks';
import { encodeStream } from './ingest.bench';
import { decode } from '../../src/bgp/wire/update';
import { Rib } from '../../src/rib/rib';
import { Reader } from '../../src/util/reader';
const N = Number(process.argv[2] ?? 1e6);
const CTX = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: true };
const gcs: { t: number; d: number; kind: number }[] = [];
const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ t: e.startTime, d: e.duration, kind: (e as any).detail?.kind ?? 0 }); });
obs.observe({ entryTypes: ['gc'] });
async function main() {
const wire = encodeStream(N);
const reps = Number(process.env.REPS ?? 1);
for (let rep = 0; rep < reps; rep++) {
const rib = new Rib({ asn: 65100, routerId: '10.98.0.254', clusterId: '10.98.0.254' });
rib.peerUp({ id: 'frr', address: '10.98.0.1', asn: 65100, bgpId: '10.98.0.1', ibgp: true, routeReflectorClient: true, families: new Set(['25/70']), addPathTx: new Set(), localAddress: '10.98.0.254', extendedMessage: true });
rib.flush(); rib.drainOut('frr');
await new Promise((r) => setTimeout(r, 50));
let tDec = 0n, tApply = 0n, tFlush = 0n;
const c0 = process.cpuUsage();
const p0 = performance.now();
const t0 = process.hrtime.bigint();
for (let i = 0; i < wire.length; i++) {
  const a = process.hrtime.bigint();
  const u = decode(new Reader(wire[i]!), CTX);
  const b = process.hrtime.bigint();
  rib.applyUpdate('frr', u);
  const c = process.hrtime.bigint();
  tDec += b - a; tApply += c - b;
  if ((i + 1) % 16 === 0) { rib.flush(); tFlush += process.hrtime.bigint() - c; }
}
rib.flush();
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const p1 = performance.now();
const cu = process.cpuUsage(c0);
await new Promise((r) => setTimeout(r, 50));
let sc = 0, mc = 0, nsc = 0, nmc = 0;
for (const g of gcs) if (g.t >= p0 && g.t <= p1) { if (g.kind === 1) { sc += g.d; nsc++; } else { mc += g.d; nmc++; } }
console.log(`${N} routes: ${secs.toFixed(3)} s cpu ${((cu.user + cu.system) / 1e6).toFixed(3)} | scavenge ${nsc}x ${(sc / 1000).toFixed(3)} s, other gc ${nmc}x ${(mc / 1000).toFixed(3)} s | decode ${(Number(tDec) / 1e9).toFixed(3)} apply ${(Number(tApply) / 1e9).toFixed(3)} flush ${(Number(tFlush) / 1e9).toFixed(3)} size ${rib.size}`);
}
obs.disconnect();
}
void main();
