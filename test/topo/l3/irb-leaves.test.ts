import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portableUnavailableReason } from '../../../src/dataplane/portable/io';
import { ipNs, Topology } from '../../support/netns';
import { hasCommand, rootSkipReason } from '../../support/root';
import { hostMaker, irbLeafConfig, sh, until, veth, VtepRun } from './support';

/**
 * Routing in the fast path (symmetric IRB, RFC 9135) between two evpn-vtep
 * leaves, iBGP between them, nothing else routing; leaf A runs the native
 * data plane, leaf B the portable one (TypeScript pipeline) where libpcap
 * is available, else the native one too:
 *
 *   leaf A 10.91.0.1                                leaf B 10.91.0.2
 *     h1 10.100.0.11 (VNI 100, red)                   h3 10.200.0.13 (VNI 200, red)
 *     h2 10.200.0.12 (VNI 200, red)                   h4 10.100.0.14 (VNI 100, red)
 *     b1 10.100.0.14 (VNI 300, blue)                  b2 10.50.0.22  (VNI 400, blue)
 *     h5 fd00:500::5 (VNI 500, red)                   h6 fd00:600::6 (VNI 600, red)
 *
 * Tenants red (L3VNI 1000) and blue (L3VNI 2000) both use 10.100.0.0/24
 * with the same anycast gateway 10.100.0.1 and MAC; b1 even has h4's
 * address. Hosts reach the other subnet through the gateway, on the same
 * leaf and across the fabric (host routes from type 2 over the L3VNI);
 * the two tenants never reach each other and their tables hold none of the
 * other's prefixes. IPv6 between VNI 500 and 600: the gateway answers
 * neighbor solicitations in the fast path, hop limits drop by one per leaf.
 */

const skip = rootSkipReason() ?? (hasCommand('arping') ? null : 'needs arping');
if (skip) console.warn(`[skip] L3 symmetric IRB between two evpn-vtep leaves: ${skip}`);

const AS = 65100;
const A = '10.91.0.1';
const B = '10.91.0.2';
const GW_MAC = '00:00:5e:00:01:01';
const PORTABLE_B = portableUnavailableReason() === null;
const host = hostMaker('c');
const H1 = host(1, '10.100.0.11');
const H2 = host(2, '10.200.0.12');
const H3 = host(3, '10.200.0.13');
const H4 = host(4, '10.100.0.14');
const B1 = host(5, '10.100.0.14');
const B2 = host(6, '10.50.0.22');
const H5 = host(7, 'fd00:500::5');
const H6 = host(8, 'fd00:600::6');

type Row = Record<string, string | number | boolean | null>;


