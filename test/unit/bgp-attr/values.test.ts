import { describe, expect, it } from 'vitest';
import { asPathLength, firstAs, formatAsPath, sequence } from '../../../src/bgp/wire/attributes/as-path';
import { formatCommunity, parseCommunity } from '../../../src/bgp/wire/attributes/communities';
import * as attrs from '../../../src/bgp/wire/attributes/index';
import type { UpdateCtx } from '../../../src/bgp/wire/attributes/index';
import { formatLargeCommunity, parseLargeCommunity } from '../../../src/bgp/wire/attributes/large-communities';
import * as ec from '../../../src/bgp/wire/ext-community';
import { AttrType } from '../../../src/bgp/wire/iana';
import * as prefix from '../../../src/bgp/wire/prefix';
import {
  asWithdrawal,
  buildUpdate,
  decode,
  encodeToBytes,
  evpnReach,
  evpnUnreach,
  getAttr,
  nextHopOf,
} from '../../../src/bgp/wire/update';
import { fromHex, toHex } from '../../../src/util/bytes';
import { DecodeError } from '../../../src/util/errors';
import { Reader } from '../../../src/util/reader';

const CTX: UpdateCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set(), ibgp: true };

describe('extended communities', () => {
  const cases: [string, ec.ExtCommunity, string][] = [
    ['RT 2-octet AS', { kind: 'route-target', form: 'as2', asn: 65100, local: 100 }, '0002fe4c00000064'],
    ['RT IPv4', { kind: 'route-target', form: 'ipv4', ip: '10.0.0.1', local: 5 }, '01020a0000010005'],
    ['RT 4-octet AS', { kind: 'route-target', form: 'as4', asn: 4200000000, local: 7 }, '0202fa56ea000007'],
    ['route origin', { kind: 'route-origin', form: 'as2', asn: 65100, local: 1 }, '0003fe4c00000001'],
    ['encapsulation VXLAN (RFC 9012 §4.1)', { kind: 'encapsulation', tunnelType: 8 }, '030c000000000008'],
    ['default gateway (RFC 7432 §7.8)', { kind: 'default-gateway' }, '030d000000000000'],
    ['MAC mobility sticky seq 5 (RFC 7432 §7.7)', { kind: 'mac-mobility', flags: ec.MAC_MOBILITY_STICKY, seq: 5 }, '0600010000000005'],
    ['ESI label single-active (RFC 7432 §7.5)', { kind: 'esi-label', flags: 1, label: 100 }, '0601010000000064'],
    ['ES-import (RFC 7432 §7.6)', { kind: 'es-import', mac: '02:00:00:00:00:01' }, '0602020000000001'],
    ["Router's MAC (RFC 9135)", { kind: 'router-mac', mac: '02:aa:00:00:10:00' }, '060302aa00001000'],
    ['unknown kept raw', { kind: 'raw', raw: fromHex('4300000000000001') }, '4300000000000001'],
  ];

  it.each(cases)('%s encodes and decodes', (_n, value, hex) => {
    expect(toHex(ec.toBytes(value))).toBe(hex);
    expect(ec.decode(new Reader(fromHex(hex)))).toEqual(value);
  });

  it('a known sub-type with non-zero reserved octets stays raw so it round-trips', () => {
    for (const hex of ['030c000100000008', '0600000100000001', '0601000001000064', '030d000000000001']) {
      const v = ec.decode(new Reader(fromHex(hex)));
      expect(v.kind).toBe('raw');
      expect(toHex(ec.toBytes(v))).toBe(hex);
    }
  });

  it('a truncated community is a DecodeError', () => {
    expect(() => ec.decode(new Reader(fromHex('0002fe4c0000')))).toThrow(DecodeError);
  });

  it('route targets parse from text in all three forms and format back', () => {
    expect(ec.parseRouteTarget('65100:100')).toEqual({ form: 'as2', asn: 65100, local: 100 });
    expect(ec.parseRouteTarget('65100:4000000000')).toEqual({ form: 'as2', asn: 65100, local: 4000000000 });
    expect(ec.parseRouteTarget('10.0.0.1:5')).toEqual({ form: 'ipv4', ip: '10.0.0.1', local: 5 });
    expect(ec.parseRouteTarget('4200000000:7')).toEqual({ form: 'as4', asn: 4200000000, local: 7 });
    expect(ec.parseRouteTarget('65100L:100')).toEqual({ form: 'as4', asn: 65100, local: 100 });
    for (const s of ['65100:100', '10.0.0.1:5', '4200000000:7', '65100L:100']) expect(ec.formatRouteTarget(ec.parseRouteTarget(s))).toBe(s);
    for (const bad of ['', '65100', ':1', 'a:1', '10.0.0.1:70000', '4200000000:70000', '5000000000:1', '65100:-1', '1.2.3:4']) {
      expect(() => ec.parseRouteTarget(bad), bad).toThrow(RangeError);
    }
  });

  it('route targets compare by encoding and value', () => {
    expect(ec.routeTargetEquals(ec.parseRouteTarget('65100:100'), ec.parseRouteTarget('65100:100'))).toBe(true);
    expect(ec.routeTargetEquals(ec.parseRouteTarget('65100:100'), ec.parseRouteTarget('65100L:100'))).toBe(false);
    expect(ec.routeTargetEquals(ec.parseRouteTarget('10.0.0.1:1'), ec.parseRouteTarget('10.0.0.2:1'))).toBe(false);
    expect(ec.extCommunityEquals(ec.routeTarget('65100:100'), { kind: 'raw', raw: fromHex('0002fe4c00000064') })).toBe(true);
    expect(ec.routeTargetsOf([ec.routeTarget('65100:1'), { kind: 'encapsulation', tunnelType: 8 }, ec.routeTarget('1.2.3.4:9')])).toEqual([
      '65100:1',
      '1.2.3.4:9',
    ]);
  });

  it('formats for display', () => {
    expect(ec.formatExtCommunity(ec.routeTarget('65100:100'))).toBe('RT:65100:100');
    expect(ec.formatExtCommunity({ kind: 'encapsulation', tunnelType: 8 })).toBe('Encap:tunnel-type-8');
    expect(ec.formatExtCommunity({ kind: 'mac-mobility', flags: 1, seq: 3 })).toBe('MAC-Mobility:seq-3:sticky');
    expect(ec.formatExtCommunity({ kind: 'raw', raw: fromHex('4300000000000001') })).toBe('0x4300000000000001');
  });

  it('encoders reject values that do not fit', () => {
    const buf = new Uint8Array(8);
    expect(() => ec.encode({ kind: 'route-target', form: 'as2', asn: 70000, local: 1 }, buf, 0)).toThrow(RangeError);
    expect(() => ec.encode({ kind: 'route-target', form: 'as4', asn: 70000, local: 70000 }, buf, 0)).toThrow(RangeError);
    expect(() => ec.encode({ kind: 'raw', raw: new Uint8Array(7) }, buf, 0)).toThrow(RangeError);
  });
});

