import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VNIS } from '../../../src/lab/plan';
import { buildLab, canRun, garp, leftovers, ping, until, type TestLab } from './support';

/**
 * Restart of a leaf (issue 5, test 5): leaf1 (evpn-vtep) stops answering —
 * first hung (SIGSTOP: its TCP sessions stay open, so only the BGP hold
 * time, 3 s here, can tell), then killed — and its routes are withdrawn at
 * leaf2 (evpn-vtep) and leaf3 (FRR). Started again, it rejoins the flood
 * trees, relearns its hosts, re-advertises them, and hosts ping again.
 */

const ok = canRun('leaf restart (evpn-vtep + FRR)', { frr: true });
const HOLD = 3;
const LEAF1 = '10.255.0.1';

describe.skipIf(!ok)('restart of an evpn-vtep leaf', () => {
  let t: TestLab;

  /** Does `leaf` still hold anything from leaf1 (a MAC or a flood-list entry)? */
  const knowsLeaf1 = async (leaf: number): Promise<{ macs: number; flood: boolean }> => {
    const macs = (await t.lab.macs(leaf)).filter((m) => m.type === 'remote' && m.vtep === LEAF1).length;
    const vteps = await t.lab.remoteVteps(leaf);
    return { macs, flood: VNIS.some((v) => (vteps.get(v) ?? []).includes(LEAF1)) };
  };

  beforeAll(async () => {
    t = await buildLab({ leaves: 3, frrLeaves: [3], timers: { holdTime: HOLD } });
    const { lab } = t;
    for (const h of lab.plan.hosts) garp(lab, h);
    await until('leaf2 and leaf3 to know leaf1 and its hosts', async () => {
      for (const leaf of [2, 3]) {
        const k = await knowsLeaf1(leaf);
        if (k.macs < VNIS.length || !k.flood) return false;
      }
      return true;
    }, 30_000);
  }, 120_000);

  afterAll(() => {
    const id = t?.lab.plan.id;
    t?.destroy();
    if (id) expect(leftovers(id)).toEqual([]);
  });

  it(`a hung leaf's routes are withdrawn at the others once its hold time (${HOLD} s) expires`, async () => {
    const { lab } = t;
    const t0 = Date.now();
    lab.signal('leaf1', 'SIGSTOP');
    await until('leaf2 (evpn-vtep) and leaf3 (FRR) to forget leaf1', async () => {
      for (const leaf of [2, 3]) {
        const k = await knowsLeaf1(leaf);
        if (k.macs > 0 || k.flood) return false;
      }
      return true;
    }, 20_000, 100);
    const took = Date.now() - t0;
    // Not before the hold time (the sessions were up and silent; the last KEEPALIVE, every
    // hold/3 = 1 s, may have arrived up to 1 s before the stop), and not long after it.
    expect(took).toBeGreaterThanOrEqual((HOLD - 1) * 1000);
    expect(took).toBeLessThan(HOLD * 1000 + 8000);
    // Nothing from leaf1 in leaf2's RIB either.
    expect((await lab.routes(2)).filter((r) => r.nextHop === LEAF1)).toEqual([]);
  }, 30_000);

  it('killed and started again, it rejoins, re-advertises its hosts, and they ping again', async () => {
    const { lab } = t;
    await lab.stopDaemon('leaf1', 'SIGKILL');
    lab.startLeaf(1);
    await until('leaf1 to be Established with the spine again', async () => (await lab.spineSessions()) === 3, 30_000, 200);
    // Type 3 first (no host needed), then the hosts as soon as they send anything.
    await until('leaf2 and leaf3 to flood to leaf1 again', async () => (await knowsLeaf1(2)).flood && (await knowsLeaf1(3)).flood, 20_000);
    for (const v of VNIS) garp(lab, lab.host(1, v));
    await until('leaf1\'s hosts back at leaf2 and leaf3', async () => (await knowsLeaf1(2)).macs >= VNIS.length && (await knowsLeaf1(3)).macs >= VNIS.length, 20_000);
    for (const v of VNIS) {
      for (const other of [2, 3]) {
        const r = ping(lab, lab.host(other, v), lab.host(1, v));
        expect(r.ok, `${lab.host(other, v).ip} → ${lab.host(1, v).ip}\n${r.out}`).toBe(true);
        const back = ping(lab, lab.host(1, v), lab.host(other, v));
        expect(back.ok, `${lab.host(1, v).ip} → ${lab.host(other, v).ip}\n${back.out}`).toBe(true);
      }
    }
    // The restarted leaf learned the others' hosts from BGP again.
    const macs = await lab.macs(1);
    for (const v of VNIS) for (const other of [2, 3]) expect(macs).toContainEqual(expect.objectContaining({ vni: v, mac: lab.host(other, v).mac, type: 'remote', vtep: `10.255.0.${other}` }));
  }, 90_000);
});
