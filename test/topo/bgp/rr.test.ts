import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipNs } from '../../support/netns';
import { FrrInstance, GobgpInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { explainVtep, frrRoutes, frrVtepKernel, frrVtepZebra, hostPing, L2VNI, Lab, Vtep, type FrrRoute } from './support';

/**
 * evpn-vtep (`evpn-vtep bgp --config`) as the route reflector (RFC 4456) of
 * AS 65100 between two iBGP clients, each in its own namespace: an FRR VTEP
 * (zebra + bgpd, real type 2/3 routes from its bridge) and gobgpd (routes
 * added with `gobgp global rib add`). Each client learns the other's routes
 * through us with ORIGINATOR_ID = the originating client's BGP Identifier
 * and CLUSTER_LIST = [our cluster ID], as each client prints them.
 */

const skip =
  rootSkipReason() ?? (hasCommand('vtysh') && hasCommand('/usr/lib/frr/bgpd') && hasCommand('gobgpd') ? null : 'needs FRR and gobgpd');
if (skip) console.warn(`[skip] route reflection: ${skip}`);

const AS = 65100;
const CLUSTER = '10.255.2.100';
const FRR_ID = '10.255.2.2';
const GOBGP_ID = '10.255.2.3';
const HOST_MAC = `02:bb:${Math.floor(Math.random() * 256).toString(16).padStart(2, '0')}:00:02:10`;

type GobgpRib = Record<string, { nlri: { type: number; value: Record<string, unknown> }; attrs: { type: number; [k: string]: unknown }[] }[]>;

describe.skipIf(skip !== null)('evpn-vtep as route reflector between FRR and GoBGP', () => {
  let lab: Lab;
  let rr: Vtep;
  let frr: FrrInstance;
  let gobgp: GobgpInstance;
  let hostNs: string;
  let rrToF: string, fAddr: string, rrToG: string, gAddr: string;
  let host: { mac: string; ip: string; svi: string };

  const gobgpRib = (): GobgpRib => JSON.parse(gobgp.gobgp(['global', 'rib', '-a', 'evpn', '-j'])) as GobgpRib;
  const frrDetail = (): FrrRoute[] => frrRoutes(frr.vtyshJson<Record<string, unknown>>('show bgp l2vpn evpn route detail json'));

  beforeAll(async () => {
    lab = new Lab();
    try {
      const rrNs = lab.ns('rr');
      const fNs = lab.ns('f');
      hostNs = lab.ns('fh');
      const gNs = lab.ns('g');
      [rrToF, fAddr] = lab.link(rrNs, fNs, 'rf');
      [rrToG, gAddr] = lab.link(rrNs, gNs, 'rg');
      host = frrVtepKernel(fNs, hostNs, FRR_ID, HOST_MAC);
      // FRR resolves GoBGP's next hop through the reflector's link.
      ipNs(fNs, ['route', 'add', `${gAddr}/32`, 'via', rrToF]);
      rr = new Vtep(rrNs, {
        routerId: '10.255.2.1',
        as: AS,
        clusterId: CLUSTER,
        neighbors: [
          { address: fAddr, remoteAs: AS, routeReflectorClient: true },
          { address: gAddr, remoteAs: AS, routeReflectorClient: true },
        ],
      });
      frr = new FrrInstance(
        fNs,
        [
          'hostname frrclient',
          `router bgp ${AS}`,
          ` bgp router-id ${FRR_ID}`,
          ' no bgp default ipv4-unicast',
          ` neighbor ${rrToF} remote-as ${AS}`,
          ` neighbor ${rrToF} timers connect 1`,
          ' address-family l2vpn evpn',
          `  neighbor ${rrToF} activate`,
          '  advertise-all-vni',
          ' exit-address-family',
          '',
        ].join('\n'),
        frrVtepZebra('frrclient'),
      );
      gobgp = new GobgpInstance(
        gNs,
        [
          '[global.config]',
          `  as = ${AS}`,
          `  router-id = "${GOBGP_ID}"`,
          '  port = 179',
          '[[neighbors]]',
          '  [neighbors.config]',
          `    neighbor-address = "${rrToG}"`,
          `    peer-as = ${AS}`,
          '  [neighbors.timers.config]',
          '    connect-retry = 1',
          '  [[neighbors.afi-safis]]',
          '    [neighbors.afi-safis.config]',
          '      afi-safi-name = "l2vpn-evpn"',
          '',
        ].join('\n'),
      );
      await Promise.all([rr.start(), frr.start(), gobgp.start()]);
    } catch (err) {
      await rr?.destroy();
      frr?.destroy();
      gobgp?.destroy();
      lab.destroy();
      throw err;
    }
  }, 90_000);

  afterAll(async () => {
    try {
      await rr?.destroy();
    } finally {
      frr?.destroy();
      gobgp?.destroy();
      lab?.destroy();
    }
  });

  it('both clients come up as iBGP route-reflector clients', async () => {
    await waitFor('sessions', () => rr.peers().every((p) => p.state === 'Established'), 40_000, 500).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${explainVtep(rr)}`);
    });
    for (const p of rr.peers()) expect(p).toMatchObject({ ibgp: true, routeReflectorClient: true, families: ['25/70'] });
  }, 60_000);

  it("GoBGP learns FRR's real routes with ORIGINATOR_ID = FRR's router ID and CLUSTER_LIST = [our cluster ID]", async () => {
    hostPing(hostNs, host.svi);
    const rows = await waitFor("FRR's MAC, MAC+IP and IMET at the reflector", () => {
      const r = rr.routes().filter((x) => x.from === fAddr);
      return r.filter((x) => x.mac === host.mac).length === 2 && r.some((x) => x.type === 3) ? r : undefined;
    }, 30_000, 500);
    // Received straight from the client: no reflection attributes yet.
    for (const r of rows) expect(r.originatorId === undefined && r.clusterList === undefined).toBe(true);
    const got = await waitFor('reflected to GoBGP', () => {
      const paths = Object.values(gobgpRib()).flat();
      const mine = paths.filter((p) => JSON.stringify(p.nlri).includes(host.mac) || (p.nlri.type === 3 && JSON.stringify(p.nlri).includes(FRR_ID)));
      return mine.length === 3 ? mine : undefined;
    }, 20_000, 500);
    for (const p of got) {
      const byType = new Map(p.attrs.map((a) => [a.type, a]));
      expect(byType.get(9), JSON.stringify(p)).toMatchObject({ value: FRR_ID });
      expect(byType.get(10), JSON.stringify(p)).toMatchObject({ value: [CLUSTER] });
      expect(byType.get(14)).toMatchObject({ nexthop: FRR_ID });
      // iBGP reflection leaves the AS path empty.
      expect(byType.get(2) === undefined || JSON.stringify(byType.get(2)).includes('"as_paths":[]')).toBe(true);
    }
  }, 60_000);

  it("FRR learns GoBGP's routes with originatorId = GoBGP's router ID and clusterList = [our cluster ID]", async () => {
    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'add', 'macadv', '02:bb:00:00:00:33', '10.55.0.33', 'etag', '0', 'label', String(L2VNI), 'rd', `${GOBGP_ID}:9`, 'rt', `${AS}:${L2VNI}`, 'encap', 'vxlan']);
    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'add', 'multicast', GOBGP_ID, 'etag', '0', 'rd', `${GOBGP_ID}:9`, 'rt', `${AS}:${L2VNI}`, 'encap', 'vxlan', 'pmsi', 'ingress-repl', String(L2VNI), GOBGP_ID]);
    const atFrr = await waitFor('reflected to FRR', () => {
      const r = frrDetail().filter((x) => x.rd === `${GOBGP_ID}:9`);
      return r.length === 2 ? r : undefined;
    }, 30_000, 500).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${frr.vtysh('show bgp l2vpn evpn')}\n${explainVtep(rr)}`);
    });
    for (const f of atFrr) {
      const p = f.paths[0]! as unknown as { originatorId?: string; clusterList?: { list: string[] }; nexthops?: { ip: string }[] };
      expect(p.originatorId, JSON.stringify(p)).toBe(GOBGP_ID);
      expect(p.clusterList?.list, JSON.stringify(p)).toEqual([CLUSTER]);
      expect(p.nexthops?.[0]?.ip).toBe(gAddr);
    }
    // Our table holds them from GoBGP, unchanged.
    const ours = rr.routes().filter((x) => x.from === gAddr);
    expect(ours.map((x) => x.prefix).sort()).toEqual(atFrr.map((f) => f.prefix).sort());
    // Withdraw through the reflector.
    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'del', 'macadv', '02:bb:00:00:00:33', '10.55.0.33', 'etag', '0', 'label', String(L2VNI), 'rd', `${GOBGP_ID}:9`]);
    await waitFor('withdrawn at FRR', () => frrDetail().filter((x) => x.rd === `${GOBGP_ID}:9`).length === 1, 20_000, 500);
  }, 60_000);
});
