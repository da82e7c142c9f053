import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipPrefixRoute } from '../../../src/bgp/wire/evpn/builders';
import { routeTarget } from '../../../src/bgp/wire/ext-community';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { buildUpdate, encodeToBytes, type Update } from '../../../src/bgp/wire/update';
import { FrrInstance } from '../../support/peers';
import { ipNs, Topology } from '../../support/netns';
import { RawPeer, type RawConn } from '../../support/raw-peer';
import { hasCommand, rootSkipReason } from '../../support/root';
import { frrCommunities, frrRoutes, type FrrRoute } from '../bgp/support';
import { sh, until, veth, VtepRun } from './support';

/**
 * Symmetric IRB between an evpn-vtep VTEP and an FRR VTEP (issue 6), each in
 * its own namespace, iBGP between them:
 *
 *   h1 10.100.0.11 (VNI 100) ─┐                      ┌─ h2 10.200.0.22 (VNI 200)
 *   h3 10.30.0.13  (VNI 300) ─┤ evpn-vtep ══ FRR 8.4 ┤  lo 203.0.113.1/32 (type 5), 198.18.0.1 (default route only)
 *                              10.91.0.1    10.91.0.2
 *   raw BGP peer 10.92.0.2 ── evpn-vtep (sends a malformed type-5 route)
 *
 * Tenant "red", L3VNI 1000, auto RT 65100:1000 on both sides. FRR binds the
 * L3VNI to its default VRF (zebra `vrf default` / `vni 1000`; no VRF devices
 * in this kernel), `advertise ipv4 unicast` and `network` statements for its
 * type-5 prefixes. Checked through FRR's JSON and our `show ... --json`:
 * our type-5 and L3-enriched type-2 routes as FRR sees them; FRR's type-5
 * prefixes and host routes in our tenant table; a type-5 route with prefix
 * length 33 rejected (RFC 7606 treat-as-withdraw) without harm to the
 * tenant, the raw peer's other routes or either session. Then the data
 * plane: pings both ways between h1 (behind us) and h2 (behind FRR, another
 * subnet), routed by our fast path on one side and FRR's kernel on the
 * other over the L3VNI; FRR's type-5 loopback and an address only its
 * default route covers are reachable from h1.
 */

const skip = rootSkipReason() ?? (hasCommand('vtysh') && hasCommand('/usr/lib/frr/bgpd') ? null : 'needs FRR (vtysh, bgpd)') ?? (hasCommand('arping') ? null : 'needs arping');
if (skip) console.warn(`[skip] L3 symmetric IRB with FRR: ${skip}`);

const AS = 65100;
const OURS = '10.91.0.1';
const FRR = '10.91.0.2';
const RAW_LOCAL = '10.92.0.1';
const RAW = '10.92.0.2';
const OUR_RMAC = '02:aa:00:00:10:00';
const FRR_RMAC = '02:bb:00:00:10:00';
const GW_MAC = '00:00:5e:00:01:01';
/** Fresh host MACs per run: FRR remembers moves (REAL-PEERS.md). */
const salt = (Math.floor(Math.random() * 200) + 16).toString(16);
const H1 = { ip: '10.100.0.11', mac: `02:c1:${salt}:00:00:11` };
const H2 = { ip: '10.200.0.22', mac: `02:c2:${salt}:00:00:22` };
const H3 = { ip: '10.30.0.13', mac: `02:c3:${salt}:00:00:13` };

type Row = Record<string, string | number | boolean | null>;

function bgpdConf(): string {
  return `hostname frr-l3
log file bgpd.log
router bgp ${AS}
 bgp router-id ${FRR}
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor ${OURS} remote-as ${AS}
 neighbor ${OURS} timers connect 1
 address-family ipv4 unicast
  network 10.200.0.0/24
  network 203.0.113.1/32
  network 0.0.0.0/0
 exit-address-family
 address-family l2vpn evpn
  neighbor ${OURS} activate
  advertise-all-vni
  advertise ipv4 unicast
 exit-address-family
`;
}

const ZEBRA = `hostname frr-l3
vrf default
 vni 1000
exit-vrf
`;

