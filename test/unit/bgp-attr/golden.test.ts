import { describe, expect, it } from 'vitest';
import type { UpdateCtx } from '../../../src/bgp/wire/attributes/index';
import { Action } from '../../../src/bgp/wire/errors';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import {
  buildEndOfRib,
  decode,
  encode,
  encodeToBytes,
  encodingLength,
  evpnReach,
  getAttr,
  getMpReach,
  isEndOfRib,
  nextHopOf,
} from '../../../src/bgp/wire/update';
import { extCommunityKey, routeTarget } from '../../../src/bgp/wire/ext-community';
import { toHex } from '../../../src/util/bytes';
import { Reader } from '../../../src/util/reader';
import { LISTING } from './listing';
import { summarize } from './summary';
import { readPcapBgp, type CapturedMessage } from './support';

/*
 * Golden tests against the two shared captures: every UPDATE decodes to what
 * the README's independent decoder lists, without faults, and re-encodes to
 * the captured octets.
 */

// FRR ↔ FRR: iBGP; both sides advertise 4-octet AS and extended messages; nobody sends ADD-PATH ids.
const IBGP: UpdateCtx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set(), ibgp: true };
// GoBGP ↔ FRR: eBGP; GoBGP does not advertise extended messages.
const EBGP: UpdateCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set(), ibgp: false };

const FILES: [string, UpdateCtx][] = [
  ['frr-frr-ibgp-evpn.pcap', IBGP],
  ['gobgp-frr-ebgp-evpn.pcap', EBGP],
];

function updates(file: string): CapturedMessage[] {
  return readPcapBgp(file).filter((m) => m.type === MsgType.UPDATE);
}

describe.each(FILES)('%s', (file, ctx) => {
  const msgs = updates(file);
  const listed = LISTING[file]!;

  it('holds as many UPDATEs per direction as the README lists', () => {
    expect(msgs.length).toBe(listed.length);
    const dirs = (xs: { dir: string }[]): Record<string, number> =>
      xs.reduce<Record<string, number>>((acc, x) => ((acc[x.dir] = (acc[x.dir] ?? 0) + 1), acc), {});
    expect(dirs(msgs.map((m) => ({ dir: `${m.src} -> ${m.dst}` })))).toEqual(dirs(listed));
  });

  it('decodes every UPDATE to the listed attributes and NLRI, in order, without faults', () => {
    for (const dir of new Set(listed.map((l) => l.dir))) {
      const got = msgs
        .filter((m) => `${m.src} -> ${m.dst}` === dir)
        .map((m) => {
          const u = decode(new Reader(m.bytes), ctx);
          expect(u.faults).toEqual([]);
          expect(u.action).toBe(Action.NONE);
          return summarize(u);
        });
      const want = listed.filter((l) => l.dir === dir).map(({ line, nlri }) => ({ line, nlri }));
      expect(got).toEqual(want);
    }
  });

  it('re-encodes every UPDATE byte for byte, also at an offset', () => {
    for (const m of msgs) {
      const u = decode(new Reader(m.bytes), ctx);
      expect(encodingLength(u, ctx)).toBe(m.bytes.length);
      expect(toHex(encodeToBytes(u, ctx))).toBe(toHex(m.bytes));
      const buf = new Uint8Array(m.bytes.length + 7);
      expect(encode(u, buf, 5, ctx)).toBe(5 + m.bytes.length);
      expect(toHex(buf.subarray(5, 5 + m.bytes.length))).toBe(toHex(m.bytes));
    }
  });

  it('does not mutate its input and keeps no views into it', () => {
    for (const m of msgs) {
      const copy = m.bytes.slice();
      const u = decode(new Reader(copy), ctx);
      expect(copy).toEqual(m.bytes);
      copy.fill(0);
      expect(toHex(encodeToBytes(u, ctx))).toBe(toHex(m.bytes));
    }
  });

  it('End-of-RIB messages are recognised and rebuilt byte for byte', () => {
    let n = 0;
    for (const m of msgs) {
      const u = decode(new Reader(m.bytes), ctx);
      const eor = isEndOfRib(u);
      if (!eor) continue;
      n++;
      expect(eor).toEqual({ afi: 25, safi: 70 });
      expect(toHex(encodeToBytes(buildEndOfRib(25, 70), ctx))).toBe(toHex(m.bytes));
    }
    expect(n).toBe(file.startsWith('frr-frr') ? 2 : 0);
  });
});

