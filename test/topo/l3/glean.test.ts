import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portableUnavailableReason } from '../../../src/dataplane/portable/io';
import { ipNs, Topology } from '../../support/netns';
import { hasCommand, rootSkipReason } from '../../support/root';
import { hostMaker, irbLeafConfig, sh, until, veth, VtepRun } from './support';

/**
 * Glean in the fast path: a routed packet to a silent host (one that never
 * sent an ARP or ND frame, so no leaf holds its binding) makes the target
 * VNI's gateway ask for it, flooded in that VNI; the host answers to the
 * anycast gateway MAC, the leaf local to it snoops the answer and advertises
 * the MAC+IP route, and the next packets are routed. Leaf A runs the native
 * data plane, leaf B the portable one where libpcap is available:
 *
 *   leaf A 10.92.0.1                              leaf B 10.92.0.2
 *     h1 10.100.0.11 (VNI 100, announced)           s3 10.200.0.13 (VNI 200, silent)
 *     s2 10.200.0.12 (VNI 200, silent)              s6 fd00:600::6 (VNI 600, silent)
 *     h5 fd00:500::5 (VNI 500)
 */

const skip = rootSkipReason() ?? (hasCommand('arping') ? null : 'needs arping');
if (skip) console.warn(`[skip] glean of silent hosts between two evpn-vtep leaves: ${skip}`);

const AS = 65100;
const A = '10.92.0.1';
const B = '10.92.0.2';
const GW_MAC = '00:00:5e:00:01:01';
const PORTABLE_B = portableUnavailableReason() === null;
const host = hostMaker('d');
const H1 = host(1, '10.100.0.11');
const S2 = host(2, '10.200.0.12');
const S3 = host(3, '10.200.0.13');
const H5 = host(5, 'fd00:500::5');
const S6 = host(6, 'fd00:600::6');

type Row = Record<string, string | number | boolean | null>;