function ourConfig(uplink: string, p1: string, p3: string): string {
  return `router-id: ${OURS}
as: ${AS}
underlay: { address: ${OURS}, interface: ${uplink} }
control-socket: "@SOCKET@"
neighbors:
  - { address: ${FRR}, remote-as: ${AS} }
  - { address: ${RAW}, remote-as: ${AS}, passive: true, address-families: [l2vpn-evpn, ipv4-unicast] }
l2vnis:
  - { vni: 100, interface: ${p1}, vrf: red, gateway: { ip: 10.100.0.1/24, mac: "${GW_MAC}" } }
  - { vni: 300, interface: ${p3}, vrf: red, gateway: { ip: 10.30.0.1/24, mac: "${GW_MAC}" } }
vrfs:
  - { name: red, l3vni: 1000, router-mac: "${OUR_RMAC}", prefixes: [198.51.100.0/24] }
`;
}

/** A type-5 UPDATE from the raw peer; `badLength` rewrites the prefix length octet on the wire. */
function rawType5(prefix: string, badLength?: number): Uint8Array {
  const u: Update = buildUpdate({
    attributes: [
      { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: [RAW], reserved: 0, nlri: { kind: 'evpn', routes: [{ route: ipPrefixRoute({ rd: `${RAW}:9`, prefix, label: 1000 }) }] } },
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: [] },
      { type: AttrType.LOCAL_PREF, localPref: 100 },
      { type: AttrType.EXTENDED_COMMUNITIES, communities: [{ kind: 'encapsulation', tunnelType: 8 }, routeTarget('65100:1000'), { kind: 'router-mac', mac: '02:dd:00:00:10:00' }] },
    ],
  });
  const b = encodeToBytes(u, { fourOctetAs: true, extendedMessage: false, addPathRx: new Set() });
  if (badLength !== undefined) {
    const [a, c, d, e] = prefix.split('/')[0]!.split('.').map(Number) as [number, number, number, number];
    const at = Buffer.from(b).indexOf(Buffer.from([a, c, d, e]));
    b[at - 1] = badLength;
  }
  return b;
}