describe('typed values from the captures', () => {
  const frr = updates('frr-frr-ibgp-evpn.pcap').map((m) => ({ m, u: decode(new Reader(m.bytes), IBGP) }));
  const gobgp = updates('gobgp-frr-ebgp-evpn.pcap').map((m) => ({ m, u: decode(new Reader(m.bytes), EBGP) }));

  it('FRR: MP_REACH first with the Extended Length bit set although short, flags kept as received', () => {
    const { u } = frr[0]!;
    expect(u.attributes.map((a) => a.type)).toEqual([
      AttrType.MP_REACH_NLRI,
      AttrType.ORIGIN,
      AttrType.AS_PATH,
      AttrType.MULTI_EXIT_DISC,
      AttrType.LOCAL_PREF,
      AttrType.EXTENDED_COMMUNITIES,
    ]);
    const mp = getMpReach(u)!;
    expect(mp.flags & 0x10).toBe(0x10);
    expect(mp.flags & 0xc0).toBe(0x80);
    expect(mp.reserved).toBe(0);
    expect(getAttr(u, AttrType.ORIGIN)?.origin).toBe(0);
    expect(getAttr(u, AttrType.AS_PATH)?.segments).toEqual([]);
    expect(getAttr(u, AttrType.MULTI_EXIT_DISC)?.med).toBe(0);
    expect(getAttr(u, AttrType.LOCAL_PREF)?.localPref).toBe(100);
    expect(nextHopOf(u)).toBe('10.98.0.1');
    expect(getAttr(u, AttrType.EXTENDED_COMMUNITIES)?.communities).toEqual([
      { kind: 'encapsulation', tunnelType: 8 },
      { kind: 'route-target', form: 'as2', asn: 65100, local: 1000 },
      { kind: 'router-mac', mac: '02:aa:00:00:10:00' },
    ]);
  });

  it('FRR: the IMET route carries PMSI ingress replication with the VNI as label', () => {
    const { u } = frr[1]!;
    expect(getAttr(u, AttrType.PMSI_TUNNEL)).toMatchObject({ tunnelFlags: 0, tunnelType: 6, label: 100, tunnelId: '10.98.0.1' });
    expect(evpnReach(u).map((n) => n.route.routeType)).toEqual([3]);
    const rt = getAttr(u, AttrType.EXTENDED_COMMUNITIES)!.communities.find((c) => c.kind === 'route-target')!;
    expect(extCommunityKey(rt)).toBe(extCommunityKey(routeTarget('65100:100')));
  });

  it('FRR MAC+IP route: label2 = L3VNI, RTs of L2 and L3 VNI, Router-MAC', () => {
    const hit = frr.find(({ u }) => evpnReach(u).some((n) => n.route.routeType === 2 && 'ip' in n.route && n.route.ip === '10.100.0.11'))!;
    const route = evpnReach(hit.u)[0]!.route;
    expect(route).toMatchObject({ routeType: 2, mac: '02:cc:00:00:00:11', ip: '10.100.0.11', label1: 100, label2: 1000 });
    expect(getAttr(hit.u, AttrType.EXTENDED_COMMUNITIES)!.communities.map((c) => c.kind)).toEqual([
      'encapsulation',
      'route-target',
      'route-target',
      'router-mac',
    ]);
  });

  it('GoBGP: ORIGIN and AS_PATH precede MP_REACH, AS_PATH [65200], eBGP has no LOCAL_PREF', () => {
    const fromGobgp = gobgp.filter(({ m }) => m.src === '10.97.0.2');
    expect(fromGobgp).toHaveLength(4);
    for (const { u } of fromGobgp) {
      expect(u.attributes.slice(0, 3).map((a) => a.type)).toEqual([AttrType.ORIGIN, AttrType.AS_PATH, AttrType.MP_REACH_NLRI]);
      expect(getAttr(u, AttrType.ORIGIN)?.origin).toBe(2);
      expect(getAttr(u, AttrType.AS_PATH)?.segments).toEqual([{ type: 2, asns: [65200] }]);
      expect(getAttr(u, AttrType.LOCAL_PREF)).toBeUndefined();
      expect(nextHopOf(u)).toBe('10.97.0.2');
    }
  });

  it('FRR echoes GoBGP routes with AS_PATH [65100 65200]: decodes cleanly (loop detection is the RIB`s job)', () => {
    const echo = gobgp.filter(({ u }) => getAttr(u, AttrType.AS_PATH)?.segments[0]?.asns.length === 2);
    expect(echo).toHaveLength(3);
    for (const { u } of echo) {
      expect(u.action).toBe(Action.NONE);
      expect(getAttr(u, AttrType.AS_PATH)!.segments[0]!.asns).toEqual([65100, 65200]);
    }
  });
});