describe('prefixes (RFC 4271 §4.3, RFC 7911)', () => {
  it('encode and decode IPv4 and IPv6, host bits cleared', () => {
    const buf = new Uint8Array(32);
    const end = prefix.encode({ prefix: '10.1.2.3', length: 23 }, buf, 0, false);
    expect(toHex(buf.subarray(0, end))).toBe('170a0102');
    expect(prefix.decode(new Reader(fromHex('170a0103')), 4, false)).toEqual({ prefix: '10.1.2.0', length: 23 });
    expect(prefix.decode(new Reader(fromHex('00')), 4, false)).toEqual({ prefix: '0.0.0.0', length: 0 });
    expect(prefix.decode(new Reader(fromHex('0000000720 0a000001')), 4, true)).toEqual({ prefix: '10.0.0.1', length: 32, pathId: 7 });
    expect(prefix.decode(new Reader(fromHex('40 20010db800010000')), 6, false)).toEqual({ prefix: '2001:db8:1::', length: 64 });
  });
  it('rejects over-long and truncated prefixes', () => {
    expect(() => prefix.decode(new Reader(fromHex('21 0a000000 00')), 4, false)).toThrow(DecodeError);
    expect(() => prefix.decode(new Reader(fromHex('81')), 6, false)).toThrow(DecodeError);
    expect(() => prefix.decode(new Reader(fromHex('18 0a00')), 4, false)).toThrow(DecodeError);
    expect(() => prefix.decode(new Reader(fromHex('000000')), 4, true)).toThrow(DecodeError);
  });
  it('parses and formats text', () => {
    expect(prefix.parsePrefix('10.1.2.3/16')).toEqual({ prefix: '10.1.0.0', length: 16 });
    expect(prefix.formatPrefix(prefix.parsePrefix('2001:db8::1/48', 3))).toBe('2001:db8::/48 path 3');
    expect(() => prefix.parsePrefix('10.0.0.0/33')).toThrow(RangeError);
    expect(() => prefix.encode({ prefix: '10.0.0.0', length: 8 }, new Uint8Array(8), 0, true)).toThrow(RangeError);
  });
});

