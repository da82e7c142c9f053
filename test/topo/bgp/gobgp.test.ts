import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteRow } from '../../../src/control/protocol';
import { GobgpInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { explainVtep, Lab, RawPeer, Vtep } from './support';

/**
 * evpn-vtep (`evpn-vtep bgp --config`, each speaker in its own namespace)
 * against gobgpd 3.10 in another:
 *  - P: eBGP, AS 65001, passive: GoBGP connects;
 *  - A: iBGP, AS 65020, A connects (GoBGP connects too);
 *  - R: a raw BGP peer (AS 65030) behind P, standing in for "routes we originate".
 * Routes added with `gobgp global rib -a evpn add macadv|multicast|prefix ...`
 * must read back from `evpn-vtep show routes --json` field by field; ours
 * must read back from `gobgp global rib -a evpn -j`.
 */

const skip = rootSkipReason() ?? (hasCommand('gobgpd') && hasCommand('gobgp') ? null : 'needs gobgpd and gobgp');
if (skip) console.warn(`[skip] GoBGP interop: ${skip}`);

const GOBGP_AS = 65020;
const P_AS = 65001;
const RAW_AS = 65030;
const RAW_VTEP = '10.255.1.30';

interface GobgpNeighbor {
  conf: { neighbor_address: string; peer_asn: number };
  state: { session_state: number | string };
}

/** `gobgp global rib -a evpn -j`: destinations keyed by prefix text, each a list of paths. */
type GobgpRib = Record<string, { nlri: Record<string, unknown>; attrs: Record<string, unknown>[]; 'source-id'?: string; neighbor?: string }[]>;

describe.skipIf(skip !== null)('evpn-vtep with GoBGP', () => {
  let lab: Lab;
  let gobgp: GobgpInstance;
  let p: Vtep;
  let a: Vtep;
  let raw: RawPeer;
  let gToP: string, pAddr: string, gToA: string, aAddr: string, rawAddr: string;

  const up = (v: Vtep, addr: string): boolean => v.peer(addr)?.state === 'Established';
  const neighborStates = (): Map<string, string> => {
    const list = JSON.parse(gobgp.gobgp(['neighbor', '-j'])) as GobgpNeighbor[];
    return new Map(list.map((n) => [n.conf.neighbor_address, String(n.state.session_state)]));
  };
  // GoBGP's JSON gives the FSM state as a number (6 = established) or a name, by version.
  const established = (v: string | undefined): boolean => v === '6' || v === 'established' || v === 'ESTABLISHED';
  const gobgpRib = (): GobgpRib => JSON.parse(gobgp.gobgp(['global', 'rib', '-a', 'evpn', '-j'])) as GobgpRib;
  const fromGobgp = (v: Vtep, addr: string): RouteRow[] => v.routes().filter((r) => r.from === addr);

  beforeAll(async () => {
    lab = new Lab();
    try {
      const gNs = lab.ns('g');
      const pNs = lab.ns('p');
      const aNs = lab.ns('a');
      const rNs = lab.ns('r');
      [gToP, pAddr] = lab.link(gNs, pNs, 'gp');
      [gToA, aAddr] = lab.link(gNs, aNs, 'ga');
      [, rawAddr] = lab.link(pNs, rNs, 'pr');
      raw = new RawPeer(rNs, RAW_AS, RAW_VTEP);
      p = new Vtep(pNs, {
        routerId: '10.255.1.1',
        as: P_AS,
        neighbors: [
          { address: gToP, remoteAs: GOBGP_AS, passive: true },
          { address: rawAddr, remoteAs: RAW_AS },
        ],
      });
      a = new Vtep(aNs, { routerId: '10.255.1.3', as: GOBGP_AS, neighbors: [{ address: gToA, remoteAs: GOBGP_AS }] });
      const nb = (addr: string, local: string, as: number): string =>
        [
          '[[neighbors]]',
          '  [neighbors.config]',
          `    neighbor-address = "${addr}"`,
          `    peer-as = ${as}`,
          '  [neighbors.transport.config]',
          `    local-address = "${local}"`,
          '  [neighbors.timers.config]',
          '    connect-retry = 1',
          '    idle-hold-time-after-reset = 1',
          '  [[neighbors.afi-safis]]',
          '    [neighbors.afi-safis.config]',
          '      afi-safi-name = "l2vpn-evpn"',
        ].join('\n');
      gobgp = new GobgpInstance(
        gNs,
        ['[global.config]', `  as = ${GOBGP_AS}`, '  router-id = "10.255.1.2"', '  port = 179', '', nb(pAddr, gToP, P_AS), '', nb(aAddr, gToA, GOBGP_AS), ''].join('\n'),
      );
      await Promise.all([gobgp.start(), p.start(), a.start()]);
    } catch (err) {
      await Promise.allSettled([p?.destroy(), a?.destroy()]);
      raw?.kill();
      gobgp?.destroy();
      lab.destroy();
      throw err;
    }
  }, 90_000);

  afterAll(async () => {
    try {
      await Promise.allSettled([p?.destroy(), a?.destroy()]);
    } finally {
      raw?.kill();
      gobgp?.destroy();
      lab?.destroy();
    }
  });

  it('eBGP (we are passive) and iBGP (we connect) come up; gobgp neighbor -j says established', async () => {
    await waitFor('our sessions Established', () => up(p, gToP) && up(a, gToA), 40_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}\nP:\n${explainVtep(p)}\nA:\n${explainVtep(a)}`);
    });
    await waitFor('GoBGP sees both established', () => {
      const st = neighborStates();
      return established(st.get(pAddr)) && established(st.get(aAddr));
    }, 15_000);
    const pp = p.peer(gToP)!;
    expect(pp.families).toEqual(['25/70']);
    expect(pp.bgpId).toBe('10.255.1.2');
    expect(pp.ibgp).toBe(false);
    expect(a.peer(gToA)!.ibgp).toBe(true);
  }, 60_000);

  it('macadv (with router-mac), multicast and prefix routes added in GoBGP read back from our show routes; deleting them withdraws', async () => {
    const add = [
      ['macadv', '02:66:00:00:00:01', '10.88.0.1', 'etag', '0', 'label', '100', 'rd', '65020:100', 'rt', '65020:100', 'encap', 'vxlan', 'router-mac', '02:66:00:00:00:fe'],
      ['multicast', '10.255.1.2', 'etag', '0', 'rd', '65020:100', 'rt', '65020:100', 'encap', 'vxlan', 'pmsi', 'ingress-repl', '100', '10.255.1.2'],
      ['prefix', '10.99.0.0/16', 'gw', '0.0.0.0', 'etag', '0', 'label', '5000', 'rd', '65020:5000', 'rt', '65020:5000', 'encap', 'vxlan', 'router-mac', '02:66:00:00:00:fe'],
    ];
    for (const c of add) gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'add', ...c]);
    for (const [v, addr, ebgp] of [[p, gToP, true], [a, gToA, false]] as const) {
      const rows = await waitFor(`3 routes at ${ebgp ? 'P' : 'A'}`, () => {
        const r = fromGobgp(v, addr).filter((x) => x.rd.startsWith('65020:'));
        return r.length === 3 ? r : undefined;
      }, 20_000, 500);
      const mac = rows.find((r) => r.type === 2)!;
      expect(mac).toMatchObject({
        rd: '65020:100',
        prefix: '[2]:[0]:[48]:[02:66:00:00:00:01]:[32]:[10.88.0.1]',
        mac: '02:66:00:00:00:01',
        ip: '10.88.0.1',
        esi: '00:00:00:00:00:00:00:00:00:00',
        ethTag: 0,
        label1: 100,
        vni: 100,
        nextHop: addr,
        routeTargets: ['65020:100'],
        encapsulation: [8],
        routerMac: '02:66:00:00:00:fe',
        asPath: ebgp ? String(GOBGP_AS) : '',
        best: true,
      });
      expect(mac.label2).toBeUndefined();
      // GoBGP 3.10's CLI has no MAC mobility option: no community, no sequence (R's test below carries one).
      expect(mac.mobilitySeq).toBeUndefined();
      expect(rows.find((r) => r.type === 3)).toMatchObject({
        rd: '65020:100',
        prefix: '[3]:[0]:[32]:[10.255.1.2]',
        originatorIp: '10.255.1.2',
        ethTag: 0,
        vni: 100,
        pmsi: { tunnelType: 6, label: 100, tunnelId: '10.255.1.2', flags: 0 },
        routeTargets: ['65020:100'],
        encapsulation: [8],
        nextHop: addr,
      });
      expect(rows.find((r) => r.type === 5)).toMatchObject({
        rd: '65020:5000',
        prefix: '[5]:[0]:[16]:[10.99.0.0]',
        ip: '10.99.0.0/16',
        gatewayIp: '0.0.0.0',
        vni: 5000,
        routeTargets: ['65020:5000'],
        encapsulation: [8],
        routerMac: '02:66:00:00:00:fe',
        nextHop: addr,
      });
      if (!ebgp) expect(mac.localPref).toBe(100);
    }
    // GoBGP's own view of the same three routes agrees with ours on the keys.
    const keys = Object.keys(gobgpRib()).join(' ');
    for (const k of ['02:66:00:00:00:01', '10.88.0.1', '10.99.0.0', '10.255.1.2']) expect(keys).toContain(k);

    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'del', 'macadv', '02:66:00:00:00:01', '10.88.0.1', 'etag', '0', 'label', '100', 'rd', '65020:100']);
    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'del', 'prefix', '10.99.0.0/16', 'etag', '0', 'rd', '65020:5000']);
    await waitFor('withdrawn from P and A (type 3 stays)', () => [[p, gToP], [a, gToA]].every(([v, addr]) => {
      const r = fromGobgp(v as Vtep, addr as string);
      return !r.some((x) => x.type === 2 || x.type === 5) && r.some((x) => x.type === 3);
    }), 20_000, 500);
  }, 90_000);

  it('routes we advertise (learned from R) appear in gobgp global rib -j with equal fields, and through GoBGP at A; withdrawing removes them', async () => {
    await waitFor('R up', () => raw.up && up(p, rawAddr), 30_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${raw.lines.join('\n')}\n${raw.errors}\nP:\n${explainVtep(p)}`);
    });
    const routes = [
      { type: 2, rd: `${RAW_VTEP}:5`, mac: '02:66:00:00:00:02', ip: '10.88.0.2', label1: 200 },
      { type: 5, rd: `${RAW_VTEP}:6`, prefix: '10.98.0.0/24', label: 6000 },
    ];
    raw.send({ cmd: 'announce', routes, attrs: { nextHop: RAW_VTEP, rts: [`${P_AS}:200`], encap: 8, routerMac: '02:66:00:00:00:ee', mobility: 1 } });
    const ours = await waitFor('2 routes at P', () => {
      const r = p.routes().filter((x) => x.from === rawAddr);
      return r.length === 2 ? r : undefined;
    }, 15_000, 300);
    const rib = await waitFor('routes in GoBGP', () => {
      const r = gobgpRib();
      const keys = Object.keys(r).filter((k) => k.includes('02:66:00:00:00:02') || k.includes('10.98.0.0'));
      return keys.length === 2 ? keys.map((k) => r[k]![0]!) : undefined;
    }, 20_000, 300);
    // GoBGP's JSON, field by field, against our rows of the routes we advertised.
    const ours2 = ours.find((r) => r.type === 2)!;
    const ours5 = ours.find((r) => r.type === 5)!;
    const mac = rib.find((x) => (x.nlri as { type: number }).type === 2)!;
    const pfx = rib.find((x) => (x.nlri as { type: number }).type === 5)!;
    const [rdAdmin, rdNum] = ours2.rd.split(':');
    expect(mac.nlri).toEqual({
      type: 2,
      value: { rd: { type: 1, admin: rdAdmin, assigned: Number(rdNum) }, esi: 'single-homed', etag: ours2.ethTag, mac: ours2.mac, ip: ours2.ip, labels: [ours2.label1] },
    });
    const [rd5Admin, rd5Num] = ours5.rd.split(':');
    expect(pfx.nlri).toEqual({
      type: 5,
      value: { rd: { type: 1, admin: rd5Admin, assigned: Number(rd5Num) }, esi: 'single-homed', etag: ours5.ethTag, prefix: ours5.ip, gateway: ours5.gatewayIp, label: ours5.vni },
    });
    for (const path of [mac, pfx]) {
      const byType = new Map(path.attrs.map((x) => [x.type as number, x]));
      expect(byType.get(2)).toEqual({ type: 2, as_paths: [{ segment_type: 2, num: 2, asns: [P_AS, RAW_AS] }] });
      expect(byType.get(14)).toMatchObject({ nexthop: ours2.nextHop, afi: 25, safi: 70 });
      expect(byType.get(16)).toEqual({
        type: 16,
        value: [
          { type: 0, subtype: 2, value: ours2.routeTargets[0] },
          { type: 3, subtype: 12, tunnel_type: ours2.encapsulation![0] },
          { type: 6, subtype: 3, mac: ours2.routerMac },
          { type: 6, subtype: 0, sequence: ours2.mobilitySeq, is_sticky: false },
        ],
      });
    }
    expect(ours2).toMatchObject({ nextHop: RAW_VTEP, routeTargets: [`${P_AS}:200`], encapsulation: [8], routerMac: '02:66:00:00:00:ee', mobilitySeq: 1 });
    // GoBGP passes them to its iBGP peer, our speaker A.
    await waitFor('routes at A through GoBGP', () => fromGobgp(a, gToA).filter((r) => r.rd.startsWith(RAW_VTEP)).length === 2, 20_000, 500);
    const atA = fromGobgp(a, gToA).find((r) => r.type === 2)!;
    expect(atA).toMatchObject({ mac: ours2.mac, ip: ours2.ip, label1: 200, nextHop: RAW_VTEP, routeTargets: [`${P_AS}:200`], routerMac: '02:66:00:00:00:ee', mobilitySeq: 1, asPath: `${P_AS} ${RAW_AS}` });
    raw.send({ cmd: 'withdraw', routes });
    await waitFor('gone from GoBGP', () => !JSON.stringify(gobgpRib()).includes('02:66:00:00:00:02'), 15_000, 300);
    await waitFor('gone at A', () => !fromGobgp(a, gToA).some((r) => r.rd.startsWith(RAW_VTEP)), 15_000, 500);
  }, 90_000);

  it('GoBGP resets the session (neighbor reset): NOTIFICATION received and the session returns', async () => {
    await waitFor('A Established', () => up(a, gToA) && established(neighborStates().get(aAddr)), 20_000, 500);
    const before = a.peer(gToA)!.establishedCount;
    gobgp.gobgp(['neighbor', aAddr, 'reset']);
    try {
      await waitFor('NOTIFICATION logged', () => a.notifications('received').some((n) => n.startsWith('NOTIFICATION received: Cease')), 10_000, 300);
      // GoBGP keeps a reset neighbor Idle for its idle-hold-time-after-reset (30 s by default in 3.10, whatever the config says).
      await waitFor('A back', () => up(a, gToA) && a.peer(gToA)!.establishedCount > before, 50_000, 1000);
      await waitFor("GoBGP's type 3 back at A", () => fromGobgp(a, gToA).some((r) => r.type === 3), 15_000, 500);
    } catch (err) {
      throw new Error(`${String(err)}\nA:\n${explainVtep(a)}\nGoBGP:\n${gobgp.gobgp(['neighbor'])}`);
    }
  }, 90_000);
});
