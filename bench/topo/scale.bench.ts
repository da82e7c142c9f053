/**
 * A fabric at scale, side by side: for each size N, an all-evpn-vtep fabric
 * (`evpn-vtep bgp` route reflector + N `evpn-vtep run` leaves) and an
 * all-FRR fabric (FRR route reflector + N FRR leaves with a Linux bridge and
 * kernel VXLAN per VNI), built by the lab builder with the same namespaces,
 * links, hosts (one per leaf per VNI) and addresses, one after the other in
 * the same run. Measured by src/lab/scale.ts: convergence from the first and
 * from the last daemon start until every leaf holds every host, memory per
 * leaf (RSS; PSS), idle CPU per leaf, a killed leaf's hosts gone from every
 * other leaf, back after its restart, and pings between host pairs.
 * Root only. Run: npx tsx bench/topo/scale.bench.ts
 *
 * evpn-vtep runs compiled (what `npm install` puts on the PATH), from a
 * private `tsc` build in a temp dir, not through tsx: a loader in every
 * daemon would count in its memory.
 *
 * Environment: SCALE_LEAVES=8,32 (sizes), SCALE_KINDS=evpn,frr,
 * SCALE_PINGS=128 (host pairs pinged per fabric, 'all' for every pair),
 * IDLE_MS=10000 (idle CPU window), SETTLE_MS=5000 (quiet time before it),
 * VTEP_CLI=path/to/dist/cli/main.js (skip the build), VTEP_NODE_OPTIONS="…"
 * (node flags for the evpn-vtep daemons), LAB_PREFIX=sb (name prefix).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { hasFrr } from '../../src/lab/frr';
import { measureFabric, summarize, type ScaleResult } from '../../src/lab/scale';
import { rootSkipReason } from '../../test/support/root';
import type { Row } from '../lib';

const ROOT = path.resolve(__dirname, '../..');
const SUITE = 'fabric at scale vs FRR';

/** A compiled copy of the CLI in a temp dir (package root with the addon and node_modules linked), and its cleanup. */
function compiledCli(): { command: string[]; cleanup: () => void } {
  const flags = (process.env.VTEP_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  if (process.env.VTEP_CLI) return { command: [process.execPath, ...flags, path.resolve(process.env.VTEP_CLI)], cleanup: () => {} };
  const dir = mkdtempSync(path.join(tmpdir(), 'scale-cli-'));
  try {
    // native.ts finds the addon under the nearest package.json named evpn-vtep.
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'evpn-vtep', private: true }));
    symlinkSync(path.join(ROOT, 'build'), path.join(dir, 'build'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    process.stderr.write('scale: compiling evpn-vtep …\n');
    try {
      execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(dir, 'dist')], { stdio: 'pipe', timeout: 300_000 });
    } catch {
      // Type errors elsewhere in the tree still emit JavaScript; only a missing entry point is fatal.
    }
    execFileSync(process.execPath, [path.join(dir, 'dist/cli/main.js'), '--help'], { stdio: 'ignore', timeout: 30_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { command: [process.execPath, ...flags, path.join(dir, 'dist/cli/main.js')], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

interface Figure {
  name: string;
  unit: string;
  pick: (r: ScaleResult) => number | null;
}

const FIGURES: Figure[] = [
  { name: 'every leaf holds every host, from the first start', unit: 's', pick: (r) => r.convergeFromFirstMs / 1000 },
  { name: 'every leaf holds every host, from the last start', unit: 's', pick: (r) => r.convergeFromLastMs / 1000 },
  { name: 'RSS per leaf', unit: 'MiB', pick: (r) => summarize(r).rssMiB },
  { name: 'PSS per leaf (shared text split)', unit: 'MiB', pick: (r) => summarize(r).pssMiB },
  { name: 'idle CPU per leaf, mean', unit: '% core', pick: (r) => summarize(r).idleCpuMeanPct },
  { name: 'idle CPU per leaf, max', unit: '% core', pick: (r) => summarize(r).idleCpuMaxPct },
  { name: 'route reflector RSS', unit: 'MiB', pick: (r) => r.spine.rssMiB },
  { name: "killed leaf's hosts gone everywhere", unit: 'ms', pick: (r) => r.killGoneMs },
  { name: "restarted leaf's hosts back everywhere", unit: 'ms', pick: (r) => r.restartBackMs },
  { name: 'restarted leaf holds every host', unit: 'ms', pick: (r) => r.restartFullMs },
];

const fmt = (v: number | null, unit: string): string => (v === null ? '-' : unit === 'ms' ? v.toFixed(0) : unit === 's' ? v.toFixed(2) : v.toFixed(1));

/** One Row per figure and size: opsPerSec carries evpn-vtep's value, extra the FRR value and the ratio ours/FRR (lower is better for every figure). */
function rowsFor(n: number, ours: ScaleResult | undefined, frr: ScaleResult | undefined): Row[] {
  const rows: Row[] = [];
  for (const f of FIGURES) {
    const o = ours ? f.pick(ours) : null;
    const k = frr ? f.pick(frr) : null;
    rows.push({
      suite: SUITE,
      name: `${n} leaves: ${f.name} (${f.unit})`,
      opsPerSec: o ?? NaN,
      rme: 0,
      samples: 1,
      extra: { unit: f.unit, ours: fmt(o, f.unit), FRR: fmt(k, f.unit), 'ours/FRR': o !== null && k !== null && k > 0 ? (o / k).toFixed(2) : '-' },
    });
  }
  const p = (r: ScaleResult | undefined): string => (r ? `${r.pings.ok}/${r.pings.pairs}` : '-');
  const first = (r: ScaleResult | undefined): string => (r ? `${r.pings.pairs - r.pings.failedFirst.length}/${r.pings.pairs}` : '-');
  rows.push({ suite: SUITE, name: `${n} leaves: host pairs answering ping right after convergence`, opsPerSec: ours ? ours.pings.pairs - ours.pings.failedFirst.length : NaN, rme: 0, samples: 1, extra: { unit: 'pairs', ours: first(ours), FRR: first(frr), 'ours/FRR': '-' } });
  rows.push({ suite: SUITE, name: `${n} leaves: host pairs answering ping`, opsPerSec: ours ? ours.pings.ok : NaN, rme: 0, samples: 1, extra: { unit: 'pairs', ours: p(ours), FRR: p(frr), 'ours/FRR': '-' } });
  return rows;
}

export function scaleTable(rows: Row[]): string {
  const lines = ['| figure | evpn-vtep | FRR | ours/FRR |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.extra?.ours ?? '-'} | ${r.extra?.FRR ?? '-'} | ${r.extra?.['ours/FRR'] ?? '-'} |`);
  return lines.join('\n');
}

export async function runScaleBench(): Promise<Row[]> {
  const skip = rootSkipReason() ?? (hasFrr() ? null : 'needs FRR');
  if (skip) {
    console.warn(`[skip] scale bench: ${skip}`);
    return [];
  }
  const sizes = (process.env.SCALE_LEAVES ?? '8,32').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 2);
  const kinds = (process.env.SCALE_KINDS ?? 'evpn,frr').split(',');
  const pingsEnv = process.env.SCALE_PINGS ?? '128';
  const pings = pingsEnv === 'all' ? 'all' : Number(pingsEnv);
  const prefix = process.env.LAB_PREFIX ?? 'sb';
  const cli = kinds.includes('evpn') ? compiledCli() : { command: [], cleanup: () => {} };
  const rows: Row[] = [];
  const raw: ScaleResult[] = [];
  const out = { write: (s: string) => process.stderr.write(s) };
  try {
    for (const n of sizes) {
      const res: Partial<Record<'evpn' | 'frr', ScaleResult>> = {};
      for (const kind of ['evpn', 'frr'] as const) {
        if (!kinds.includes(kind)) continue;
        process.stderr.write(`scale: ${n} leaves, ${kind === 'evpn' ? 'evpn-vtep' : 'FRR'} fabric (load average ${os.loadavg()[0]!.toFixed(2)}) …\n`);
        res[kind] = await measureFabric({
          kind,
          leaves: n,
          out,
          prefix,
          ...(kind === 'evpn' ? { command: cli.command } : {}),
          timers: { logLevel: 'warn' },
          convergeTimeoutMs: 60_000 + n * 2000,
          idleMs: Number(process.env.IDLE_MS ?? 10_000),
          settleMs: Number(process.env.SETTLE_MS ?? 5000),
          pings,
          restartLeaf: Math.ceil(n / 2),
        });
        raw.push(res[kind]);
        const r = res[kind];
        if (r.pings.failedFirst.length) process.stderr.write(`  pings that failed right after convergence: ${r.pings.failedFirst.slice(0, 8).join(', ')}\n`);
        if (r.pings.failed.length) process.stderr.write(`  pings that still failed 5 s later: ${r.pings.failed.slice(0, 8).join(', ')}\n`);
        if (r.logIssues.length) process.stderr.write(`  logged by the daemons:\n${r.logIssues.map((l) => `    ${l}`).join('\n')}\n`);
      }
      rows.push(...rowsFor(n, res.evpn, res.frr));
    }
  } finally {
    cli.cleanup();
  }
  if (kinds.includes('evpn') && kinds.includes('frr')) {
    const file = path.resolve(__dirname, '..', 'results', 'scale.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), rows, raw }, null, 2));
  }
  return rows;
}

if (require.main === module) {
  runScaleBench()
    .then((rows) => console.log(scaleTable(rows)))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