describe('attribute helpers', () => {
  it('communities: well-known names and AS:value', () => {
    expect(formatCommunity(0xffffff01)).toBe('no-export');
    expect(formatCommunity(parseCommunity('65100:100'))).toBe('65100:100');
    expect(parseCommunity('NO-ADVERTISE')).toBe(0xffffff02);
    expect(parseCommunity('blackhole')).toBe(0xffff029a);
    expect(() => parseCommunity('70000:1')).toThrow(RangeError);
  });
  it('large communities', () => {
    expect(formatLargeCommunity(parseLargeCommunity('4200000000:1:2'))).toBe('4200000000:1:2');
    expect(() => parseLargeCommunity('1:2')).toThrow(RangeError);
  });
  it('AS path length, text and first AS', () => {
    const segs = [...sequence([65100, 65200]), { type: 1, asns: [1, 2, 3] }, { type: 3, asns: [64512] }];
    expect(asPathLength(segs)).toBe(3);
    expect(formatAsPath(segs)).toBe('65100 65200 {1 2 3} (64512)');
    expect(firstAs(segs)).toBe(65100);
    expect(sequence(Array.from({ length: 300 }, (_, i) => i + 1)).map((s) => s.asns.length)).toEqual([255, 45]);
  });
  it('encoder keeps the Extended Length bit as given and adds it when the value needs it', () => {
    const short = attrs.encodeAttribute({ type: 99, flags: 0xd0, raw: fromHex('01') }, new Uint8Array(8), 0, CTX);
    expect(short).toBe(5);
    const buf = new Uint8Array(400);
    const end = attrs.encodeAttribute({ type: 99, flags: 0xc0, raw: new Uint8Array(300) }, buf, 0, CTX);
    expect(end).toBe(304);
    expect(toHex(buf.subarray(0, 4))).toBe('d063012c');
  });
  it('encoders reject values that cannot be encoded', () => {
    const buf = new Uint8Array(64);
    expect(() => attrs.encode([{ type: AttrType.ORIGIN, flags: 0x40, origin: 7 as 0 }], buf, 0, CTX)).toThrow(RangeError);
    expect(() => attrs.encode([{ type: AttrType.AS_PATH, flags: 0x40, segments: [{ type: 2, asns: [70000] }] }], buf, 0, { ...CTX, fourOctetAs: false })).toThrow(RangeError);
    expect(() => attrs.encode([{ type: AttrType.AS_PATH, flags: 0x40, segments: [{ type: 2, asns: [] }] }], buf, 0, CTX)).toThrow(RangeError);
    expect(() =>
      attrs.encode([{ type: AttrType.MP_REACH_NLRI, flags: 0x80, afi: 25, safi: 70, nextHop: ['10.0.0.1'], reserved: 0, nlri: { kind: 'prefix', prefixes: [] } }], buf, 0, CTX),
    ).toThrow(RangeError);
  });
});

describe('UPDATE building and accessors', () => {
  const imet = { route: { routeType: 3, rd: { type: 1, admin: '10.98.0.1', assigned: 2 }, ethTag: 0, originatorIp: '10.98.0.1' } } as const;

  it('buildUpdate puts MP_REACH first, then type order, and fills in flags', () => {
    const u = buildUpdate({
      attributes: [
        { type: AttrType.EXTENDED_COMMUNITIES, communities: [ec.routeTarget('65100:100'), { kind: 'encapsulation', tunnelType: 8 }] },
        { type: AttrType.PMSI_TUNNEL, tunnelFlags: 0, tunnelType: 6, label: 100, tunnelId: '10.98.0.1' },
        { type: AttrType.LOCAL_PREF, localPref: 100 },
        { type: AttrType.AS_PATH, segments: [] },
        { type: AttrType.ORIGIN, origin: 0 },
        { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: ['10.98.0.1'], reserved: 0, nlri: { kind: 'evpn', routes: [imet] } },
      ],
    });
    expect(u.attributes.map((a) => [a.type, a.flags])).toEqual([
      [14, 0x80],
      [1, 0x40],
      [2, 0x40],
      [5, 0x40],
      [16, 0xc0],
      [22, 0xc0],
    ]);
    const back = decode(new Reader(encodeToBytes(u, CTX)), CTX);
    expect(back.faults).toEqual([]);
    expect(back.attributes).toEqual(u.attributes);
    expect(evpnReach(back)).toEqual([imet]);
    expect(nextHopOf(back)).toBe('10.98.0.1');
    expect(getAttr(back, AttrType.PMSI_TUNNEL)?.label).toBe(100);
    expect(() => buildUpdate({ attributes: [{ type: AttrType.ORIGIN, origin: 0 }, { type: AttrType.ORIGIN, origin: 1 }] })).toThrow(RangeError);
  });

  it('asWithdrawal turns every announced route into a withdrawal', () => {
    const u = buildUpdate({
      attributes: [
        { type: AttrType.ORIGIN, origin: 0 },
        { type: AttrType.AS_PATH, segments: [] },
        { type: AttrType.NEXT_HOP, nextHop: '10.0.0.1' },
        { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: ['10.98.0.1'], reserved: 0, nlri: { kind: 'evpn', routes: [imet] } },
      ],
      nlri: [prefix.parsePrefix('10.9.0.0/16')],
      withdrawn: [prefix.parsePrefix('10.8.0.0/16')],
    });
    const w = asWithdrawal(u);
    expect(w.nlri).toEqual([]);
    expect(w.withdrawn.map(prefix.formatPrefix)).toEqual(['10.8.0.0/16', '10.9.0.0/16']);
    expect(evpnUnreach(w)).toEqual([imet]);
    expect(w.attributes.map((a) => a.type)).toEqual([AttrType.MP_UNREACH_NLRI]);
  });

  it('an UPDATE over the message limit is refused', () => {
    const big = buildUpdate({ attributes: [{ type: 99, flags: 0xc0, raw: new Uint8Array(5000) }] });
    expect(() => encodeToBytes(big, CTX)).toThrow(RangeError);
    expect(encodeToBytes(big, { ...CTX, extendedMessage: true }).length).toBe(19 + 4 + 4 + 5000);
  });
});
