import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { buildAnnouncements } from '../../../src/inject/build';
import { parseSpec } from '../../../src/inject/spec';
import { dumpRib } from '../../../src/mrt/dump';
import { Bgp4mpRecorder } from '../../../src/mrt/recorder';
import { FrrInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { frrCommunities, frrRoutes, type FrrRoute } from '../bgp/support';
import { Injector, MtLab } from './support';

/**
 * `evpn-vtep inject` (a real process in its own namespace) against FRR 8.4
 * bgpd in another, over eBGP (FRR AS 65000, injector AS 65010):
 *  - every route type of a route file appears in FRR's
 *    `show bgp l2vpn evpn route detail json` with the fields given;
 *  - each malformed route gets the RFC 7606 treatment at FRR: absent
 *    (treat-as-withdraw) while the session stays up, present without the
 *    attribute (attribute discard), or a NOTIFICATION (session reset);
 *  - withdraw-after-ms withdraws; --replay sends a TABLE_DUMP_V2 and a
 *    BGP4MP file's routes.
 */

const skip = rootSkipReason() ?? (hasCommand('vtysh') && hasCommand('/usr/lib/frr/bgpd') ? null : 'needs FRR (vtysh, bgpd)');
if (skip) console.warn(`[skip] inject vs FRR: ${skip}`);

const FRR_AS = 65000;
const INJ_AS = 65010;
const mac = (i: number): string => `02:aa:bb:cc:dd:${i.toString(16).padStart(2, '0')}`;

const GOOD = `
  - type: 2
    rd: 10.0.0.9:100
    mac: ${mac(1)}
    ip: 10.100.0.77
    labels: [100, 1000]
    next-hop: 10.0.0.9
    route-targets: [65000:100, 65000:1000]
    encap: vxlan
    router-mac: 02:aa:00:00:10:00
    mac-mobility: { seq: 3, sticky: false }
  - type: 3
    rd: 10.0.0.9:100
    originator: 10.0.0.9
    next-hop: 10.0.0.9
    route-targets: [65000:100]
    pmsi: { type: ingress-replication, vni: 100, tunnel: 10.0.0.9 }
  - type: 5
    rd: 10.0.0.9:1
    prefix: 10.250.0.0/24
    gateway: 0.0.0.0
    label: 1000
    next-hop: 10.0.0.9
    route-targets: [65000:1000]
    router-mac: 02:aa:00:00:10:00
  - type: 1
    rd: 10.0.0.9:100
    esi: 00:11:22:33:44:55:66:77:88:99
    eth-tag: 0
    label: 100
    next-hop: 10.0.0.9
    route-targets: [65000:100]
  - type: 4
    rd: 10.0.0.9:0
    esi: "00:11:22:33:44:55:66:77:88:99"
    originator: 10.0.0.9
    next-hop: 10.0.0.9
    es-import: 11:22:33:44:55:66
`;

/** One type-2 route per fault, MACs from 0x10 up; index in the file = 5 + position. */
const TAW_FAULTS = ['ext-community-length', 'origin-value', 'origin-length', 'missing-origin', 'missing-as-path', 'as-path-segment-overrun', 'origin-flags', 'med-length'];
const DISCARD_FAULTS = ['aggregator-length'];
const FAULTY = [...TAW_FAULTS, ...DISCARD_FAULTS];

function routeFile(): string {
  const lines = ['routes:', GOOD.replace(/^\n/, '')];
  FAULTY.forEach((_, k) => lines.push(`  - { type: 2, rd: "10.0.0.9:200", mac: "${mac(0x10 + k)}", labels: [200], next-hop: 10.0.0.9, route-targets: ["65000:200"] }`));
  lines.push('withdraw-after-ms: 6000', 'malformed:');
  FAULTY.forEach((f, k) => lines.push(`  - { route: ${5 + k}, fault: ${f} }`));
  return lines.join('\n') + '\n';
}

describe.skipIf(skip !== null)('evpn-vtep inject into FRR', () => {
  let lab: MtLab;
  let frr: FrrInstance;
  let injNs: string;
  let frrAddr: string;
  let injAddr: string;
  let dir: string;
  const injectors: Injector[] = [];

  const frrDetail = (): FrrRoute[] => frrRoutes(frr.vtyshJson<Record<string, unknown>>('show bgp l2vpn evpn route detail json'));
  const frrState = (): string | undefined =>
    (frr.vtyshJson<{ peers?: Record<string, { state: string }> }>('show bgp l2vpn evpn summary json').peers ?? {})[injAddr]?.state;
  const inject = (args: string[]): Injector => {
    const i = new Injector(injNs, ['--peer', frrAddr, '--local-as', String(INJ_AS), '--router-id', '10.255.0.10', ...args]);
    injectors.push(i);
    return i;
  };
  const established = (i: Injector): Promise<unknown> =>
    waitFor('injector Established', () => {
      const e = i.event('established');
      if (!e && i.child.exitCode !== null) throw new Error(`inject exited ${i.child.exitCode}`);
      return e;
    }, 30_000, 200).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${i.stderr}`);
    });

  beforeAll(async () => {
    lab = new MtLab();
    dir = mkdtempSync(path.join(tmpdir(), 'mt-inject-'));
    try {
      const fNs = lab.ns('f');
      injNs = lab.ns('i');
      [frrAddr, injAddr] = lab.link(fNs, injNs, 'l');
      frr = new FrrInstance(
        fNs,
        [
          'hostname frr-mt',
          'log file ' + '/dev/null',
          `router bgp ${FRR_AS}`,
          ' bgp router-id 10.255.0.1',
          ' no bgp default ipv4-unicast',
          ' no bgp ebgp-requires-policy',
          ` neighbor ${injAddr} remote-as ${INJ_AS}`,
          ` neighbor ${injAddr} timers 3 9`,
          ` neighbor ${injAddr} timers connect 1`,
          ' address-family l2vpn evpn',
          `  neighbor ${injAddr} activate`,
          ' exit-address-family',
          '',
        ].join('\n'),
      );
      await frr.start();
    } catch (e) {
      frr?.destroy();
      lab.destroy();
      throw e;
    }
  }, 60_000);

  afterAll(async () => {
    try {
      await Promise.allSettled(injectors.map((i) => i.stop()));
    } finally {
      frr?.destroy();
      lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('routes of every type reach FRR with the fields given; malformed ones get RFC 7606 treatment; withdraw-after-ms withdraws', async () => {
    const file = path.join(dir, 'routes.yaml');
    writeFileSync(file, routeFile());
    const inj = inject(['--hold-seconds', '60', file]);
    await established(inj);
    await waitFor('sent event', () => inj.event('sent'), 10_000, 100);
    expect(inj.event('sent')).toMatchObject({ routes: 5 + FAULTY.length });

    const wanted = (rs: FrrRoute[]): FrrRoute[] => rs.filter((r) => r.rd.startsWith('10.0.0.9:'));
    const routes = await waitFor('FRR has the good routes', () => {
      const rs = wanted(frrDetail());
      return rs.filter((r) => r.rd !== '10.0.0.9:200').length === 5 && rs.length === 5 + DISCARD_FAULTS.length ? rs : undefined;
    }, 20_000, 300).catch((e: unknown) => {
      throw new Error(`${String(e)}\nFRR has: ${JSON.stringify(wanted(frrDetail()).map((r) => `${r.rd} ${r.prefix}`))}\n${inj.stderr}`);
    });

    const t2 = routes.find((r) => r.routeType === 2 && r.mac === mac(1))!;
    const p2 = t2.paths[0]!;
    expect(t2).toMatchObject({ rd: '10.0.0.9:100', ip: '10.100.0.77', ethTag: 0 });
    expect(p2.VNI).toBe('100/1000');
    expect(p2.nexthops?.[0]?.ip).toBe('10.0.0.9');
    expect(p2.aspath?.string).toBe(String(INJ_AS));
    const ec = frrCommunities(p2.extendedCommunity?.string);
    expect(ec.rts.sort()).toEqual(['65000:100', '65000:1000']);
    expect(ec).toMatchObject({ encap: [8], rmac: '02:aa:00:00:10:00', mobility: 3 });

    const t3 = routes.find((r) => r.routeType === 3)!;
    expect(t3).toMatchObject({ rd: '10.0.0.9:100', ip: '10.0.0.9' });
    expect(t3.paths[0]!.pmsi).toMatchObject({ tunnelType: 'Ingress Replication', label: 100 });

    const t5 = routes.find((r) => r.routeType === 5)!;
    expect(t5).toMatchObject({ rd: '10.0.0.9:1', ip: '10.250.0.0', ipLen: 24 });
    expect(t5.paths[0]!.VNI).toBe('1000');
    expect(frrCommunities(t5.paths[0]!.extendedCommunity?.string).rmac).toBe('02:aa:00:00:10:00');

    const t1 = routes.find((r) => r.routeType === 1)!;
    expect(t1.rd).toBe('10.0.0.9:100');
    expect(t1.paths[0]!.esi ?? JSON.stringify(t1)).toContain('00:11:22:33:44:55:66:77:88:99');
    const t4 = routes.find((r) => r.routeType === 4)!;
    expect(t4.rd).toBe('10.0.0.9:0');

    // Treat-as-withdraw: none of those routes, and the session is still up. Attribute discard: the route is there.
    const faulty = routes.filter((r) => r.rd === '10.0.0.9:200').map((r) => r.mac);
    expect(faulty).toEqual(DISCARD_FAULTS.map((_, k) => mac(0x10 + TAW_FAULTS.length + k)));
    expect(frrState()).toBe('Established');
    expect(inj.event('notification')).toBeUndefined();

    // withdraw-after-ms: 6000.
    await waitFor('withdrawn', () => inj.event('withdrawn'), 15_000, 200);
    await waitFor('FRR withdrew them', () => wanted(frrDetail()).filter((r) => r.rd !== '10.0.0.9:200').length === 0, 10_000, 300);
    expect(await inj.stop()).toBe(0);
    expect(inj.event('closed')).toMatchObject({ reason: 'terminated' });
  }, 90_000);

  // Session resets. Where FRR 8.4 differs from the RFCs the test pins FRR's behaviour, so a change is noticed:
  //  - unknown-well-known: RFC 4271 §6.3 says subcode 2 (Unrecognized Well-known Attribute); FRR sends 3/1.
  //  - mp-reach-next-hop-length: RFC 7606 §7.11 leaves the subcode open; FRR sends 3/1.
  //  - attribute-length-overrun: RFC 7606 §4 asks for treat-as-withdraw (the Total Attribute Length still
  //    frames the message and MP_REACH_NLRI was whole); FRR resets the session with 3/5.
  //  - pmsi-length: no RFC rule for a malformed PMSI_TUNNEL (we treat-as-withdraw); FRR resets with 3/1.
  it.each([
    ['unknown-well-known', [1, 2]],
    ['duplicate-mp-reach', [1]],
    ['mp-reach-next-hop-length', [1, 9]],
    ['attribute-length-overrun', [5]],
    ['pmsi-length', [1]],
  ] as const)('%s ends the session with an UPDATE Message Error NOTIFICATION (subcode %j) from FRR', async (fault, subcodes) => {
    await waitFor('FRR ready for a new session', () => frrState() !== 'Established', 15_000, 300);
    const file = path.join(dir, `${fault}.yaml`);
    writeFileSync(file, `routes:\n  - { type: 3, rd: "10.0.0.9:300", originator: 10.0.0.9 }\nmalformed:\n  - { route: 0, fault: ${fault} }\n`);
    const inj = inject(['--hold-seconds', '30', file]);
    await established(inj);
    const n = await waitFor('NOTIFICATION from FRR', () => inj.event('notification'), 15_000, 100);
    expect(n).toMatchObject({ code: 3 });
    expect(subcodes, JSON.stringify(n)).toContain(Number(n.subcode));
    expect(await inj.exited).toBe(1);
  }, 60_000);

  it('--replay sends the routes of a TABLE_DUMP_V2 dump and of a BGP4MP dump', async () => {
    await waitFor('FRR ready for a new session', () => frrState() !== 'Established', 15_000, 300);
    const attrs: PathAttribute[] = [
      { type: AttrType.ORIGIN, flags: 0x40, origin: 0 },
      { type: AttrType.AS_PATH, flags: 0x40, segments: [{ type: 2, asns: [65099] }] },
      { type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'encapsulation', tunnelType: 8 }, { kind: 'route-target', form: 'as2', asn: 65000, local: 400 }] },
    ];
    const tablePaths = [0, 1, 2].map((k) => ({ route: macIpRoute({ rd: '10.0.0.9:400', mac: mac(0x40 + k), label1: 400 }), attrs, nextHop: '10.0.0.40', from: '10.9.9.9', best: true }));
    writeFileSync(path.join(dir, 'table.mrt'), dumpRib(tablePaths, { collectorBgpId: '10.255.0.10', localAs: INJ_AS, peers: [{ id: '10.9.9.9', address: '10.9.9.9', asn: 65099, bgpId: '10.9.9.9' }] }));
    const spec = parseSpec(`routes:\n${[0, 1].map((k) => `  - { type: 2, rd: "10.0.0.9:500", mac: "${mac(0x50 + k)}", labels: [500], next-hop: 10.0.0.50 }`).join('\n')}\n`, 'x.yaml');
    if (!spec.ok) throw new Error(String(spec.errors));
    const chunks: Uint8Array[] = [];
    const rec = new Bgp4mpRecorder((b) => chunks.push(b), { extendedTimestamp: true });
    for (const m of buildAnnouncements(spec.config, { localAs: 65099, peerAs: 65001, defaultNextHop: '10.0.0.50', ctx: { fourOctetAs: true, extendedMessage: false, addPathRx: new Set() } })) {
      rec.recordMessage({ address: '10.9.9.9', asn: 65099 }, { address: '10.9.9.1', asn: 65001 }, m.bytes);
    }
    writeFileSync(path.join(dir, 'updates.mrt'), Buffer.concat(chunks));

    // A dump has one UPDATE per route; the two recorded routes were packed into one UPDATE.
    for (const [file, rd, n, updates, nh] of [['table.mrt', '10.0.0.9:400', 3, 3, '10.0.0.40'], ['updates.mrt', '10.0.0.9:500', 2, 1, '10.0.0.50']] as const) {
      await waitFor('FRR ready for a new session', () => frrState() !== 'Established', 15_000, 300);
      const inj = inject(['--hold-seconds', '30', '--replay', path.join(dir, file)]);
      await established(inj);
      const replayed = await waitFor('replayed', () => inj.event('replayed'), 10_000, 100);
      expect(replayed).toMatchObject({ updates, skipped: [] });
      const got = await waitFor(`${n} replayed routes at FRR`, () => {
        const rs = frrDetail().filter((r) => r.rd === rd);
        return rs.length === n ? rs : undefined;
      }, 15_000, 300);
      for (const r of got) {
        expect(r.paths[0]!.nexthops?.[0]?.ip).toBe(nh);
        expect(r.paths[0]!.aspath?.string).toBe(`${INJ_AS} 65099`);
      }
      expect(await inj.stop()).toBe(0);
    }
  }, 90_000);
});
