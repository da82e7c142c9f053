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
 * Environment: SCALE_LEAVES=8,32 (sizes), SCALE_KINDS=evpn,frr, SCALE_RUNS=3
 * (runs of each fabric, alternating; every figure is the median), SCALE_BUNDLE=1
 * (the daemons run from one esbuild bundle of the compiled CLI: what a
 * single-file build would save in start-up CPU and memory),
 * SCALE_PINGS=128 (host pairs pinged per fabric, 'all' for every pair),
 * IDLE_MS=10000 (idle CPU window), SETTLE_MS=5000 (quiet time before it),
 * VTEP_CLI=path/to/dist/cli/main.js (skip the build), VTEP_NODE_OPTIONS="…"
 * (node flags for every evpn-vtep daemon; the lab adds the daemon flags of
 * src/cli/flags.ts to the leaves), LAB_PREFIX=sb (name prefix), MEMORY_PROBE=1 (each
 * daemon writes its V8 heap / native / program-text breakdown, summarised
 * per fabric: bench/topo/memory-probe.cjs).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { hasFrr } from '../../src/lab/frr';
import { measureFabric, summarize, type ScaleResult } from '../../src/lab/scale';
import { rootSkipReason } from '../../test/support/root';
import type { Row } from '../lib';

const ROOT = path.resolve(__dirname, '../..');
const SUITE = 'fabric at scale vs FRR';

/** MEMORY_PROBE=1: every daemon preloads the memory probe, which reports to MEMORY_PROBE_DIR (inherited through `ip netns exec`). */
function probeFlags(): string[] {
  if (process.env.MEMORY_PROBE !== '1') return [];
  process.env.MEMORY_PROBE_DIR ??= mkdtempSync(path.join(tmpdir(), 'scale-probe-'));
  return ['--require', path.join(__dirname, 'memory-probe.cjs')];
}

