import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/bgp/wire/message';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { ACTION_NAMES, Action } from '../../../src/bgp/wire/errors';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { evpnReach, evpnUnreach, getAttr, type DecodedUpdate } from '../../../src/bgp/wire/update';
import { imetRoute, ipPrefixRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { buildAnnouncements, buildWithdrawals, type SessionFacts } from '../../../src/inject/build';
import { FAULT_NAMES, FAULTS } from '../../../src/inject/faults';
import { replayMessages } from '../../../src/inject/replay';
import { parseSpec, type InjectSpec } from '../../../src/inject/spec';
import { dumpRib } from '../../../src/mrt/dump';
import { Bgp4mpRecorder } from '../../../src/mrt/recorder';

const EXAMPLE = `routes:
  - type: 2
    rd: 10.0.0.9:100
    mac: 02:aa:bb:cc:dd:01
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
    pmsi: { type: ingress-replication, vni: 100, tunnel: 10.0.0.9 }
  - type: 5
    rd: 10.0.0.9:1
    prefix: 10.250.0.0/24
    gateway: 0.0.0.0
    label: 1000
  - type: 1
    rd: 10.0.0.9:1
    esi: 00:11:22:33:44:55:66:77:88:99
    eth-tag: 4294967295
    esi-label: { label: 0, single-active: true }
  - type: 4
    rd: 10.0.0.9:0
    esi: "00:11:22:33:44:55:66:77:88:99"
    originator: 10.0.0.9
    es-import: 11:22:33:44:55:66
withdraw-after-ms: 1500
malformed:
  - { route: 0, fault: ext-community-length }
`;

const IBGP: SessionFacts = { localAs: 65000, peerAs: 65000, defaultNextHop: '10.0.0.1', ctx: { fourOctetAs: true, extendedMessage: false, addPathRx: new Set() } };
const EBGP: SessionFacts = { ...IBGP, peerAs: 65010 };
const DECODE = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set<string>(), ibgp: true };

function spec(text: string): InjectSpec {
  const r = parseSpec(text, 'routes.yaml');
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.config;
}

function update(bytes: Uint8Array, ctx = DECODE): DecodedUpdate {
  const m = decodeMessage(bytes, ctx);
  if (m.type !== MsgType.UPDATE) throw new Error('not an UPDATE');
  return m.update;
}

