/**
 * Soak, long form (issue 7): the run of test/topo/robustness/soak.ts for as
 * long as asked — two evpn-vtep leaves, stable hosts pinging every 20 ms,
 * a raw iBGP peer churning type-2 routes (adds, withdrawals, moves) into
 * leaf 1 — and a report: churn rate, pings lost, leaf 1's RSS over time
 * (first vs last third after the warm-up, slope), final tables against the
 * peer's. Root.
 *
 * Run: npx tsx bench/topo/soak.bench.ts [--seconds N] [--rate CHANGES_PER_S] [--table N]
 *      (defaults 600 s, 300 changes/s, 5000 routes; writes bench/results/soak.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak } from '../../test/topo/robustness/soak';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, rate: { type: 'string', default: '300' }, table: { type: 'string', default: '5000' } } });
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const tableSize = Number(values.table);
  if (![seconds, rate, tableSize].every((x) => Number.isFinite(x) && x > 0)) {
    process.stderr.write('soak.bench: --seconds, --rate and --table must be positive numbers\n');
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('soak.bench: needs root (network namespaces)\n');
    return 2;
  }
  const r = await runSoak({ durationMs: seconds * 1000, changesPerSecond: rate, tableSize, log: (s) => process.stdout.write(`${s}\n`) });
  const lost = r.pings.sent - r.pings.replies;
  const rows: [string, string][] = [
    ['duration', `${(r.durationMs / 1000).toFixed(0)} s`],
    ['route changes', `${r.changes.adds + r.changes.withdrawals + r.changes.moves} (adds ${r.changes.adds}, withdrawals ${r.changes.withdrawals}, moves ${r.changes.moves})`],
    ['churn rate', `${r.rate.toFixed(0)} changes/s`],
    ['pings A → B (20 ms)', `sent ${r.pings.sent}, reached B ${r.pings.reachedB}, replies ${r.pings.replies}, lost ${lost}`],
    ['RSS first third / last third', `${r.rss.firstThird.toFixed(1)} / ${r.rss.lastThird.toFixed(1)} MiB (×${r.rss.ratio.toFixed(3)})`],
    ['RSS slope', `${r.rss.slopeMiBPerMin.toFixed(2)} MiB/min over ${r.rss.samples.length} samples`],
    ['final tables', `routes ${r.final.routes}/${r.final.expectedRoutes}, data-plane MACs ${r.final.macs}/${r.final.expectedMacs}, differences ${r.final.routeDiff.length + r.final.macDiff.length}`],
    ['churn session flaps', String(r.sessionFlaps)],
  ];
  process.stdout.write(['| soak | figure |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n') + '\n');
  const out = path.resolve(__dirname, '..', 'results', 'soak.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, options: { seconds, rate, tableSize }, result: r }, null, 2));
  const ok = lost === 0 && r.pings.sent === r.pings.reachedB && r.final.routeDiff.length === 0 && r.final.macDiff.length === 0 && r.sessionFlaps === 0;
  if (!ok) process.stderr.write(`soak.bench: FAILED ${JSON.stringify({ lost, final: r.final })}\n`);
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`soak.bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
