/**
 * `npm run bench`: runs every suite, prints one table per suite, and writes
 * bench/results/latest.md (and latest.json) so a reader sees where the
 * project stands. Peer comparisons (kernel VXLAN, FRR, GoBGP) join this file
 * as their suites land; each reports a ratio measured side by side in one run.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { table, type Row } from './lib';
import { ratioChart, type Ratio } from './chart';
import { ingestTable, runIngestPeers } from './topo/ingest.bench';
import { runDataplaneBench } from './topo/dataplane.bench';
import { runRoutedBench } from './topo/routed.bench';
import { runMigrationBench } from './topo/migration.bench';
import { runScaleBench, scaleTable } from './topo/scale.bench';
import { runVxlanBench } from './codec/vxlan.bench';
import { runFramerBench } from './codec/framer.bench';
import { runUpdateBench } from './codec/update.bench';
import { runEvpnBench } from './codec/evpn.bench';
import { runPipelineBench } from './native/pipeline.bench';
import { runPortableBench } from './native/portable.bench';

interface Suite {
  name: string;
  run: () => Promise<Row[]>;
}

const SUITES: Suite[] = [
  { name: 'UPDATE codec (100 type-2 MAC+IP routes per message)', run: runUpdateBench },
  { name: 'EVPN NLRI codec', run: runEvpnBench },
  { name: 'BGP framer (TCP stream → messages)', run: runFramerBench },
  { name: 'VXLAN encap/decap in TypeScript (64-byte inner frame)', run: runVxlanBench },
  { name: 'Native pipeline (C++ fast path through the batch API)', run: runPipelineBench },
  { name: 'Portable TypeScript pipeline vs the C++ one (same frames)', run: runPortableBench },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const sections: string[] = [];
  const all: Row[] = [];
  const runs = process.env.BENCH_RUNS ?? '3';
  for (const s of SUITES) {
    if (only.length && !only.some((o) => s.name.toLowerCase().includes(o.toLowerCase()))) continue;
    process.stderr.write(`bench: ${s.name} …\n`);
    const rows = await s.run();
    all.push(...rows);
    const t = table(rows);
    console.log(`\n## ${s.name}\n\n${t}`);
    sections.push(`## ${s.name}\n\n${t}\n`);
  }
  // Side by side with peers (root, FRR installed): one run of each against the same namespaces and route sets.
  const ratios: Ratio[] = [];
  const topo = process.env.BENCH_TOPO !== '0' && process.getuid?.() === 0 && existsSync('/usr/lib/frr/bgpd') && only.length === 0;
  if (topo) {
    process.stderr.write('bench: route ingest vs FRR bgpd and gobgpd …\n');
    const ingest = await runIngestPeers([100_000, 1_000_000], Number(process.env.GOBGP_ROUTES ?? 10_000), Number(process.env.RUNS ?? 3));
    const t = ingestTable(ingest.rows);
    const adv = ingest.advertise.map((a) => `evpn-vtep advertising ${a.routes} routes to FRR bgpd: ${a.seconds === null ? 'did not finish' : `${a.seconds.toFixed(2)} s`}`).join('\n');
    console.log(`\n## Route ingest, side by side\n\n${t}\n\n${adv}`);
    sections.push(`## Route ingest, side by side (evpn-vtep, FRR bgpd 8.4, gobgpd 3.10)\n\n${t}\n\n${adv}\n`);
    for (const n of [100_000, 1_000_000]) {
      const ours = ingest.rows.find((r) => r.peer.startsWith('evpn-vtep') && r.routes === n);
      const frr = ingest.rows.find((r) => r.peer.startsWith('FRR') && r.routes === n);
      if (ours?.seconds && frr?.seconds) ratios.push({ label: `ingest ${n / 1000}k routes: time vs FRR`, value: ours.seconds / frr.seconds, lowerIsBetter: true });
      if (ours?.rssBytesPerRoute && frr?.rssBytesPerRoute) ratios.push({ label: `ingest ${n / 1000}k routes: memory/route vs FRR`, value: ours.rssBytesPerRoute / frr.rssBytesPerRoute, lowerIsBetter: true });
    }
    process.stderr.write('bench: data plane vs kernel VXLAN …\n');
    const dp = await runDataplaneBench();
    all.push(...dp);
    const dt = table(dp);
    console.log(`\n## Data plane vs kernel VXLAN\n\n${dt}`);
    sections.push(`## Data plane vs kernel VXLAN (same namespaces and traffic)\n\n${dt}\n`);
    for (const r of dp) {
      const v = Number(r.extra?.['ours/kernel']);
      if (Number.isFinite(v) && v > 0) ratios.push({ label: `${r.name}: vs kernel`, value: v, lowerIsBetter: /rtt|latency|p50|p99|cpu/i.test(r.name) });
    }
    process.stderr.write('bench: routing (symmetric IRB) vs kernel …\n');
    const rt = await runRoutedBench();
    all.push(...rt);
    const rtt = table(rt);
    console.log(`\n## Routing (symmetric IRB) vs kernel\n\n${rtt}`);
    sections.push(`## Routing between subnets (symmetric IRB) vs the kernel's bridge + vxlan + IP forwarding (same namespaces and traffic)\n\n${rtt}\n`);
    for (const r of rt) {
      const v = Number(r.extra?.['ours/kernel']);
      if (Number.isFinite(v) && v > 0) ratios.push({ label: `routed ${r.name}: vs kernel`, value: v, lowerIsBetter: /rtt|latency|p50|p99|cpu/i.test(r.name) });
    }
  }
  if (topo) {
    process.stderr.write('bench: host install and migration vs an all-FRR fabric …\n');
    const mig = await runMigrationBench();
    all.push(...mig);
    const mt = table(mig);
    console.log(`\n## Host install and VM migration vs an all-FRR fabric\n\n${mt}`);
    sections.push(`## Host install and VM migration vs an all-FRR fabric (through a route reflector)\n\n${mt}\n`);
    for (const r of mig) {
      const ours = Number(r.extra?.ours);
      const frr = Number(r.extra?.FRR);
      if (ours > 0 && frr > 0) ratios.push({ label: `${r.name}: vs FRR`, value: ours / frr, lowerIsBetter: true });
    }
  }
  if (topo && process.env.BENCH_SCALE !== '0') {
    process.stderr.write('bench: fabric scale (8 and 32 leaves) vs an all-FRR fabric …\n');
    const sc = await runScaleBench();
    all.push(...sc);
    const st = scaleTable(sc);
    console.log(`\n## Fabric scale vs an all-FRR fabric\n\n${st}`);
    sections.push(`## Fabric scale vs an all-FRR fabric (evpn-vtep RR + leaves vs FRR RR + leaves with kernel VXLAN)\n\n${st}\n`);
    for (const r of sc) {
      const v = Number(r.extra?.['ours/FRR']);
      if (Number.isFinite(v) && v > 0 && v < 20 && !/cpu/i.test(r.name)) ratios.push({ label: `${r.name}: vs FRR`, value: v, lowerIsBetter: !/pairs|ping/i.test(r.name) });
    }
  }
  if (ratios.length) {
    const svg = ratioChart('evpn-vtep ÷ peer (green: better than the peer)', ratios);
    mkdirSync(path.resolve(__dirname, 'results'), { recursive: true });
    writeFileSync(path.resolve(__dirname, 'results', 'ratios.svg'), svg);
    sections.unshift('![evpn-vtep vs its peers](ratios.svg)\n');
  }
  const head = `# evpn-vtep benchmarks\n\n${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · median of ${runs} runs each\n`;
  const dir = path.resolve(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.md'), `${head}\n${sections.join('\n')}`);
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, rows: all }, null, 2));
  process.stderr.write(`bench: wrote ${path.join(dir, 'latest.md')}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