describe('route file', () => {
  it('reads every route type with its attributes', () => {
    const s = spec(EXAMPLE);
    expect(s.routes.map((r) => r.route.routeType)).toEqual([2, 3, 5, 1, 4]);
    expect(s.routes[0]!.route).toEqual(macIpRoute({ rd: '10.0.0.9:100', mac: '02:aa:bb:cc:dd:01', ip: '10.100.0.77', label1: 100, label2: 1000 }));
    expect(s.routes[0]!.nextHop).toBe('10.0.0.9');
    expect(s.routes[0]!.line).toBe(2);
    expect(s.routes[1]!.route).toEqual(imetRoute({ rd: '10.0.0.9:100', originatorIp: '10.0.0.9' }));
    expect(s.routes[2]!.route).toEqual(ipPrefixRoute({ rd: '10.0.0.9:1', prefix: '10.250.0.0/24', gatewayIp: '0.0.0.0', label: 1000 }));
    expect(s.withdrawAfterMs).toBe(1500);
    expect(s.malformed).toEqual([{ route: 0, fault: 'ext-community-length' }]);
    const ext = s.routes[0]!.attributes.find((a) => a.type === AttrType.EXTENDED_COMMUNITIES);
    expect(ext).toMatchObject({
      communities: [
        { kind: 'route-target', form: 'as2', asn: 65000, local: 100 },
        { kind: 'route-target', form: 'as2', asn: 65000, local: 1000 },
        { kind: 'encapsulation', tunnelType: 8 },
        { kind: 'router-mac', mac: '02:aa:00:00:10:00' },
        { kind: 'mac-mobility', flags: 0, seq: 3 },
      ],
    });
    expect(s.routes[1]!.attributes.find((a) => a.type === AttrType.PMSI_TUNNEL)).toMatchObject({ tunnelType: 6, label: 100, tunnelId: '10.0.0.9' });
  });

  it('reports every problem as FILE:LINE:COL: reason', () => {
    const r = parseSpec(
      `routes:
  - type: 2
    rd: 10.0.0.9:100
    mac: 02:aa:bb:cc:dd
    labels: [100]
    originator: 10.0.0.1
  - type: 7
  - type: 3
    rd: nonsense
    originator: 10.0.0.1
    med: -1
    encap: vxlna
malformed:
  - { route: 9, fault: ext-comunity-length }
bogus: 1
`,
      'r.yaml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(String)).toEqual([
      'r.yaml:4:10: routes[0].mac: expected a MAC address like 02:aa:bb:cc:dd:01, got "02:aa:bb:cc:dd"',
      'r.yaml:6:5: routes[0].originator: not a key of a type-2 route (its keys: rd, mac, ip, labels, label, esi, eth-tag)',
      'r.yaml:7:11: routes[1].type: expected an EVPN route type 1..5, got 7',
      expect.stringMatching(/^r\.yaml:9:9: routes\[2\]\.rd: /),
      'r.yaml:11:10: routes[2].med: expected an integer 0..4294967295, got -1',
      'r.yaml:12:12: routes[2].encap: expected one of vxlan, nvgre, mpls, vxlan-gpe, geneve, none, got "vxlna" (did you mean "vxlan"?)',
      'r.yaml:14:14: malformed[0].route: expected a route index 0..2, got 9',
      expect.stringMatching(/^r\.yaml:14:24: malformed\[0\]\.fault: unknown fault \(did you mean "ext-community-length"\?\)/),
      'r.yaml:15:1: bogus: unknown key; valid keys: routes, withdraw-after-ms, malformed',
    ]);
  });
});

describe('UPDATEs built from a route file', () => {
  it('carry every route with its attributes, our AS prepended for eBGP, LOCAL_PREF 100 for iBGP', () => {
    const s = spec(EXAMPLE.replace(/malformed:[\s\S]*$/, ''));
    for (const facts of [IBGP, EBGP]) {
      const msgs = buildAnnouncements(s, facts);
      const seen = msgs.flatMap((m) => evpnReach(update(m.bytes, { ...DECODE, ibgp: facts === IBGP })).map((n) => n.route));
      expect(seen).toHaveLength(5);
      for (const r of s.routes) expect(seen).toContainEqual(r.route);
      for (const m of msgs) {
        const u = update(m.bytes, { ...DECODE, ibgp: facts === IBGP });
        expect(u.action).toBe(Action.NONE);
        expect(getAttr(u, AttrType.AS_PATH)?.segments).toEqual(facts === EBGP ? [{ type: 2, asns: [65000] }] : []);
        expect(getAttr(u, AttrType.LOCAL_PREF)?.localPref).toBe(facts === IBGP ? 100 : undefined);
      }
    }
    const t2 = update(buildAnnouncements(s, IBGP).find((m) => m.routes.includes(0))!.bytes);
    expect(getAttr(t2, AttrType.MP_REACH_NLRI)?.nextHop).toEqual(['10.0.0.9']);
  });

  it('pack routes that share attributes into one UPDATE, within 4096 octets', () => {
    const lines = ['routes:'];
    for (let i = 0; i < 300; i++) lines.push(`  - { type: 2, rd: "10.0.0.9:100", mac: "02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}", labels: [100] }`);
    const s = spec(lines.join('\n'));
    const msgs = buildAnnouncements(s, IBGP);
    expect(msgs.length).toBeGreaterThan(1);
    expect(msgs.length).toBeLessThan(10);
    for (const m of msgs) expect(m.bytes.length).toBeLessThanOrEqual(4096);
    expect(msgs.flatMap((m) => m.routes).sort((a, b) => a - b)).toEqual([...Array(300).keys()]);
    const w = buildWithdrawals(s, [...Array(300).keys()], IBGP);
    expect(w.flatMap((m) => evpnUnreach(update(m.bytes))).length).toBe(300);
  });

  // The check that matters: our own RFC 7606 decoder assigns each malformed UPDATE the action the fault table promises.
  it.each(FAULT_NAMES)('fault %s makes exactly the promised RFC 7606 case', (fault) => {
    const s = spec(EXAMPLE.replace('ext-community-length', fault));
    const msgs = buildAnnouncements(s, EBGP);
    const bad = msgs.filter((m) => m.fault !== undefined);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.routes).toEqual([0]);
    for (const m of msgs.filter((x) => x.fault === undefined)) expect(update(m.bytes, { ...DECODE, ibgp: false }).action).toBe(Action.NONE);
    const u = update(bad[0]!.bytes, { ...DECODE, ibgp: false });
    const want = FAULTS[fault].action;
    const got = ACTION_NAMES[u.action];
    if (want === 'afi-safi-disable-or-session-reset') expect(['afi-safi-disable', 'session-reset']).toContain(got);
    else expect(got).toBe(want);
    if (want === 'attribute-discard') expect(evpnReach(u)).toHaveLength(1);
  });
});

