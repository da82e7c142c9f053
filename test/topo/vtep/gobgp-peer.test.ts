import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topology, ipNs, run } from '../../../src/lab/netns';
import { GobgpInstance } from '../../support/peers';
import { canRun, leftovers, PREFIX, RunProcess, until } from './support';

/**
 * GoBGP as a peer of an evpn-vtep leaf (issue 5, test 3): MAC/IP routes
 * added with `gobgp global rib -a evpn add macadv …` program our MAC and
 * ARP tables (remote, at GoBGP's next hop); `del` removes them again.
 *
 *   [leaf: evpn-vtep run]──underlay 10.254.0.0/24──[gobgpd]
 *        │ access port (VNI 100)
 *      [host]
 */

const ok = canRun('GoBGP peer of an evpn-vtep leaf', { gobgp: true });

const AS = 65000;
const LEAF = '10.254.0.1';
const GOBGP = '10.254.0.2';
const VNI = 100;
const MAC = '02:99:00:00:00:07';
const IP = '10.100.0.77';
const RD = `${GOBGP}:1`;
const RT = `${AS}:${VNI}`;

describe.skipIf(!ok)('GoBGP as a peer of an evpn-vtep leaf', () => {
  const topo = new Topology(PREFIX);
  let vtep: RunProcess;
  let gobgp: GobgpInstance;
  const macadv = (op: 'add' | 'del'): string[] => ['global', 'rib', '-a', 'evpn', op, 'macadv', MAC, IP, 'etag', '0', 'label', String(VNI), 'rd', RD, 'rt', RT, 'encap', 'vxlan'];

  beforeAll(async () => {
    const leaf = topo.addNs('l');
    const gb = topo.addNs('g');
    const host = topo.addNs('h');
    for (const ns of [leaf, gb, host]) execSysctl(ns);
    const up = topo.name('u');
    topo.addVeth({ ns: leaf, name: up }, { ns: gb, name: topo.name('ug') });
    ipNs(leaf, ['addr', 'add', `${LEAF}/24`, 'dev', up]);
    ipNs(gb, ['addr', 'add', `${GOBGP}/24`, 'dev', topo.name('ug')]);
    const acc = topo.name('a');
    topo.addVeth({ ns: leaf, name: acc }, { ns: host, name: topo.name('ah') });
    gobgp = new GobgpInstance(
      gb,
      [
        '[global.config]',
        `  as = ${AS}`,
        `  router-id = "${GOBGP}"`,
        '  port = 179',
        '[[neighbors]]',
        '  [neighbors.config]',
        `    neighbor-address = "${LEAF}"`,
        `    peer-as = ${AS}`,
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        '      afi-safi-name = "l2vpn-evpn"',
        '',
      ].join('\n'),
    );
    await gobgp.start();
    vtep = new RunProcess(
      leaf,
      [
        `router-id: ${LEAF}`,
        `as: ${AS}`,
        `listen: { address: ${LEAF}, port: 179 }`,
        `underlay: { address: ${LEAF}, interface: ${up} }`,
        'neighbors:',
        `  - { address: ${GOBGP}, remote-as: ${AS}, hold-time: 9 }`,
        'l2vnis:',
        `  - { vni: ${VNI}, interface: ${acc} }`,
        'control-socket: "@SOCKET@"',
        '',
      ].join('\n'),
    );
    await vtep.start();
    await until('the session with GoBGP', async () => {
      const r = await vtep.ask({ cmd: 'show', what: 'peers' });
      return 'peers' in r && r.peers.some((p) => p.address === GOBGP && p.state === 'Established');
    }, 30_000);
  }, 90_000);

  afterAll(async () => {
    await vtep?.destroy();
    gobgp?.destroy();
    topo.destroy();
    expect(leftovers(topo.id)).toEqual([]);
  });

  it('a macadv route from GoBGP enters our MAC table (remote, at its next hop) and our ARP table', async () => {
    gobgp.gobgp(macadv('add'));
    const mac = await until('the MAC in show macs', async () => (await vtep.view('macs')).find((r) => r.mac === MAC), 15_000);
    expect(mac).toMatchObject({ vni: VNI, mac: MAC, type: 'remote', where: GOBGP, seq: 0 });
    const arp = await until('the IP in show arp', async () => (await vtep.view('arp')).find((r) => r.ip === IP), 15_000);
    expect(arp).toMatchObject({ vni: VNI, ip: IP, mac: MAC, where: GOBGP });
    // The route as we hold it: GoBGP's RD and RT, label = VNI, VXLAN encapsulation.
    const r = await vtep.ask({ cmd: 'show', what: 'routes', filters: { type: 2 } });
    const rows = 'routes' in r ? r.routes.filter((x) => x.mac === MAC) : [];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rd: RD, ip: IP, nextHop: GOBGP, from: GOBGP, label1: VNI, routeTargets: [RT] });
    expect(rows[0]!.encapsulation).toContain(8);
  }, 30_000);

  it('del withdraws it: the MAC and the IP go', async () => {
    gobgp.gobgp(macadv('del'));
    await until('the MAC to leave show macs', async () => !(await vtep.view('macs')).some((r) => r.mac === MAC), 15_000);
    await until('the IP to leave show arp', async () => !(await vtep.view('arp')).some((r) => r.ip === IP), 15_000);
    const r = await vtep.ask({ cmd: 'show', what: 'routes', filters: { type: 2 } });
    expect('routes' in r && r.routes.some((x) => x.mac === MAC)).toBe(false);
    expect(vtep.log()).not.toMatch(/internal error|TypeError|RangeError/);
  }, 30_000);
});

/** No IPv6 chatter on the test's links. */
function execSysctl(ns: string): void {
  for (const k of ['all', 'default']) run(ns, ['sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
}
