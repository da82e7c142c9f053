import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One measured figure. `opsPerSec` is the median over `runs` benchmark.js runs. */
export interface Row {
  suite: string;
  name: string;
  opsPerSec: number;
  /** Relative margin of error (%) of the median run. */
  rme: number;
  samples: number;
  /** Extra derived figures, e.g. routes/s for a message carrying many routes. */
  extra?: Record<string, number | string>;
}

export interface Case {
  name: string;
  fn: () => void;
  /** Multiplies opsPerSec into extra[unitName], e.g. 100 routes per message. */
  perOp?: { unit: string; count: number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs each case `runs` times with benchmark.js and keeps the median, so one noisy run on a 2-core box doesn't decide. */
export function measure(suite: string, cases: Case[], runs = Number(process.env.BENCH_RUNS ?? 3)): Row[] {
  const rows: Row[] = [];
  for (const c of cases) {
    const results: { hz: number; rme: number; samples: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const b = new Benchmark(c.name, c.fn, { minSamples: 5, maxTime: Number(process.env.BENCH_MAX_TIME ?? 1) });
      b.run({ async: false });
      if (b.error) throw b.error;
      results.push({ hz: b.hz, rme: b.stats.rme, samples: b.stats.sample.length });
    }
    const hz = median(results.map((r) => r.hz));
    const mid = results.find((r) => r.hz === hz)!;
    const row: Row = { suite, name: c.name, opsPerSec: hz, rme: mid.rme, samples: mid.samples };
    if (c.perOp) row.extra = { [`${c.perOp.unit}/s`]: Math.round(hz * c.perOp.count) };
    rows.push(row);
  }
  return rows;
}

export function fmtNum(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}

/** A Markdown table of rows (what `npm run bench` prints and writes). */
export function table(rows: Row[]): string {
  const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const head = ['suite', 'case', 'ops/s', '±%', 'samples', ...extraKeys];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const ex = extraKeys.map((k) => {
      const v = r.extra?.[k];
      return typeof v === 'number' ? fmtNum(v) : (v ?? '');
    });
    lines.push(`| ${[r.suite, r.name, fmtNum(r.opsPerSec), r.rme.toFixed(1), String(r.samples), ...ex].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function writeResults(file: string, rows: Row[]): void {
  const out = path.resolve(__dirname, 'results', file);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2));
}