describe.skipIf(skip !== null)('symmetric IRB in the fast path: two evpn-vtep leaves, two tenants with the same subnet', () => {
  const topo = new Topology('irb');
  const ns = { a: '', b: '', h1: '', h2: '', h3: '', h4: '', b1: '', b2: '', h5: '', h6: '' };
  let la: VtepRun;
  let lb: VtepRun;

  beforeAll(async () => {
    for (const k of Object.keys(ns) as (keyof typeof ns)[]) ns[k] = topo.addNs(k);
    for (const n of Object.values(ns)) if (n !== ns.h5 && n !== ns.h6) for (const k of ['all', 'default']) sh(n, ['sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    const n = (role: string): string => topo.name(role);
    veth({ ns: ns.a, name: n('u') }, { ns: ns.b, name: n('U') });
    ipNs(ns.a, ['addr', 'add', `${A}/24`, 'dev', n('u')]);
    ipNs(ns.b, ['addr', 'add', `${B}/24`, 'dev', n('U')]);
    const attach = (hns: string, leafNs: string, port: string, h: { ip: string; mac: string }, gw: string): void => {
      veth({ ns: hns, name: 'eth0' }, { ns: leafNs, name: port });
      for (const [k, v] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2']]) sh(hns, ['sysctl', '-qw', `${k}=${v}`]);
      ipNs(hns, ['link', 'set', 'eth0', 'address', h.mac]);
      ipNs(hns, ['addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      ipNs(hns, ['route', 'add', 'default', 'via', gw]);
      // libpcap (portable data plane) sees frames without a virtio-net header: no partial checksums, no GSO.
      sh(hns, ['ethtool', '-K', 'eth0', 'tx', 'off', 'tso', 'off', 'gso', 'off']);
    };
    attach(ns.h1, ns.a, n('a1'), H1, '10.100.0.1');
    attach(ns.h2, ns.a, n('a2'), H2, '10.200.0.1');
    attach(ns.b1, ns.a, n('a3'), B1, '10.100.0.1');
    attach(ns.h3, ns.b, n('b1'), H3, '10.200.0.1');
    attach(ns.h4, ns.b, n('b2'), H4, '10.100.0.1');
    attach(ns.b2, ns.b, n('b3'), B2, '10.50.0.1');
    for (const [hns, leafNs, port, h, gw] of [
      [ns.h5, ns.a, n('a5'), H5, 'fd00:500::1'],
      [ns.h6, ns.b, n('b5'), H6, 'fd00:600::1'],
    ] as const) {
      veth({ ns: hns, name: 'eth0' }, { ns: leafNs, name: port });
      ipNs(hns, ['link', 'set', 'eth0', 'address', h.mac]);
      ipNs(hns, ['-6', 'addr', 'add', `${h.ip}/64`, 'dev', 'eth0', 'nodad']);
      ipNs(hns, ['-6', 'route', 'add', 'default', 'via', gw]);
      sh(hns, ['ethtool', '-K', 'eth0', 'tx', 'off', 'tso', 'off', 'gso', 'off']);
    }
    // The leaves' own ends carry no IPv6 (no router solicitations or MLD from them).
    for (const [leafNs, port] of [[ns.a, n('a5')], [ns.b, n('b5')]] as const) sh(leafNs, ['sysctl', '-qw', `net.ipv6.conf.${port}.disable_ipv6=1`]);
    la = new VtepRun(
      ns.a,
      irbLeafConfig({ self: A, peer: B, as: AS, rmacByte: 'aa', uplink: n('u'), gwMac: GW_MAC, blue: true }, [
        { vni: 100, port: n('a1'), vrf: 'red', gw: '10.100.0.1/24' },
        { vni: 200, port: n('a2'), vrf: 'red', gw: '10.200.0.1/24' },
        { vni: 300, port: n('a3'), vrf: 'blue', gw: '10.100.0.1/24' },
        { vni: 500, port: n('a5'), vrf: 'red', gw: 'fd00:500::1/64' },
      ]),
    );
    lb = new VtepRun(
      ns.b,
      irbLeafConfig({ self: B, peer: A, as: AS, rmacByte: 'bb', uplink: n('U'), gwMac: GW_MAC, blue: true }, [
        { vni: 100, port: n('b2'), vrf: 'red', gw: '10.100.0.1/24' },
        { vni: 200, port: n('b1'), vrf: 'red', gw: '10.200.0.1/24' },
        { vni: 400, port: n('b3'), vrf: 'blue', gw: '10.50.0.1/24' },
        { vni: 600, port: n('b5'), vrf: 'red', gw: 'fd00:600::1/64' },
      ]),
      PORTABLE_B ? ['--dataplane', 'portable'] : [],
    );
    await la.start();
    await lb.start();
    await until('the two leaves to establish', () => la.show<{ address: string; state: string }[]>(['peers']).some((p) => p.address === B && p.state === 'Established'), 60_000);
    // Every host announces itself (gratuitous ARP): its MAC+IP route carries the L3VNI.
    for (const [h, hns] of [[H1, ns.h1], [H2, ns.h2], [H3, ns.h3], [H4, ns.h4], [B1, ns.b1], [B2, ns.b2]] as const) sh(hns, ['arping', '-U', '-c', '2', '-w', '2', '-i', 'eth0', '-S', h.ip, h.ip]);
  }, 120_000);

  afterAll(async () => {
    await la?.destroy();
    await lb?.destroy();
    topo.destroy();
    const left = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`irb${topo.id}`));
    expect(left).toEqual([]);
  }, 60_000);

  const ping = (from: string, to: string, count = 3): boolean => sh(from, ['ping', '-c', String(count), '-i', '0.2', '-W', '1', to]).out.includes(`${count} received`);

  it('hosts in two subnets of one leaf reach each other through the anycast gateway (ARP answered in the fast path)', async () => {
    await until('h1 to ping h2 through the gateway', () => ping(ns.h1, H2.ip, 1), 30_000, 500);
    expect(ping(ns.h1, H2.ip)).toBe(true);
    expect(ping(ns.h2, H1.ip)).toBe(true);
    // The gateway's ARP answer came from the fast path with the anycast MAC.
    expect(sh(ns.h1, ['ip', 'neigh', 'show', '10.100.0.1']).out).toContain(GW_MAC);
    const rows = la.show<Row[]>(['counters']);
    const sum = (counter: string): number => rows.filter((r) => r.counter === counter).reduce((a, r) => a + Number(r.value), 0);
    expect(sum('gateway_arp_replies')).toBeGreaterThan(0);
    expect(sum('routed_packets')).toBeGreaterThan(0);
  }, 60_000);

  it('hosts reach the other subnet across the fabric, both ways: routed at the ingress leaf, sent with the L3VNI, routed again at the egress leaf', async () => {
    await until("leaf A's table to hold h3's host route via B", () => la.show<Row[]>(['routes', '--vrf', 'red']).some((r) => r.prefix === `${H3.ip}/32` && r.nextHop === B && r.usable), 45_000);
    await until('h1 to ping h3 on leaf B', () => ping(ns.h1, H3.ip, 1), 30_000, 500);
    expect(ping(ns.h1, H3.ip)).toBe(true);
    expect(ping(ns.h3, H1.ip)).toBe(true);
    await until('h2 to ping h4 on leaf B', () => ping(ns.h2, H4.ip, 1), 30_000, 500);
    expect(ping(ns.h4, H2.ip)).toBe(true);
    // The routed hop shows in the TTL: two routers (ingress and egress leaf).
    expect(sh(ns.h1, ['ping', '-c', '1', '-W', '1', H3.ip]).out).toMatch(/ttl=62/);
    const rows = lb.show<Row[]>(['counters']);
    const l3vni = rows.find((r) => r.scope === 'vni 1000' && r.counter === 'routed_packets');
    expect(Number(l3vni?.value ?? 0)).toBeGreaterThan(0);
  }, 90_000);

  it('IPv6 hosts in two subnets on two leaves reach each other: NS for the gateway answered, routed over the L3VNI', async () => {
    const ping6 = (from: string, to: string, count = 3): { ok: boolean; out: string } => {
      const r = sh(from, ['ping', '-6', '-c', String(count), '-i', '0.2', '-W', '1', to]);
      return { ok: r.out.includes(`${count} received`), out: r.out };
    };
    // Each host's first packet to its gateway solicits it: the binding is learned and advertised.
    await until('h5 and h6 to ping each other', () => {
      ping6(ns.h6, H5.ip, 1);
      return ping6(ns.h5, H6.ip, 1).ok;
    }, 45_000, 500);
    const r = ping6(ns.h5, H6.ip);
    expect(r.ok).toBe(true);
    expect(r.out).toMatch(/ttl=62/);
    expect(ping6(ns.h6, H5.ip).ok).toBe(true);
    expect(sh(ns.h5, ['ip', '-6', 'neigh', 'show', 'fd00:500::1']).out).toContain(GW_MAC);
    const nd = lb.show<Row[]>(['counters']).filter((x) => x.counter === 'gateway_nd_replies').reduce((a, x) => a + Number(x.value), 0);
    expect(nd).toBeGreaterThan(0);
  }, 90_000);

  it('two tenants with the same subnet stay apart: no route leaks, no packet crosses', async () => {
    await until('b1 to ping b2 in tenant blue', () => ping(ns.b1, B2.ip, 1), 45_000, 500);
    const red = la.show<Row[]>(['routes', '--vrf', 'red']);
    const blue = la.show<Row[]>(['routes', '--vrf', 'blue']);
    expect(red.some((r) => String(r.prefix).startsWith('10.50.'))).toBe(false);
    expect(blue.some((r) => String(r.prefix).startsWith('10.200.'))).toBe(false);
    expect(blue.some((r) => r.prefix === `${H3.ip}/32` || r.prefix === `${H4.ip}/32`)).toBe(false);
    // Blue cannot reach red's hosts, red cannot reach blue's.
    expect(ping(ns.b2, H2.ip, 2)).toBe(false);
    expect(ping(ns.h2, B2.ip, 2)).toBe(false);
    // h2 (red) reaches 10.100.0.14 = h4 on leaf B, never blue's b1 with the same address on its own leaf.
    const before = Number(sh(ns.b1, ['cat', '/sys/class/net/eth0/statistics/rx_packets']).out.trim());
    expect(ping(ns.h2, H4.ip)).toBe(true);
    const after = Number(sh(ns.b1, ['cat', '/sys/class/net/eth0/statistics/rx_packets']).out.trim());
    expect(after - before).toBeLessThan(2);
    const drops = la.show<Row[]>(['counters']).filter((r) => r.counter === 'drop_no_route').reduce((a, r) => a + Number(r.value), 0);
    expect(drops).toBeGreaterThan(0);
  }, 90_000);
});
