/**
 * `npm run bench`: runs every suite, prints one table per suite, and writes
 * bench/results/latest.md (and latest.json) so a reader sees where the
 * project stands. Peer comparisons (kernel VXLAN, FRR, GoBGP) join this file
 * as their suites land; each reports a ratio measured side by side in one run.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { table, type Row } from './lib';
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
