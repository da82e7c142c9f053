import { describe, expect, it } from 'vitest';
import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { rootSkipReason } from '../../support/root';
import { runSoak } from './soak';

/**
 * Soak, CI size (issue 7): 60 s of route churn (adds, withdrawals, moves at
 * 150 changes/s) into an evpn-vtep leaf while two stable hosts ping each
 * other every 20 ms across it (soak.ts). Asserted: no ping lost, no session
 * flap, the final tables equal the churn peer's exactly, and RSS within a
 * generous bound (last third ≤ 1.5 × first third); the slope is printed.
 * Longer runs: bench/topo/soak.bench.ts. SOAK_SECONDS overrides the length.
 */

const skip = rootSkipReason() ?? nativeUnavailableReason();
if (skip) console.warn(`[skip] soak: ${skip}`);

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);

describe.skipIf(skip !== null)('soak: route churn with traffic between stable hosts', () => {
  it(`${SECONDS} s of churn: 0 pings lost, tables exact, RSS flat`, async () => {
    const r = await runSoak({ durationMs: SECONDS * 1000, changesPerSecond: 150, tableSize: 2000, log: (s) => console.log(s) });
    console.log(
      `[soak] ${(r.durationMs / 1000).toFixed(0)} s, ${r.rate.toFixed(0)} changes/s (adds ${r.changes.adds}, withdrawals ${r.changes.withdrawals}, moves ${r.changes.moves}); ` +
        `pings sent ${r.pings.sent}, reached B ${r.pings.reachedB}, replies ${r.pings.replies}; ` +
        `RSS first third ${r.rss.firstThird.toFixed(1)} MiB, last third ${r.rss.lastThird.toFixed(1)} MiB (×${r.rss.ratio.toFixed(3)}, slope ${r.rss.slopeMiBPerMin.toFixed(2)} MiB/min); ` +
        `final routes ${r.final.routes}/${r.final.expectedRoutes}, data-plane MACs ${r.final.macs}/${r.final.expectedMacs}; session flaps ${r.sessionFlaps}`,
    );
    expect(r.rate).toBeGreaterThan(100);
    expect(r.pings.sent).toBeGreaterThan(0);
    expect(r.pings.sent - r.pings.reachedB).toBe(0);
    expect(r.pings.sent - r.pings.replies).toBe(0);
    expect(r.sessionFlaps).toBe(0);
    expect(r.final.routeDiff).toEqual([]);
    expect(r.final.macDiff).toEqual([]);
    expect(r.final.routes).toBe(r.final.expectedRoutes);
    // A generous bound, not a timed assertion: a leak at this churn would grow far past it.
    expect(r.rss.ratio).toBeLessThan(1.5);
  }, (SECONDS + 180) * 1000);
});