describe.skipIf(skip !== null)('glean: silent hosts are asked for by the anycast gateway in the fast path', () => {
  const topo = new Topology('gln');
  const ns = { a: '', b: '', h1: '', s2: '', s3: '', h5: '', s6: '' };
  let la: VtepRun;
  let lb: VtepRun;

  beforeAll(async () => {
    for (const k of Object.keys(ns) as (keyof typeof ns)[]) ns[k] = topo.addNs(k);
    const v4Only = [ns.a, ns.b, ns.h1, ns.s2, ns.s3];
    for (const n of v4Only) for (const k of ['all', 'default']) sh(n, ['sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    const n = (role: string): string => topo.name(role);
    veth({ ns: ns.a, name: n('u') }, { ns: ns.b, name: n('U') });
    ipNs(ns.a, ['addr', 'add', `${A}/24`, 'dev', n('u')]);
    ipNs(ns.b, ['addr', 'add', `${B}/24`, 'dev', n('U')]);
    const attach = (hns: string, leafNs: string, port: string, h: { ip: string; mac: string }, gw: string): void => {
      veth({ ns: hns, name: 'eth0' }, { ns: leafNs, name: port });
      // arp_notify stays 0: bringing the link up and adding the address send no gratuitous ARP.
      for (const [k, v] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2'], ['net.ipv4.conf.all.arp_notify', '0']]) sh(hns, ['sysctl', '-qw', `${k}=${v}`]);
      ipNs(hns, ['link', 'set', 'eth0', 'address', h.mac]);
      ipNs(hns, ['addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      ipNs(hns, ['route', 'add', 'default', 'via', gw]);
      sh(hns, ['ethtool', '-K', 'eth0', 'tx', 'off', 'tso', 'off', 'gso', 'off']);
    };
    attach(ns.h1, ns.a, n('a1'), H1, '10.100.0.1');
    attach(ns.s2, ns.a, n('a2'), S2, '10.200.0.1');
    attach(ns.s3, ns.b, n('b2'), S3, '10.200.0.1');
    for (const [hns, leafNs, port, h, gw] of [
      [ns.h5, ns.a, n('a5'), H5, 'fd00:500::1'],
      [ns.s6, ns.b, n('b6'), S6, 'fd00:600::1'],
    ] as const) {
      // No DAD (its NS has no source address anyway) and no router solicitations.
      for (const k of ['all', 'default']) for (const [s, v] of [['accept_dad', '0'], ['router_solicitations', '0']]) sh(hns, ['sysctl', '-qw', `net.ipv6.conf.${k}.${s}=${v}`]);
      veth({ ns: hns, name: 'eth0' }, { ns: leafNs, name: port });
      ipNs(hns, ['link', 'set', 'eth0', 'address', h.mac]);
      ipNs(hns, ['-6', 'addr', 'add', `${h.ip}/64`, 'dev', 'eth0', 'nodad']);
      ipNs(hns, ['-6', 'route', 'add', 'default', 'via', gw]);
      sh(hns, ['ethtool', '-K', 'eth0', 'tx', 'off', 'tso', 'off', 'gso', 'off']);
    }
    for (const [leafNs, port] of [[ns.a, n('a5')], [ns.b, n('b6')]] as const) sh(leafNs, ['sysctl', '-qw', `net.ipv6.conf.${port}.disable_ipv6=1`]);
    la = new VtepRun(
      ns.a,
      irbLeafConfig({ self: A, peer: B, as: AS, rmacByte: 'aa', uplink: n('u'), gwMac: GW_MAC }, [
        { vni: 100, port: n('a1'), gw: '10.100.0.1/24' },
        { vni: 200, port: n('a2'), gw: '10.200.0.1/24' },
        { vni: 500, port: n('a5'), gw: 'fd00:500::1/64' },
        { vni: 600, port: n('a6'), gw: 'fd00:600::1/64' },
      ]),
    );
    // Leaf A has VNI 600 (so a connected route to fd00:600::/64) with a port
    // of its own, left without a host.
    veth({ ns: ns.a, name: n('a6') }, { ns: ns.a, name: n('x6') });
    for (const port of [n('a6'), n('x6')]) sh(ns.a, ['sysctl', '-qw', `net.ipv6.conf.${port}.disable_ipv6=1`]);
    lb = new VtepRun(
      ns.b,
      irbLeafConfig({ self: B, peer: A, as: AS, rmacByte: 'bb', uplink: n('U'), gwMac: GW_MAC }, [
        { vni: 200, port: n('b2'), gw: '10.200.0.1/24' },
        { vni: 600, port: n('b6'), gw: 'fd00:600::1/64' },
      ]),
      PORTABLE_B ? ['--dataplane', 'portable'] : [],
    );
    await la.start();
    await lb.start();
    await until('the two leaves to establish', () => la.show<{ address: string; state: string }[]>(['peers']).some((p) => p.address === B && p.state === 'Established'), 60_000);
    // Only h1 announces itself; s2, s3 and s6 never send anything before being asked.
    sh(ns.h1, ['arping', '-U', '-c', '2', '-w', '2', '-i', 'eth0', '-S', H1.ip, H1.ip]);
    await until("leaf B's table to hold h1's host route", () => lb.show<Row[]>(['routes', '--vrf', 'red']).some((r) => r.prefix === `${H1.ip}/32` && r.usable), 45_000);
    // VNI 200's flood list on A must hold B before A's glean can reach s3.
    await until('leaf A to flood VNI 200 to B', () => la.show<Row[]>(['vteps']).some((r) => JSON.stringify(r).includes(B)), 45_000);
  }, 150_000);

  afterAll(async () => {
    await la?.destroy();
    await lb?.destroy();
    topo.destroy();
    const left = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`gln${topo.id}`));
    expect(left).toEqual([]);
  }, 60_000);

  const ping = (from: string, to: string, count = 3): boolean => sh(from, ['ping', '-c', String(count), '-i', '0.2', '-W', '1', to]).out.includes(`${count} received`);
  const sum = (leaf: VtepRun, counter: string): number =>
    leaf
      .show<Row[]>(['counters'])
      .filter((r) => r.counter === counter && String(r.scope).startsWith('vni'))
      .reduce((a, r) => a + Number(r.value), 0);
  const hostRoute = (leaf: VtepRun, ip: string, len: number): boolean => leaf.show<Row[]>(['routes', '--vrf', 'red']).some((r) => r.prefix === `${ip}/${len}`);

  it('a silent host on the same leaf is asked for and then reached', async () => {
    expect(hostRoute(la, S2.ip, 32) || hostRoute(lb, S2.ip, 32)).toBe(false);
    expect(sum(la, 'glean_requests')).toBe(0);
    // The first pings may be lost while the gateway asks; then they go through.
    let tries = 0;
    await until('h1 to ping the silent s2', () => (tries++, ping(ns.h1, S2.ip, 1)), 30_000, 500);
    expect(ping(ns.h1, S2.ip)).toBe(true);
    expect(sum(la, 'glean_requests')).toBeGreaterThan(0);
    console.log(`[glean] local: reached after ${tries} ping(s); leaf A glean_requests ${sum(la, 'glean_requests')} drop_unresolved ${sum(la, 'drop_unresolved')}`);
    expect(sum(la, 'drop_unresolved')).toBeGreaterThan(0);
    // s2 learned the gateway from the request itself: the anycast MAC.
    expect(sh(ns.s2, ['ip', 'neigh', 'show', '10.200.0.1']).out).toContain(GW_MAC);
  }, 60_000);

  it('a silent host behind the other leaf is asked for across the fabric, snooped there and advertised', async () => {
    expect(hostRoute(la, S3.ip, 32)).toBe(false);
    const before = sum(la, 'glean_requests');
    let tries = 0;
    await until('h1 to ping the silent s3 on leaf B', () => (tries++, ping(ns.h1, S3.ip, 1)), 45_000, 500);
    expect(ping(ns.h1, S3.ip)).toBe(true);
    expect(sum(la, 'glean_requests')).toBeGreaterThan(before);
    console.log(`[glean] across the fabric: reached after ${tries} ping(s); leaf A glean_requests ${sum(la, 'glean_requests') - before}`);
    // Leaf B snooped s3's answer to the gateway MAC and advertised its MAC+IP route.
    await until("leaf A's table to hold s3's host route via B", () => la.show<Row[]>(['routes', '--vrf', 'red']).some((r) => r.prefix === `${S3.ip}/32` && r.nextHop === B), 30_000);
  }, 90_000);

  it('a silent IPv6 host is solicited (NS to its solicited-node group) and then reached', async () => {
    expect(hostRoute(la, S6.ip, 128)).toBe(false);
    const before = sum(la, 'glean_requests') + sum(lb, 'glean_requests');
    const ping6 = (count: number): boolean => sh(ns.h5, ['ping', '-6', '-c', String(count), '-i', '0.2', '-W', '1', S6.ip]).out.includes(`${count} received`);
    let tries = 0;
    await until('h5 to ping the silent s6 on leaf B', () => (tries++, ping6(1)), 45_000, 500);
    expect(ping6(3)).toBe(true);
    const asked = sum(la, 'glean_requests') + sum(lb, 'glean_requests') - before;
    expect(asked).toBeGreaterThan(0);
    console.log(`[glean] IPv6 across the fabric: reached after ${tries} ping(s); NS sent ${asked}`);
    expect(sh(ns.s6, ['ip', '-6', 'neigh', 'show', 'fd00:600::1']).out).toContain(GW_MAC);
  }, 90_000);
});
