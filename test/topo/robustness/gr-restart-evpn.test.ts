import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { waitFor } from '../../support/peers';
import { rootSkipReason } from '../../support/root';
import { GrFabric, icmpCounter, pingStream, VNI } from './gr-support';
import { useGrFabric } from './gr-suite';

/**
 * Graceful restart of our BGP side with evpn-vtep on both ends: leaf 1
 * restarts its BGP side (`clear bgp --graceful` on the control socket),
 * leaf 2 is the helper. Both announce L2VPN/EVPN in the capability
 * (preserve-forwarding), so leaf 2 keeps leaf 1's routes stale and both
 * data planes keep forwarding: a 20 ms ping stream from A (leaf 1) to B
 * (leaf 2) loses nothing, round trip. Leaf 1 comes back with the R and F
 * bits; each side's End-of-RIB leaves nothing stale; then the same with
 * leaf 2 restarting (leaf 1 helps).
 */

const skip = rootSkipReason() ?? nativeUnavailableReason();
if (skip) console.warn(`[skip] graceful restart between two evpn-vtep leaves: ${skip}`);

const INTERVAL_MS = 20;

describe.skipIf(skip !== null)('graceful restart between two evpn-vtep leaves', () => {
  const f = new GrFabric({ peer: 'evpn', configExtra: ['graceful-restart: { preserve-forwarding: true, restart-time: 120, select-defer-time: 60 }'] });

  useGrFabric(f, async () => {
    await waitFor('host A to reach host B', () => f.ping(f.a, f.b, 1), 30_000, 200);
  });

  for (const who of ['leaf 1', 'leaf 2'] as const) {
    it(`${who} restarts its BGP side: the other keeps its routes stale, 0 pings lost round trip, nothing stale after End-of-RIB`, async () => {
      const restarting = who === 'leaf 1' ? f.ours : f.other!;
      const helper = who === 'leaf 1' ? f.other! : f.ours;
      const helperPeerIp = who === 'leaf 1' ? f.oursIp : f.frrIp;
      const count = Math.ceil(8_000 / INTERVAL_MS);
      f.pinNeighbors(f.a, f.b);
      const echos0 = icmpCounter(f.b, 'IcmpInEchos');
      const before = await f.peer(restarting);
      const stream = pingStream(f.a, f.b, count, INTERVAL_MS);
      let staleSeen = 0;
      const logLines = (p: typeof f.ours, re: RegExp): number => p.log().split('\n').filter((l) => re.test(l)).length;
      const kept0 = logLines(helper, /keeping the peer's routes as stale/);
      const swept0 = logLines(restarting, /End-of-RIB received, stale paths not refreshed removed.*our restart/);
      try {
        await sleep(1500);
        const t0 = Date.now();
        const r = await restarting.ask({ cmd: 'clear', what: 'bgp', graceful: true });
        expect(r).toMatchObject({ ok: true });
        await waitFor('session back and End-of-RIB on both sides', async () => {
          const helperRows = ((await helper.ask({ cmd: 'show', what: 'routes' })) as { routes: { from: string; stale?: boolean }[] }).routes;
          if (helperRows.some((x) => x.from === helperPeerIp && x.stale)) staleSeen++;
          const p = await f.peer(restarting);
          const restRows = ((await restarting.ask({ cmd: 'show', what: 'routes' })) as { routes: { from: string; stale?: boolean }[] }).routes;
          return p?.state === 'Established' && p.establishedCount === before!.establishedCount + 1 && !helperRows.some((x) => x.stale) && !restRows.some((x) => x.stale) && helperRows.some((x) => x.from === helperPeerIp);
        }, 30_000, 50);
        console.log(`[gr evpn] ${who} restarted: back and fresh after ${Date.now() - t0} ms; the helper showed its routes stale in ${staleSeen} samples`);
        // The helper kept the restarting leaf's routes (stale) instead of withdrawing them, and the
        // restarting leaf kept the helper's paths until the helper's End-of-RIB.
        expect(logLines(helper, /keeping the peer's routes as stale/)).toBe(kept0 + 1);
        await waitFor('the restarting leaf to log the End-of-RIB sweep', () => logLines(restarting, /End-of-RIB received, stale paths not refreshed removed.*our restart/) === swept0 + 1, 5000, 50);
        expect(await f.macs()).toContainEqual(expect.objectContaining({ vni: VNI, mac: f.b.mac, type: 'remote' }));
      } finally {
        const res = await stream.done;
        const reached = icmpCounter(f.b, 'IcmpInEchos') - echos0;
        console.log(`[gr evpn] ping stream A → B every ${INTERVAL_MS} ms across ${who}'s graceful restart: sent ${res.sent}, reached B ${reached}, replies ${res.received}, lost ${res.sent - res.received}`);
        expect(res.sent).toBeGreaterThanOrEqual(count - 5);
        expect(res.sent - reached, res.out).toBe(0);
        expect(res.sent - res.received, res.out).toBe(0);
      }
    }, 60_000);
  }
});