describe.skipIf(skip !== null)('symmetric IRB: evpn-vtep VTEP and FRR VTEP, L3VNI 1000', () => {
  const topo = new Topology('ir');
  let frr: FrrInstance;
  let vtep: VtepRun;
  let raw: RawPeer;
  let conn: RawConn;
  const ns = { v: '', f: '', r: '', h1: '', h2: '', h3: '' };

  beforeAll(async () => {
    for (const k of Object.keys(ns) as (keyof typeof ns)[]) ns[k] = topo.addNs(k);
    for (const n of Object.values(ns)) for (const k of ['all', 'default']) sh(n, ['sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    const n = (role: string): string => topo.name(role);
    // Underlay and the raw peer's link.
    veth({ ns: ns.v, name: n('u') }, { ns: ns.f, name: n('U') });
    ipNs(ns.v, ['addr', 'add', `${OURS}/24`, 'dev', n('u')]);
    ipNs(ns.f, ['addr', 'add', `${FRR}/24`, 'dev', n('U')]);
    veth({ ns: ns.v, name: n('w') }, { ns: ns.r, name: n('W') });
    ipNs(ns.v, ['addr', 'add', `${RAW_LOCAL}/30`, 'dev', n('w')]);
    ipNs(ns.r, ['addr', 'add', `${RAW}/30`, 'dev', n('W')]);
    // Our access ports and hosts.
    const host = (hns: string, peerName: string, peerNs: string, h: { ip: string; mac: string }, prefixLength: number, gw: string): void => {
      veth({ ns: hns, name: 'eth0' }, { ns: peerNs, name: peerName });
      for (const [k, v] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2']]) sh(hns, ['sysctl', '-qw', `${k}=${v}`]);
      ipNs(hns, ['link', 'set', 'eth0', 'address', h.mac]);
      ipNs(hns, ['addr', 'add', `${h.ip}/${prefixLength}`, 'dev', 'eth0']);
      ipNs(hns, ['route', 'add', 'default', 'via', gw]);
    };
    host(ns.h1, n('p1'), ns.v, H1, 24, '10.100.0.1');
    host(ns.h3, n('p3'), ns.v, H3, 24, '10.30.0.1');
    // FRR's kernel VTEP: VNI 100 and 200 with SVIs on the anycast gateway, the L3VNI's bridge holding the router MAC.
    host(ns.h2, n('q2'), ns.f, H2, 24, '10.200.0.1');
    const kernelVni = (vni: number, svi?: string, mac = GW_MAC): void => {
      ipNs(ns.f, ['link', 'add', `br${vni}`, 'type', 'bridge']);
      ipNs(ns.f, ['link', 'set', `br${vni}`, 'address', mac]);
      ipNs(ns.f, ['link', 'add', `vx${vni}`, 'type', 'vxlan', 'id', String(vni), 'local', FRR, 'dstport', '4789', 'nolearning']);
      ipNs(ns.f, ['link', 'set', `vx${vni}`, 'master', `br${vni}`]);
      ipNs(ns.f, ['link', 'set', 'dev', `vx${vni}`, 'type', 'bridge_slave', 'learning', 'off', 'neigh_suppress', 'off']);
      if (svi) ipNs(ns.f, ['addr', 'add', svi, 'dev', `br${vni}`]);
      for (const dev of [`vx${vni}`, `br${vni}`]) ipNs(ns.f, ['link', 'set', dev, 'up']);
    };
    kernelVni(100, '10.100.0.1/24');
    kernelVni(200, '10.200.0.1/24');
    ipNs(ns.f, ['link', 'set', n('q2'), 'master', 'br200']);
    kernelVni(1000, undefined, FRR_RMAC);
    ipNs(ns.f, ['addr', 'add', '203.0.113.1/32', 'dev', 'lo']);
    ipNs(ns.f, ['addr', 'add', '198.18.0.1/32', 'dev', 'lo']);
    // FRR's kernel routes between br200 and the L3VNI's bridge.
    for (const [k, v] of [['net.ipv4.ip_forward', '1'], ['net.ipv4.conf.all.rp_filter', '0'], ['net.ipv4.conf.default.rp_filter', '0']]) sh(ns.f, ['sysctl', '-qw', `${k}=${v}`]);

    frr = new FrrInstance(ns.f, bgpdConf(), ZEBRA);
    await frr.start();
    vtep = new VtepRun(ns.v, ourConfig(n('u'), n('p1'), n('p3')));
    await vtep.start();
    raw = new RawPeer(ns.r);
    await raw.start();
  }, 120_000);

  afterAll(async () => {
    conn?.destroy();
    raw?.stop();
    await vtep?.destroy();
    frr?.destroy();
    topo.destroy();
    const left = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`ir${topo.id}`));
    expect(left).toEqual([]);
  }, 60_000);

  it('the iBGP session comes up (FRR and our show peers)', async () => {
    await until('FRR to establish with us', () => {
      const j = frr.vtyshJson<{ peers?: Record<string, { state?: string }> }>('show bgp l2vpn evpn summary json');
      return j.peers?.[OURS]?.state === 'Established';
    }, 60_000);
    const peers = vtep.show<{ address: string; state: string }[]>(['peers']);
    expect(peers.find((p) => p.address === FRR)?.state).toBe('Established');
  }, 70_000);

  it("our type-5 routes reach FRR with label = L3VNI 1000, RT 65100:1000 and our Router's MAC", async () => {
    const wanted = ['10.100.0.0/24', '10.30.0.0/24', '198.51.100.0/24'];
    const routes = await until('FRR to hold our three type-5 routes', () => {
      const r = frrRoutes(frr.vtyshJson('show bgp l2vpn evpn route detail type prefix json')).filter((x) => x.routeType === 5 && x.paths.some((p) => p.nexthops?.[0]?.ip === OURS));
      return wanted.every((w) => r.some((x) => prefixOf(x) === w)) && r;
    });
    for (const w of wanted) {
      const r = routes.find((x) => prefixOf(x) === w)!;
      const p = r.paths.find((x) => x.nexthops?.[0]?.ip === OURS)!;
      const ec = frrCommunities(p.extendedCommunity?.string);
      expect(r.rd, w).toMatch(/^10\.91\.0\.1:\d+$/);
      expect(p.VNI, w).toBe('1000');
      expect(ec.rts, w).toEqual(['65100:1000']);
      expect(ec.encap, w).toEqual([8]);
      expect(ec.rmac, w).toBe(OUR_RMAC);
    }
    // FRR put them in the tenant's table (its default VRF), via our VTEP: the L3VNI and RT matched.
    const fib = await until('FRR to import our prefixes into its VRF', () => {
      const j = frr.vtyshJson<Record<string, unknown>>('show bgp ipv4 unicast json');
      const rs = (j.routes ?? {}) as Record<string, { nexthops?: { ip: string }[] }[]>;
      return ['10.30.0.0/24', '198.51.100.0/24'].every((pfx) => rs[pfx]?.some((path) => path.nexthops?.some((h) => h.ip === OURS))) && rs;
    });
    expect(Object.keys(fib)).toEqual(expect.arrayContaining(['10.30.0.0/24', '198.51.100.0/24']));
  }, 60_000);

  it("our hosts' MAC+IP routes reach FRR with labels 100/1000 (or 300/1000), both RTs and the Router's MAC", async () => {
    for (const [h, hns] of [[H1, ns.h1], [H3, ns.h3]] as const) sh(hns, ['arping', '-U', '-c', '2', '-w', '2', '-i', 'eth0', '-S', h.ip, h.ip]);
    const routes = await until('FRR to hold the MAC+IP routes of h1 and h3', () => {
      const r = frrRoutes(frr.vtyshJson('show bgp l2vpn evpn route detail type macip json')).filter((x) => x.ip !== undefined && (x.mac === H1.mac || x.mac === H3.mac));
      return r.length >= 2 && r;
    });
    for (const [h, vni] of [[H1, 100], [H3, 300]] as const) {
      const r = routes.find((x) => x.mac === h.mac && x.ip === h.ip)!;
      expect(r, h.ip).toBeDefined();
      const p = r.paths[0]!;
      const ec = frrCommunities(p.extendedCommunity?.string);
      expect(p.VNI).toBe(`${vni}/1000`);
      expect(p.nexthops?.[0]?.ip).toBe(OURS);
      expect(ec.rts.sort()).toEqual([`65100:${vni}`, '65100:1000'].sort());
      expect(ec.rmac).toBe(OUR_RMAC);
    }
    // FRR installs h3 (a subnet it does not have) as a host route in its VRF via our VTEP.
    await until('FRR to hold a /32 for h3 via us', () => {
      const j = frr.vtyshJson<{ routes?: Record<string, { nexthops?: { ip: string }[] }[]> }>('show bgp ipv4 unicast json');
      return j.routes?.[`${H3.ip}/32`]?.some((p) => p.nexthops?.some((x) => x.ip === OURS));
    });
  }, 60_000);

  it("FRR's type-5 prefixes (its subnet, a loopback, a default route) and host routes appear in our show routes --vrf red --json", async () => {
    sh(ns.h2, ['ping', '-c', '2', '-W', '1', '10.200.0.1']);
    const want = ['10.200.0.0/24', '203.0.113.1/32', '0.0.0.0/0'];
    const rows = await until("our tenant table to hold FRR's prefixes and h2", () => {
      const r = vtep.show<Row[]>(['routes', '--vrf', 'red']);
      return want.every((p) => r.some((x) => x.prefix === p && x.nextHop === FRR)) && r.some((x) => x.prefix === `${H2.ip}/32`) && r;
    }, 45_000);
    for (const p of want) {
      expect(rows.find((x) => x.prefix === p && x.nextHop === FRR), p).toEqual({ vrf: 'red', prefix: p, nextHop: FRR, routerMac: FRR_RMAC, l3vni: 1000, source: 'type-5', best: true, usable: true });
    }
    expect(rows.find((x) => x.prefix === `${H2.ip}/32`)).toEqual({ vrf: 'red', prefix: `${H2.ip}/32`, nextHop: FRR, routerMac: FRR_RMAC, l3vni: 1000, source: 'type-2', best: true, usable: true });
    // Our own prefixes head the table.
    expect(rows.filter((x) => x.nextHop === 'local').map((x) => [x.prefix, x.source])).toEqual([
      ['10.100.0.0/24', 'connected'],
      ['10.30.0.0/24', 'connected'],
      ['198.51.100.0/24', 'configured'],
    ]);
    const vrfs = vtep.show<Row[]>(['vrfs']);
    expect(vrfs).toHaveLength(1);
    expect(vrfs[0]).toMatchObject({ vrf: 'red', l3vni: 1000, routerMac: OUR_RMAC, export: '65100:1000', import: '65100:1000', l2vnis: '100 300', advertised: 3 });
    expect(Number(vrfs[0]!.type5)).toBeGreaterThanOrEqual(3);
    expect(Number(vrfs[0]!.hosts)).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('h1 (behind us) and h2 (behind FRR, another subnet) ping each other both ways through the L3VNI', async () => {
    const ping = (from: string, to: string, count = 3): boolean => sh(from, ['ping', '-c', String(count), '-i', '0.2', '-W', '1', to]).out.includes(`${count} received`);
    await until("FRR's kernel to hold h1's host route via the L3VNI", () => sh(ns.f, ['ip', 'route', 'show', `${H1.ip}/32`]).out.includes('10.91.0.1'), 45_000);
    await until('h1 to ping h2', () => ping(ns.h1, H2.ip, 1), 45_000, 500);
    expect(ping(ns.h1, H2.ip)).toBe(true);
    expect(ping(ns.h2, H1.ip)).toBe(true);
    // Two routed hops: our fast path and FRR's kernel.
    expect(sh(ns.h1, ['ping', '-c', '1', '-W', '1', H2.ip]).out).toMatch(/ttl=62/);
    const rows = vtep.show<Row[]>(['counters']);
    expect(Number(rows.find((r) => r.scope === 'vni 1000' && r.counter === 'routed_packets')?.value ?? 0)).toBeGreaterThan(0);
    expect(Number(rows.find((r) => r.scope === 'vni 100' && r.counter === 'routed_packets')?.value ?? 0)).toBeGreaterThan(0);
  }, 120_000);

  it("FRR's type-5 loopback (a /32) and an address only its default route covers are reachable from h1", async () => {
    const ping = (to: string): boolean => sh(ns.h1, ['ping', '-c', '2', '-i', '0.2', '-W', '1', to]).out.includes('2 received');
    await until('h1 to ping 203.0.113.1', () => ping('203.0.113.1'), 30_000, 500);
    expect(ping('198.18.0.1')).toBe(true);
  }, 60_000);

  it('a type-5 route with prefix length 33 is rejected (RFC 7606) without harm to the tenant or the FRR session', async () => {
    conn = await raw.connect(RAW_LOCAL, 179, RAW);
    await conn.establish({ as: AS, bgpId: RAW, holdTime: 90 });
    conn.write(rawType5('10.250.0.0/24'));
    await until('the raw peer\'s good prefix in our table', () => vtep.show<Row[]>(['routes', '--vrf', 'red']).some((x) => x.prefix === '10.250.0.0/24' && x.nextHop === RAW));
    conn.write(rawType5('10.251.0.0/24', 33));
    // The NLRI boundary is intact, so the UPDATE is treat-as-withdraw (RFC 7606 §2, §5.4), not an AFI/SAFI
    // disable (§5.3): only the bad route is lost. A later good UPDATE is the barrier that shows it was handled.
    conn.write(rawType5('10.252.0.0/24'));
    const rows = await until("the raw peer's next good prefix in our table", () => {
      const r = vtep.show<Row[]>(['routes', '--vrf', 'red']);
      return r.some((x) => x.prefix === '10.252.0.0/24' && x.nextHop === RAW) && r;
    });
    expect(rows.some((x) => String(x.prefix).startsWith('10.251.'))).toBe(false);
    // The peer's other route and its session are untouched: no NOTIFICATION, no ROUTE-REFRESH to re-learn anything.
    expect(rows.some((x) => x.prefix === '10.250.0.0/24' && x.nextHop === RAW)).toBe(true);
    expect(conn.notifications()).toEqual([]);
    expect(conn.all(MsgType.ROUTE_REFRESH)).toEqual([]);
    expect(conn.closed).toBe(false);
    expect(vtep.show<{ address: string; state: string }[]>(['peers']).find((p) => p.address === RAW)?.state).toBe('Established');
    // Nothing else moved: FRR's routes stay, the FRR session stays up, the VTEP runs.
    for (const p of ['10.200.0.0/24', '203.0.113.1/32', '0.0.0.0/0']) expect(rows.some((x) => x.prefix === p && x.nextHop === FRR), p).toBe(true);
    expect(vtep.show<{ address: string; state: string }[]>(['peers']).find((p) => p.address === FRR)?.state).toBe('Established');
    expect(vtep.running).toBe(true);
    expect(vtep.log()).toMatch(/prefix length 33 exceeds 32/);
  }, 60_000);
});

function prefixOf(r: FrrRoute): string {
  // FRR's key of a type-5 route: [5]:[EthTag]:[IPlen]:[IP]
  const m = /^\[5\]:\[\d+\]:\[(\d+)\]:\[([^\]]+)\]$/.exec(r.prefix);
  return m ? `${m[2]}/${m[1]}` : r.prefix;
}

