import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VNIS } from '../../../src/lab/plan';
import { buildLab, canRun, garp, leftovers, ping, showCli, until, type TestLab } from './support';

/**
 * Mixed fabric (issue 5, test 2): leaf1 runs evpn-vtep (`run`, native data
 * plane), leaf2 runs FRR (zebra + bgpd, Linux bridge + kernel vxlan
 * `dstport 4789 nolearning`, advertise-all-vni), both iBGP clients of an
 * evpn-vtep `bgp` route reflector. Hosts in VNIs 100 and 200 behind each.
 */

const ok = canRun('mixed fabric (evpn-vtep + FRR)', { frr: true });

interface FrrMac {
  type: string;
  remoteVtep?: string;
}
type FrrMacs = Record<string, { macs?: Record<string, FrrMac> }>;
type FrrVnis = Record<string, { remoteVteps?: string[] | { ip: string }[] }>;
type Row = Record<string, string | number | boolean | null>;

describe.skipIf(!ok)('mixed fabric: evpn-vtep leaf + FRR leaf through an evpn-vtep route reflector', () => {
  let t: TestLab;
  const OURS = '10.255.0.1';
  const FRR = '10.255.0.2';

  beforeAll(async () => {
    t = await buildLab({ leaves: 2, frrLeaves: [2] });
  }, 90_000);

  afterAll(() => {
    const id = t?.lab.plan.id;
    t?.destroy();
    if (id) expect(leftovers(id)).toEqual([]);
  });

  it('discovers each other by type-3 routes (FRR show evpn vni; our show vteps)', async () => {
    const { lab } = t;
    const frrVnis = await until('FRR to list our VTEP in both VNIs', () => {
      const j = lab.frr('leaf2').vtyshJson<FrrVnis>('show evpn vni json');
      return VNIS.every((v) => JSON.stringify(j[String(v)]?.remoteVteps ?? []).includes(`"${OURS}"`)) && j;
    }, 30_000);
    for (const v of VNIS) expect(JSON.stringify(frrVnis[String(v)]!.remoteVteps)).toContain(OURS);
    await until('our leaf to flood to FRR in both VNIs', async () => {
      const m = await lab.remoteVteps(1);
      return VNIS.every((v) => m.get(v)?.includes(FRR));
    }, 30_000);
    const vteps = showCli<Row[]>(lab.leaf(1).socket, ['vteps']);
    for (const v of VNIS) expect(vteps).toContainEqual(expect.objectContaining({ vni: v, vtep: FRR, flood: true }));
  }, 60_000);

  it('hosts ping across both ways in both VNIs', async () => {
    const { lab } = t;
    for (const h of lab.plan.hosts) garp(lab, h);
    for (const v of VNIS) {
      const [a, b] = [lab.host(1, v), lab.host(2, v)];
      const there = ping(lab, a, b);
      expect(there.ok, `${a.ip} → ${b.ip}\n${there.out}`).toBe(true);
      const back = ping(lab, b, a);
      expect(back.ok, `${b.ip} → ${a.ip}\n${back.out}`).toBe(true);
    }
  }, 60_000);

  it("FRR lists our hosts' MACs as remote at our VTEP IP", async () => {
    const { lab } = t;
    const ours = VNIS.map((v) => lab.host(1, v));
    const j = await until('FRR to install our MACs', () => {
      const m = lab.frr('leaf2').vtyshJson<FrrMacs>('show evpn mac vni all json');
      return ours.every((h) => m[String(h.vni)]?.macs?.[h.mac]?.type === 'remote') && m;
    }, 20_000);
    for (const h of ours) expect(j[String(h.vni)]!.macs![h.mac]).toMatchObject({ type: 'remote', remoteVtep: OURS });
    // And FRR's own hosts are local there.
    for (const v of VNIS) expect(j[String(v)]!.macs![lab.host(2, v).mac]).toMatchObject({ type: 'local' });
  }, 30_000);

  it("our show macs --json lists FRR's hosts as remote at FRR's VTEP IP, learned from BGP only", async () => {
    const { lab } = t;
    const frrHosts = VNIS.map((v) => lab.host(2, v));
    await until('our leaf to install FRR hosts', async () => {
      const m = await lab.macs(1);
      return frrHosts.every((h) => m.some((r) => r.mac === h.mac && r.vni === h.vni && r.type === 'remote'));
    }, 20_000);
    const macs = showCli<Row[]>(lab.leaf(1).socket, ['macs']);
    for (const h of frrHosts) expect(macs).toContainEqual(expect.objectContaining({ vni: h.vni, mac: h.mac, type: 'remote', where: FRR }));
    for (const v of VNIS) expect(macs).toContainEqual(expect.objectContaining({ vni: v, mac: lab.host(1, v).mac, type: 'local' }));
    // Every remote MAC has a BGP route behind it (nothing learned from the data plane for remote hosts).
    const routes = await lab.routes(1, { type: 2 });
    for (const m of macs.filter((r) => r.type === 'remote')) {
      expect(routes.some((r) => r.mac === m.mac && r.nextHop === m.where && r.from !== 'local'), `route for ${String(m.mac)}`).toBe(true);
    }
    // FRR advertised them with its auto RD (router-id:index) and AS:VNI route target, as we derive ours.
    const fromFrr = routes.filter((r) => r.nextHop === FRR && frrHosts.some((h) => h.mac === r.mac));
    for (const r of fromFrr) {
      expect(r.rd).toMatch(/^10\.255\.0\.2:\d+$/);
      expect(r.routeTargets).toContain(`65000:${r.label1 ?? r.vni}`);
      expect(r.encapsulation).toContain(8);
    }
  }, 60_000);
});
