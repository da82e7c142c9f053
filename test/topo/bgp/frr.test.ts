import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteRow } from '../../../src/control/protocol';
import { ipNs } from '../../support/netns';
import { FrrInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import {
  expectedRow,
  explainVtep,
  frrCommunities,
  frrRoutes,
  frrVtepKernel,
  frrVtepZebra,
  hostPing,
  L2VNI,
  L3VNI,
  Lab,
  pick,
  RawPeer,
  Vtep,
  vtyshConf,
  type FrrRoute,
} from './support';

/**
 * evpn-vtep (`evpn-vtep bgp --config`, each speaker in its own namespace)
 * against FRR 8.4 (zebra + bgpd) running as a real VTEP in another:
 *  - E: eBGP, AS 65001, holds 3 s; E connects and FRR connects too (a real collision);
 *  - I: iBGP, AS 65010, passive: FRR connects;
 *  - R: a raw BGP peer (AS 65030) behind E, standing in for "routes we originate":
 *    E advertises what R gives it to FRR, which passes it on to I.
 * FRR originates real routes from its kernel bridge + vxlan devices with
 * advertise-all-vni: type 2 (MAC, MAC+IP), type 3 and type 5 (L3VNI in the
 * default VRF). Every field FRR prints must equal what `evpn-vtep show
 * routes --json` prints. Faults: NOTIFICATION received (clear bgp), hold
 * timer expiry (bgpd SIGSTOPped), bgpd and zebra killed and restarted.
 */

const skip = rootSkipReason() ?? (hasCommand('vtysh') && hasCommand('/usr/lib/frr/bgpd') ? null : 'needs FRR (vtysh, bgpd)');
if (skip) console.warn(`[skip] FRR interop: ${skip}`);

const FRR_AS = 65010;
const E_AS = 65001;
const RAW_AS = 65030;
const VTEP_IP = '10.255.0.2';
const RAW_VTEP = '10.255.0.30';
const HOST_MAC = `02:aa:${Math.floor(Math.random() * 256).toString(16).padStart(2, '0')}:00:01:10`;
const T5 = '100.126.5.0/24';

interface Summary {
  peers: Record<string, { state: string; pfxRcd?: number; pfxSnt?: number }>;
}

describe.skipIf(skip !== null)('evpn-vtep with an FRR VTEP', () => {
  let lab: Lab;
  let frr: FrrInstance;
  let e: Vtep;
  let i: Vtep;
  let raw: RawPeer;
  let fvNs: string;
  let hostNs: string;
  /** FRR's address towards E and I, and theirs towards FRR; the raw peer's address towards E. */
  let frrToE: string, eAddr: string, frrToI: string, iAddr: string, rawAddr: string;
  let host: { mac: string; ip: string; svi: string };

  const frrState = (addr: string): string | undefined => frr.vtyshJson<Summary>('show bgp l2vpn evpn summary json').peers?.[addr]?.state;
  const up = (v: Vtep, addr: string): boolean => v.peer(addr)?.state === 'Established';
  const frrDetail = (): FrrRoute[] => frrRoutes(frr.vtyshJson<Record<string, unknown>>('show bgp l2vpn evpn route detail json'));
  const fromFrr = (v: Vtep, peer: string): RouteRow[] => v.routes().filter((r) => r.from === peer);

  beforeAll(async () => {
    lab = new Lab();
    try {
      fvNs = lab.ns('fv');
      hostNs = lab.ns('fh');
      const eNs = lab.ns('e');
      const iNs = lab.ns('i');
      const rNs = lab.ns('r');
      [frrToE, eAddr] = lab.link(fvNs, eNs, 'fe');
      [frrToI, iAddr] = lab.link(fvNs, iNs, 'fi');
      [, rawAddr] = lab.link(eNs, rNs, 'er');
      host = frrVtepKernel(fvNs, hostNs, VTEP_IP, HOST_MAC);
      // FRR resolves the next hop of what E passes on from R through E.
      ipNs(fvNs, ['route', 'add', `${RAW_VTEP}/32`, 'via', eAddr]);
      ipNs(rNs, ['addr', 'add', `${RAW_VTEP}/32`, 'dev', 'lo']);

      raw = new RawPeer(rNs, RAW_AS, RAW_VTEP);
      e = new Vtep(eNs, {
        routerId: '10.255.0.1',
        as: E_AS,
        logLevel: 'debug',
        neighbors: [
          { address: frrToE, remoteAs: FRR_AS, holdTime: 3, keepalive: 1 },
          { address: rawAddr, remoteAs: RAW_AS },
        ],
      });
      i = new Vtep(iNs, { routerId: '10.255.0.3', as: FRR_AS, neighbors: [{ address: frrToI, remoteAs: FRR_AS, passive: true }] });
      frr = new FrrInstance(
        fvNs,
        [
          'hostname frrvtep',
          `router bgp ${FRR_AS}`,
          ` bgp router-id ${VTEP_IP}`,
          ' no bgp default ipv4-unicast',
          ' no bgp ebgp-requires-policy',
          ' no bgp network import-check',
          ` neighbor ${eAddr} remote-as ${E_AS}`,
          ` neighbor ${eAddr} timers connect 1`,
          ` neighbor ${iAddr} remote-as ${FRR_AS}`,
          ` neighbor ${iAddr} timers connect 1`,
          ' address-family ipv4 unicast',
          `  network ${T5}`,
          ' exit-address-family',
          ' address-family l2vpn evpn',
          `  neighbor ${eAddr} activate`,
          `  neighbor ${iAddr} activate`,
          '  advertise-all-vni',
          '  advertise ipv4 unicast',
          ' exit-address-family',
          '',
        ].join('\n'),
        frrVtepZebra('frrvtep'),
      );
      await Promise.all([frr.start(), e.start(), i.start()]);
    } catch (err) {
      await Promise.allSettled([e?.destroy(), i?.destroy()]);
      raw?.kill();
      frr?.destroy();
      lab.destroy();
      throw err;
    }
  }, 90_000);

  afterAll(async () => {
    try {
      raw?.send({ cmd: 'exit' });
      await Promise.allSettled([e?.destroy(), i?.destroy()]);
    } finally {
      raw?.kill();
      frr?.destroy();
      lab?.destroy();
    }
  });

  it('eBGP (we connect) and iBGP (we are passive) come up; FRR sees both Established', async () => {
    await waitFor('our sessions Established', () => up(e, frrToE) && up(i, frrToI), 40_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}\nE:\n${explainVtep(e)}\nI:\n${explainVtep(i)}`);
    });
    await waitFor('FRR sees Established', () => frrState(eAddr) === 'Established' && frrState(iAddr) === 'Established', 15_000);
    const pe = e.peer(frrToE)!;
    expect(pe.families).toEqual(['25/70']);
    expect(pe.holdTime).toBe(3);
    expect(pe.bgpId).toBe(VTEP_IP);
    expect(pe.hostname).toBe('frrvtep');
    expect(pe.ibgp).toBe(false);
    expect(i.peer(frrToI)!.ibgp).toBe(true);
    // FRR sends End-of-RIB for EVPN after its initial table.
    await waitFor('End-of-RIB from FRR', () => e.records().some((r) => r.msg === 'End-of-RIB received' && r.afi === 25 && r.safi === 70), 10_000, 500);
    for (const n of e.notifications('sent')) expect(n).toContain('Connection Collision Resolution');
  }, 70_000);

  it("FRR's own type 2 (MAC, MAC+IP), 3 and 5 routes read back from our show routes field by field, at E (eBGP) and I (iBGP)", async () => {
    hostPing(hostNs, host.svi);
    const want = (r: FrrRoute): boolean =>
      (r.routeType === 2 && r.mac === host.mac) || (r.routeType === 3 && r.ip === VTEP_IP) || (r.routeType === 5 && `${r.ip}/${r.ipLen}` === T5);
    const frrView = await waitFor('FRR originates 4 routes', () => {
      const local = frrDetail().filter((r) => want(r) && r.paths.some((p) => p.peer?.peerId === '0.0.0.0' || p.aspath?.string === 'Local'));
      return local.length === 4 ? local : undefined;
    }, 20_000, 500);
    expect(frrView.filter((r) => r.routeType === 2).map((r) => r.ip ?? 'mac-only').sort()).toEqual([host.ip, 'mac-only'].sort());

    for (const [v, peer, ebgp] of [[e, frrToE, true], [i, frrToI, false]] as const) {
      const rows = await waitFor(`4 FRR routes at ${ebgp ? 'E' : 'I'}`, () => {
        const got = fromFrr(v, peer).filter((r) => frrView.some((f) => f.rd === r.rd && f.prefix === r.prefix));
        return got.length === 4 ? got : undefined;
      }, 20_000, 500);
      for (const f of frrView) {
        const ours = rows.find((r) => r.rd === f.rd && r.prefix === f.prefix)!;
        const exp = expectedRow(f, f.paths[0]!);
        expect({ ...pick(ours, exp), prefix: ours.prefix }, `${f.rd} ${f.prefix}`).toEqual(exp);
        expect(ours.best).toBe(true);
        expect(ours.asPath).toBe(ebgp ? String(FRR_AS) : '');
        if (!ebgp) expect(ours.localPref).toBe(100);
      }
    }
    // The fields that make these real VTEP routes, spelled out.
    const rows = fromFrr(e, frrToE);
    const macIp = rows.find((r) => r.type === 2 && r.ip === host.ip)!;
    expect(macIp).toMatchObject({ mac: host.mac, label1: L2VNI, label2: L3VNI, nextHop: VTEP_IP, encapsulation: [8] });
    expect(macIp.routeTargets.sort()).toEqual([`${FRR_AS}:${L2VNI}`, `${FRR_AS}:${L3VNI}`]);
    expect(macIp.routerMac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const imet = rows.find((r) => r.type === 3)!;
    expect(imet.pmsi).toEqual({ tunnelType: 6, label: L2VNI, tunnelId: VTEP_IP, flags: 0 });
    expect(imet.rd).toBe(`${VTEP_IP}:${macIp.rd.split(':')[1]}`);
    const t5 = rows.find((r) => r.type === 5)!;
    expect(t5).toMatchObject({ ip: T5, vni: L3VNI, gatewayIp: '0.0.0.0', routerMac: macIp.routerMac });
    // --type and --vni filter on the speaker side.
    expect(e.routes({ type: 3 }).every((r) => r.type === 3)).toBe(true);
    expect(e.routes({ vni: L3VNI }).map((r) => r.type)).toEqual([5]);
  }, 90_000);

  it("FRR's withdraws (host gone, network removed) remove the routes from our tables", async () => {
    ipNs(hostNs, ['link', 'del', `h${L2VNI}`]);
    vtyshConf(frr, [`router bgp ${FRR_AS}`, 'address-family ipv4 unicast', `no network ${T5}`]);
    const gone = (v: Vtep, peer: string): boolean => {
      const rows = fromFrr(v, peer);
      return !rows.some((r) => r.mac === host.mac) && !rows.some((r) => r.type === 5) && rows.some((r) => r.type === 3);
    };
    await waitFor('withdrawn at E and I (type 3 stays)', () => gone(e, frrToE) && gone(i, frrToI), 30_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}\nFRR: ${frr.vtysh('show bgp l2vpn evpn')}\nE: ${JSON.stringify(fromFrr(e, frrToE))}`);
    });
  }, 60_000);

  const RAW_ROUTES = [
    { type: 2, rd: `${RAW_VTEP}:7`, mac: '02:55:00:00:00:01', ip: '10.77.0.1', label1: 700 },
    { type: 2, rd: `${RAW_VTEP}:7`, mac: '02:55:00:00:00:02', label1: 700 },
    { type: 3, rd: `${RAW_VTEP}:7`, originatorIp: RAW_VTEP },
  ];
  const RAW_ATTRS = { nextHop: RAW_VTEP, rts: [`${RAW_AS}:700`], encap: 8, routerMac: '02:55:00:00:00:fe', pmsi: { label: 700, tunnelId: RAW_VTEP } };

  it('routes we advertise (learned from R) reach FRR with equal fields and, through FRR, I; the withdraw too', async () => {
    await waitFor('R up', () => raw.up && up(e, rawAddr), 30_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${raw.lines.join('\n')}\n${raw.errors}\nE:\n${explainVtep(e)}`);
    });
    raw.send({ cmd: 'announce', routes: RAW_ROUTES, attrs: RAW_ATTRS });
    const ours = await waitFor('3 routes at E', () => {
      const r = e.routes().filter((x) => x.from === rawAddr);
      return r.length === 3 ? r : undefined;
    }, 15_000, 300);
    const atFrr = await waitFor('routes in FRR', () => {
      const r = frrDetail().filter((x) => x.rd === `${RAW_VTEP}:7`);
      return r.length === 3 ? r : undefined;
    }, 20_000, 500);
    for (const f of atFrr) {
      const p = f.paths[0]!;
      const mine = ours.find((r) => r.prefix === f.prefix)!;
      // FRR's view equals our row (the one we advertised) field by field.
      const exp = expectedRow(f, p);
      expect({ ...pick(mine, exp), prefix: mine.prefix }, f.prefix).toEqual(exp);
      // eBGP: our AS prepended; next hop unchanged (the VTEP's).
      expect(p.aspath?.string).toBe(`${E_AS} ${RAW_AS}`);
      expect(p.nexthops?.[0]?.ip).toBe(RAW_VTEP);
      expect(frrCommunities(p.extendedCommunity?.string)).toMatchObject({ rts: [`${RAW_AS}:700`], encap: [8], rmac: '02:55:00:00:00:fe' });
    }
    expect(frr.vtyshJson<Summary>('show bgp l2vpn evpn summary json').peers[eAddr]!.pfxRcd).toBe(3);
    // FRR passes them to its iBGP peer I: next hop unchanged, AS path 65001 65030, RT, encapsulation and router MAC kept.
    const atI = await waitFor('routes at I', () => {
      const r = i.routes().filter((x) => x.rd === `${RAW_VTEP}:7`);
      return r.length === 3 ? r : undefined;
    }, 20_000, 500);
    for (const r of atI) {
      const mine = ours.find((x) => x.prefix === r.prefix)!;
      expect(r).toMatchObject({ nextHop: RAW_VTEP, asPath: `${E_AS} ${RAW_AS}`, routeTargets: mine.routeTargets, encapsulation: [8], routerMac: '02:55:00:00:00:fe', from: frrToI });
      expect(pick(r, { mac: '', ip: '', label1: 0, esi: '', ethTag: 0, pmsi: mine.pmsi, originatorIp: '' })).toEqual(pick(mine, { mac: '', ip: '', label1: 0, esi: '', ethTag: 0, pmsi: mine.pmsi, originatorIp: '' }));
    }

    raw.send({ cmd: 'withdraw', routes: RAW_ROUTES.slice(0, 1) });
    await waitFor('withdrawn in FRR', () => !frrDetail().some((x) => x.mac === '02:55:00:00:00:01' && x.ip === '10.77.0.1'), 15_000, 300);
    await waitFor('withdrawn at I', () => !i.routes().some((x) => x.ip === '10.77.0.1'), 15_000, 500);
    expect(frrDetail().filter((x) => x.rd === `${RAW_VTEP}:7`)).toHaveLength(2);
  }, 90_000);

  it('NOTIFICATION received (clear bgp): logged with its names, routes flushed, session returns', async () => {
    const before = e.peer(frrToE)!.establishedCount;
    frr.vtysh(`clear bgp ${eAddr}`);
    await waitFor('NOTIFICATION logged', () => e.notifications('received').some((n) => n.includes('Cease/Administrative Reset')), 10_000, 300);
    await waitFor("R's routes gone at I while E is down", () => !i.routes().some((x) => x.rd === `${RAW_VTEP}:7`), 10_000, 300);
    await waitFor('E back', () => (e.peer(frrToE)?.establishedCount ?? 0) > before && up(e, frrToE), 30_000, 500);
    await waitFor("R's routes back at I", () => i.routes().filter((x) => x.rd === `${RAW_VTEP}:7`).length === 2, 20_000, 500);
  }, 70_000);

  it('hold timer expiry when bgpd stops answering (SIGSTOP), then recovery', async () => {
    const pid = Number(readFileSync(path.join(frr.dir, 'bgpd.pid'), 'utf8').trim());
    const before = e.peer(frrToE)!.establishedCount;
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('hold timer expired', () => e.notifications('sent').some((n) => n.includes('Hold Timer Expired')), 12_000, 300);
      expect(up(e, frrToE)).toBe(false);
      expect(fromFrr(e, frrToE)).toEqual([]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('E back', () => up(e, frrToE) && e.peer(frrToE)!.establishedCount > before, 40_000, 500);
    await waitFor("FRR's type 3 back at E", () => fromFrr(e, frrToE).some((r) => r.type === 3), 15_000, 500);
  }, 70_000);

  it('FRR killed: sessions go down, its routes leave our tables; both come back when it restarts', async () => {
    frr.stop();
    await waitFor('down', () => !up(e, frrToE) && !up(i, frrToI), 15_000, 300);
    await waitFor("FRR's routes flushed", () => fromFrr(e, frrToE).length === 0 && fromFrr(i, frrToI).length === 0, 10_000, 300);
    // The speaker keeps serving: R's session is untouched.
    expect(up(e, rawAddr)).toBe(true);
    await frr.start();
    await waitFor('both back', () => up(e, frrToE) && up(i, frrToI), 60_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}\nE:\n${explainVtep(e)}\nI:\n${explainVtep(i)}`);
    });
    await waitFor('FRR sees Established', () => frrState(eAddr) === 'Established' && frrState(iAddr) === 'Established', 15_000, 500);
    await waitFor("FRR's type 3 and R's routes (via FRR) back at I", () => {
      const rows = i.routes();
      return rows.some((r) => r.type === 3 && r.originatorIp === VTEP_IP) && rows.filter((r) => r.rd === `${RAW_VTEP}:7`).length === 2;
    }, 30_000, 500);
  }, 120_000);
});