describe('replay', () => {
  it('sends the routes of a TABLE_DUMP_V2 dump with the best path attributes', () => {
    const attrs: PathAttribute[] = [
      { type: AttrType.ORIGIN, flags: 0x40, origin: 0 },
      { type: AttrType.AS_PATH, flags: 0x40, segments: [{ type: 2 as const, asns: [65001] }] },
      { type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'encapsulation' as const, tunnelType: 8 }] },
    ];
    const r1 = macIpRoute({ rd: '10.0.0.1:1', mac: '02:00:00:00:00:01', label1: 10 });
    const r2 = imetRoute({ rd: '10.0.0.1:1', originatorIp: '10.0.0.1' });
    const file = dumpRib(
      [
        { route: r1, attrs, nextHop: '10.0.0.1', from: '10.0.0.1', best: true },
        { route: r1, attrs, nextHop: '10.0.0.2', from: '10.0.0.2', best: false },
        { route: r2, attrs, nextHop: '10.0.0.1', from: '10.0.0.1', best: true },
      ],
      { collectorBgpId: '10.0.0.254', localAs: 65000, peers: [] },
    );
    const r = replayMessages(file, EBGP, { families: new Set(['25/70']) });
    expect(r.skipped).toEqual([]);
    expect(r.messages).toHaveLength(2);
    const u = update(r.messages[0]!, { ...DECODE, ibgp: false });
    expect(evpnReach(u)).toEqual([{ route: r1 }]);
    expect(getAttr(u, AttrType.MP_REACH_NLRI)?.nextHop).toEqual(['10.0.0.1']);
    expect(getAttr(u, AttrType.AS_PATH)?.segments).toEqual([{ type: 2, asns: [65000, 65001] }]);
  });

  it('sends the received UPDATEs of a BGP4MP dump, not the sent ones, and skips End-of-RIB', () => {
    const s = spec(EXAMPLE.replace(/malformed:[\s\S]*$/, ''));
    const chunks: Uint8Array[] = [];
    const rec = new Bgp4mpRecorder((b) => chunks.push(b));
    const peer = { address: '10.0.0.1', asn: 65000 };
    const local = { address: '10.0.0.2', asn: 65000 };
    const msgs = buildAnnouncements(s, IBGP);
    for (const m of msgs) rec.recordMessage(peer, local, m.bytes);
    rec.recordMessage(peer, local, msgs[0]!.bytes, Date.now(), { sent: true });
    rec.recordMessage(peer, local, Uint8Array.from([...new Uint8Array(16).fill(255), 0, 23, 2, 0, 0, 0, 0]));
    const r = replayMessages(Buffer.concat(chunks), IBGP, { families: new Set(['25/70']) });
    expect(r.records).toBe(msgs.length + 2);
    expect(r.messages.map((m) => Buffer.from(m).toString('hex'))).toEqual(msgs.map((m) => Buffer.from(m.bytes).toString('hex')));
  });
});
