import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { hasFrr } from '../../../src/lab/frr';
import { waitFor } from '../../support/peers';
import { rootSkipReason } from '../../support/root';
import { GrFabric, icmpCounter, pingStream, VNI, VNI2 } from './gr-support';
import { useGrFabric } from './gr-suite';

/**
 * Graceful restart (RFC 4724) with evpn-vtep as the helper (receiving
 * speaker) while FRR's bgpd restarts: bgpd is killed (SIGKILL: no
 * NOTIFICATION, its TCP connection just closes), so our session ends by a
 * TCP failure and FRR's routes stay in our RIB as stale and in our data
 * plane. bgpd comes back with the Restart State bit set, we send our table
 * and End-of-RIB, FRR sends its table and End-of-RIB, and the stale paths
 * it did not re-send are gone while the others stay: bgpd comes back with
 * an explicit RD for VNI 200, so FRR's VNI 200 type-3 route under the old
 * (auto) RD is never refreshed and goes, its replacement under the new RD
 * arrives, and host B and the VNI 100 type-3 are refreshed in place.
 * (Removing a host from FRR's bridge while bgpd is down does not do: zebra
 * still announces its MAC when bgpd returns.)
 *
 * A 20 ms ping stream from host A (behind us) to host B (behind FRR) runs
 * across it. Our direction (A → B, through our data plane) must lose
 * nothing: B's IcmpInEchos counter equals the requests A sent. FRR's
 * direction cannot hold: FRR 8.4's zebra deletes the remote MACs and VTEPs
 * bgpd installed when bgpd's zapi connection closes
 * (zebra_evpn_cfg_cleanup), graceful restart or not, so B's replies have
 * no tunnel until bgpd re-learns our routes. Both counts are printed.
 */

const skip = rootSkipReason() ?? (hasFrr() ? null : 'needs FRR') ?? nativeUnavailableReason();
if (skip) console.warn(`[skip] graceful restart helper with FRR: ${skip}`);

const INTERVAL_MS = 20;
const DOWN_MS = 3000;
const NEW_RD2 = '10.99.99.99:200';