/** A compiled copy of the CLI in a temp dir (package root with the addon and node_modules linked), and its cleanup. */
function compiledCli(): { command: string[]; cleanup: () => void } {
  // The daemons run as the lab runs them: the lab gives the leaves the daemon node flags (src/cli/flags.ts) unless VTEP_NODE_OPTIONS sets the young generation.
  const flags = (process.env.VTEP_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  if (process.env.VTEP_CLI) return { command: [process.execPath, ...flags, ...probeFlags(), path.resolve(process.env.VTEP_CLI)], cleanup: () => {} };
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
    if (process.env.SCALE_BUNDLE === '1') {
      // What a single-file build would give: esbuild (tsx's own dependency) folds the ~200 modules a daemon loads into one file.
      process.stderr.write('scale: bundling evpn-vtep into one file …\n');
      const main = path.join(dir, 'dist/cli/main.js');
      execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [main, '--bundle', '--platform=node', '--target=node20', '--external:prom-client', '--external:cap', '--external:raw-socket', `--outfile=${main}`, '--allow-overwrite', '--log-level=error'], { stdio: 'pipe', timeout: 120_000 });
    }
    execFileSync(process.execPath, [path.join(dir, 'dist/cli/main.js'), '--help'], { stdio: 'ignore', timeout: 30_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { command: [process.execPath, ...flags, ...probeFlags(), path.join(dir, 'dist/cli/main.js')], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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
  { name: 'CPU per leaf from its start to convergence', unit: 'CPU s', pick: (r) => summarize(r).cpuToConvergeS },
  { name: 'route reflector CPU from its start to convergence', unit: 'CPU s', pick: (r) => r.spine.cpuToConvergeS ?? null },
  { name: "killed leaf's hosts gone everywhere", unit: 'ms', pick: (r) => r.killGoneMs },
  { name: "restarted leaf's hosts back everywhere", unit: 'ms', pick: (r) => r.restartBackMs },
  { name: 'restarted leaf holds every host', unit: 'ms', pick: (r) => r.restartFullMs },
];

const fmt = (v: number | null, unit: string): string => (v === null ? '-' : unit === 'ms' ? v.toFixed(0) : unit === 's' || unit === 'CPU s' ? v.toFixed(2) : v.toFixed(1));

/** A leaf's memory by where it lives, from the probe's last report (bench/topo/memory-probe.cjs), MiB. */
interface MemoryBreakdown {
  [part: string]: number;
}

interface ProbeDoc {
  memory: NodeJS.MemoryUsage;
  spaces: Record<string, { size: number; used: number }>;
  rssByNameKiB: Record<string, number>;
}

/** Mean breakdown over the leaves' probe files; null when none was written. */
function probeBreakdown(dir: string, pids: number[]): MemoryBreakdown | null {
  const docs: ProbeDoc[] = [];
  for (const pid of pids) {
    try {
      docs.push(JSON.parse(readFileSync(path.join(dir, `${pid}.json`), 'utf8')) as ProbeDoc);
    } catch {
      /* no report from this one */
    }
  }
  if (!docs.length) return null;
  const MiB = 1024 * 1024;
  const mean = (f: (d: ProbeDoc) => number): number => docs.reduce((a, d) => a + f(d), 0) / docs.length;
  const text = (d: ProbeDoc): number => Object.entries(d.rssByNameKiB).filter(([k]) => k.endsWith('/node')).reduce((a, [, v]) => a + v, 0) / 1024;
  const libs = (d: ProbeDoc): number => Object.entries(d.rssByNameKiB).filter(([k]) => k.includes('.so') || k.endsWith('.node')).reduce((a, [, v]) => a + v, 0) / 1024;
  const anon = (d: ProbeDoc): number => ((d.rssByNameKiB['[anon]'] ?? 0) + (d.rssByNameKiB['[heap]'] ?? 0)) / 1024;
  return {
    'RSS (probe)': mean((d) => d.memory.rss / MiB),
    'node program text and data (shared)': mean(text),
    'shared libraries and the addon': mean(libs),
    'anonymous (heap, malloc, stacks)': mean(anon),
    'V8 heap reserved': mean((d) => d.memory.heapTotal / MiB),
    'V8 heap used': mean((d) => d.memory.heapUsed / MiB),
    'V8 new space': mean((d) => (d.spaces.new_space?.size ?? 0) / MiB),
    'V8 old space': mean((d) => (d.spaces.old_space?.size ?? 0) / MiB),
    'V8 code space': mean((d) => (d.spaces.code_space?.size ?? 0) / MiB),
    'external (Buffers, addon-reported)': mean((d) => d.memory.external / MiB),
    'anonymous outside the V8 heap (tables, malloc, stacks)': mean((d) => anon(d) - d.memory.heapTotal / MiB),
  };
}

/** One Row per figure and size: opsPerSec carries evpn-vtep's value, extra the FRR value and the ratio ours/FRR (lower is better for every figure). */
/** The median of the values that are there; null when none is. */
function median(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** Rows of one size: each figure the median over the runs of each kind; pings and memory of the last run. */
function rowsFor(n: number, oursRuns: ScaleResult[], frrRuns: ScaleResult[], memory: MemoryBreakdown | null): Row[] {
  const rows: Row[] = [];
  const ours = oursRuns.at(-1);
  const frr = frrRuns.at(-1);
  const samples = Math.max(oursRuns.length, frrRuns.length);
  for (const f of FIGURES) {
    const o = oursRuns.length ? median(oursRuns.map(f.pick)) : null;
    const k = frrRuns.length ? median(frrRuns.map(f.pick)) : null;
    rows.push({
      suite: SUITE,
      name: `${n} leaves: ${f.name} (${f.unit})`,
      opsPerSec: o ?? NaN,
      rme: 0,
      samples,
      extra: { unit: f.unit, ours: fmt(o, f.unit), FRR: fmt(k, f.unit), 'ours/FRR': o !== null && k !== null && k > 0 ? (o / k).toFixed(2) : '-' },
    });
  }
  const p = (r: ScaleResult | undefined): string => (r ? `${r.pings.ok}/${r.pings.pairs}` : '-');
  const first = (r: ScaleResult | undefined): string => (r ? `${r.pings.pairs - r.pings.failedFirst.length}/${r.pings.pairs}` : '-');
  if (memory) {
    for (const [k, v] of Object.entries(memory)) {
      rows.push({ suite: SUITE, name: `${n} leaves: evpn-vtep leaf memory: ${k} (MiB)`, opsPerSec: v, rme: 0, samples: 1, extra: { unit: 'MiB', ours: v.toFixed(1), FRR: '-', 'ours/FRR': '-' } });
    }
  }
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
  const runs = Math.max(1, Number(process.env.SCALE_RUNS ?? 3));
  const cli = kinds.includes('evpn') ? compiledCli() : { command: [], cleanup: () => {} };
  const rows: Row[] = [];
  const raw: ScaleResult[] = [];
  const out = { write: (s: string) => process.stderr.write(s) };
  try {
    for (const n of sizes) {
      const res: Record<'evpn' | 'frr', ScaleResult[]> = { evpn: [], frr: [] };
      let memory: MemoryBreakdown | null = null;
      // Runs alternate between the kinds, so a change in the machine's load weighs on both.
      for (let run = 1; run <= runs; run++) {
        for (const kind of ['evpn', 'frr'] as const) {
          if (!kinds.includes(kind)) continue;
          process.stderr.write(`scale: ${n} leaves, ${kind === 'evpn' ? 'evpn-vtep' : 'FRR'} fabric, run ${run}/${runs} (load average ${os.loadavg()[0]!.toFixed(2)}) …\n`);
          const r = await measureFabric({
            kind,
            leaves: n,
            out,
            prefix,
            ...(kind === 'evpn' ? { command: cli.command } : {}),
            timers: { logLevel: 'warn', metrics: false },
            convergeTimeoutMs: 60_000 + n * 2000,
            idleMs: Number(process.env.IDLE_MS ?? 10_000),
            settleMs: Number(process.env.SETTLE_MS ?? 5000),
            pings,
            restartLeaf: Math.ceil(n / 2),
          });
          res[kind].push(r);
          raw.push(r);
          if (r.pings.failedFirst.length) process.stderr.write(`  pings that failed right after convergence: ${r.pings.failedFirst.slice(0, 8).join(', ')}\n`);
          if (r.pings.failed.length) process.stderr.write(`  pings that still failed 5 s later: ${r.pings.failed.slice(0, 8).join(', ')}\n`);
          if (r.logIssues.length) process.stderr.write(`  logged by the daemons:\n${r.logIssues.map((l) => `    ${l}`).join('\n')}\n`);
          const probeDir = process.env.MEMORY_PROBE_DIR;
          if (kind === 'evpn' && probeDir) memory = probeBreakdown(probeDir, r.leafResources.flatMap((l) => l.pids)) ?? memory;
        }
      }
      rows.push(...rowsFor(n, res.evpn, res.frr, memory));
    }
  } finally {
    cli.cleanup();
    if (process.env.MEMORY_PROBE === '1' && process.env.MEMORY_PROBE_DIR?.includes('scale-probe-')) rmSync(process.env.MEMORY_PROBE_DIR, { recursive: true, force: true });
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