describe.skipIf(skip !== null)('graceful restart: evpn-vtep helps while FRR bgpd restarts', () => {
  const f = new GrFabric();

  useGrFabric(f);

  it('negotiates graceful restart and learns host B and both type-3 routes from FRR', async () => {
    // Host A announces itself to us, B to FRR.
    await waitFor('host A to reach host B', () => f.ping(f.a, f.b, 1), 30_000, 200);
    await waitFor("our RIB to hold FRR's type-3 routes and host B", async () => {
      const r = await f.routes();
      return [VNI, VNI2].every((v) => r.some((x) => x.type === 3 && x.vni === v && x.nextHop === f.frrIp)) && r.some((x) => x.type === 2 && x.mac === f.b.mac && x.nextHop === f.frrIp);
    }, 30_000, 200);
    expect(await f.floodsTo(VNI2, f.frrIp)).toBe(true);
    const nb = f.frr.vtyshJson<Record<string, Record<string, unknown>>>(`show bgp neighbors ${f.oursIp} json`)[f.oursIp] ?? {};
    const gr = Object.fromEntries(Object.entries(nb).filter(([k]) => /grace|Gr|restart/i.test(k)));
    const caps = nb.neighborCapabilities as Record<string, unknown> | undefined;
    console.log(`[gr helper] FRR neighbor GR view: ${JSON.stringify(gr)} caps ${JSON.stringify(caps?.gracefulRestartCapability ?? caps?.gracefulRestart)}`);
    // FRR restarts gracefully (it announced the capability with L2VPN/EVPN) and sees us as a helper.
    const info = gr.gracefulRestartInfo as { localGrMode?: string; remoteGrMode?: string } | undefined;
    expect(info?.localGrMode).toMatch(/^Restart/);
    expect(info?.remoteGrMode).toBe('Helper');
  }, 60_000);

  it('bgpd killed and restarted: stale routes kept and forwarded on, refreshed by End-of-RIB, the withheld ones swept; our direction loses 0 pings', async () => {
    const count = Math.ceil(15_000 / INTERVAL_MS);
    f.pinNeighbors(f.a, f.b);
    const echos0 = icmpCounter(f.b, 'IcmpInEchos');
    const stream = pingStream(f.a, f.b, count, INTERVAL_MS);
    try {
      await sleep(2000);
      const before = await f.peer();
      await f.killBgpd();
      const tKill = Date.now();
      await waitFor('our session to drop', async () => (await f.peer())?.state !== 'Established', 10_000, 50);
      // While bgpd is down: every FRR route stays (stale) and the data plane keeps B and C.
      const during = await f.routes();
      const fromFrr = during.filter((r) => r.from === f.frrIp);
      expect(fromFrr.length).toBeGreaterThanOrEqual(3);
      expect(fromFrr.every((r) => r.stale === true)).toBe(true);
      expect(await f.macs()).toContainEqual(expect.objectContaining({ vni: VNI, mac: f.b.mac, type: 'remote' }));
      expect(await f.floodsTo(VNI, f.frrIp)).toBe(true);
      expect(await f.floodsTo(VNI2, f.frrIp)).toBe(true);
      console.log(`[gr helper] FRR kernel fdb of vx${VNI} while bgpd is down:\n${f.frrFdb()}`);
      await sleep(Math.max(0, DOWN_MS - (Date.now() - tKill)));
      const oldRd2 = fromFrr.find((r) => r.type === 3 && r.vni === VNI2)!.rd;
      await f.startBgpd(NEW_RD2);
      await f.waitEstablished(60_000);
      const tUp = Date.now();
      const refreshed = await waitFor("stale paths swept after FRR's End-of-RIB (VNI 200 under its old RD gone, the rest fresh)", async () => {
        const r = (await f.routes()).filter((x) => x.from === f.frrIp);
        return !r.some((x) => x.stale) && !r.some((x) => x.vni === VNI2 && x.rd === oldRd2) && r.some((x) => x.vni === VNI2 && x.rd === NEW_RD2) && r.some((x) => x.mac === f.b.mac) && r.some((x) => x.type === 3 && x.vni === VNI) && r;
      }, 30_000, 100).catch(async (e: unknown) => {
        const rows = (await f.routes()).filter((x) => x.from === f.frrIp).map((x) => `${x.prefix} vni=${String(x.vni)} stale=${String(x.stale ?? false)}`);
        throw new Error(`${String(e)}\nroutes from FRR:\n${rows.join('\n')}\nour log:\n${f.ours.log().split('\n').slice(-30).join('\n')}\nFRR bgpd log:\n${f.frrLog().split('\n').slice(-30).join('\n')}`);
      });
      const tSwept = Date.now();
      const macsAfter = await f.macs();
      expect(macsAfter).toContainEqual(expect.objectContaining({ vni: VNI, mac: f.b.mac, type: 'remote', where: f.frrIp }));
      expect(await f.floodsTo(VNI, f.frrIp)).toBe(true);
      expect(await f.floodsTo(VNI2, f.frrIp)).toBe(true);
      // Exactly FRR's current table: B, and one type-3 per VNI (the VNI 200 one under its new RD).
      expect(refreshed.map((x) => `${x.type}/${String(x.vni)}/${x.rd}/${x.mac ?? ''}`).sort()).toEqual(
        [`2/${VNI}/${refreshed.find((x) => x.mac === f.b.mac)!.rd}/${f.b.mac}`, `3/${VNI}/${refreshed.find((x) => x.type === 3 && x.vni === VNI)!.rd}/`, `3/${VNI2}/${NEW_RD2}/`].sort(),
      );
      const after = await f.peer();
      expect(after!.establishedCount).toBe(before!.establishedCount + 1);
      console.log(`[gr helper] our log:\n${f.ours.log().split('\n').filter((l) => /session established|graceful restart|End-of-RIB/.test(l)).join('\n')}`);
      console.log(`[gr helper] bgpd down → Established again ${tUp - tKill} ms, → stale swept ${tSwept - tKill} ms`);
    } finally {
      const r = await stream.done;
      const reached = icmpCounter(f.b, 'IcmpInEchos') - echos0;
      console.log(`[gr helper] ping stream A → B every ${INTERVAL_MS} ms across the bgpd restart: sent ${r.sent}, reached B ${reached} (lost through our data plane: ${r.sent - reached}), replies back at A ${r.received} (round trip lost: ${r.sent - r.received})`);
      expect(r.sent).toBeGreaterThanOrEqual(count - 5);
      // Our direction: every echo request A sent was encapsulated by our data plane and reached B.
      expect(r.sent - reached, r.out).toBe(0);
    }
  }, 120_000);
});
