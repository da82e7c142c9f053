import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { decodeMessage } from '../../../src/bgp/wire/message';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { encodeToBytes, evpnReach } from '../../../src/bgp/wire/update';
import { imetRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { Bgp4mpSubtype, MrtType, TableDumpV2Subtype, recordTypeName } from '../../../src/mrt/constants';
import { dumpRecords, dumpRib, encodeRecords } from '../../../src/mrt/dump';
import * as header from '../../../src/mrt/header';
import { bgpMessageOf, readRecords } from '../../../src/mrt/reader';
import * as record from '../../../src/mrt/record';
import type { MrtRecord } from '../../../src/mrt/record';
import { Bgp4mpRecorder, MrtFileWriter } from '../../../src/mrt/recorder';
import { Rib } from '../../../src/rib/rib';
import { fromHex, toHex } from '../../../src/util/bytes';
import { DecodeError } from '../../../src/util/errors';
import { Reader } from '../../../src/util/reader';
import { capturedMessages, FUZZ_RUNS } from '../bgp-msg/support';
import * as arb from '../evpn/arbitraries';
import { announce, LOCAL, peer, roundTrip, type2, type3 } from '../rib/support';

const decodeAll = (b: Uint8Array): MrtRecord[] =>
  [...readRecords(b)].map((i) => {
    if ('error' in i) throw i.error;
    return i.record;
  });

const roundTripRecord = (rec: MrtRecord): MrtRecord => record.decode(new Reader(record.encodeToBytes(rec)));

// ------------------------------------------------------------------ golden bytes, laid out by hand from RFC 6396

describe('golden records (RFC 6396 layouts)', () => {
  it('BGP4MP_ET STATE_CHANGE_AS4 (§3, §4.4.2): Length counts the microsecond field', () => {
    const bytes = fromHex(
      '6553f100 0011 0005 0000001c 0001e240' + // ts 1700000000, type 17, subtype 5, length 28, 123456 µs
        '0000fde9 0000fde8 0000 0001 0a000001 0a0000fe 0005 0006', // AS 65001 → 65000, ifindex 0, IPv4, OpenConfirm → Established
    );
    const rec = record.decode(new Reader(bytes));
    expect(rec).toEqual({
      timestamp: 1700000000,
      microseconds: 123456,
      type: MrtType.BGP4MP_ET,
      subtype: Bgp4mpSubtype.STATE_CHANGE_AS4,
      body: { kind: 'bgp4mp-state-change', change: { peerAs: 65001, localAs: 65000, ifIndex: 0, peerIp: '10.0.0.1', localIp: '10.0.0.254', oldState: 5, newState: 6 } },
    });
    expect(toHex(record.encodeToBytes(rec))).toBe(toHex(bytes));
    expect(recordTypeName(rec.type, rec.subtype)).toBe('BGP4MP_ET/STATE_CHANGE_AS4');
  });

  it('PEER_INDEX_TABLE (§4.3.1): peer type bits for IPv6 and 4-octet AS', () => {
    const body =
      '0a0000fe 0004 6576706e 0002' + // collector 10.0.0.254, view "evpn", 2 peers
      '02 0a000001 0a000001 0000fde9' + // AS4, IPv4 10.0.0.1, AS 65001
      '01 0a000002 20010db8000000000000000000000002 fde8'; // IPv6 2001:db8::2, 2-octet AS 65000
    const bytes = fromHex(`6553f100 000d 0001 ${(fromHex(body).length).toString(16).padStart(8, '0')} ${body}`);
    const rec = record.decode(new Reader(bytes));
    expect(rec.body).toEqual({
      kind: 'peer-index-table',
      table: {
        collectorBgpId: '10.0.0.254',
        viewName: 'evpn',
        peers: [
          { bgpId: '10.0.0.1', address: '10.0.0.1', asn: 65001, as4: true },
          { bgpId: '10.0.0.2', address: '2001:db8::2', asn: 65000, as4: false },
        ],
      },
    });
    expect(toHex(record.encodeToBytes(rec))).toBe(toHex(bytes));
  });

  it('RIB_GENERIC for EVPN (§4.3.3, §4.3.4): one NLRI, abbreviated MP_REACH_NLRI, 4-octet AS_PATH', () => {
    const attrs =
      '40 01 01 00' + // ORIGIN IGP
      '40 02 06 02 01 0000fde9' + // AS_PATH: AS_SEQUENCE [65001], 4-octet
      '80 0e 05 04 0a000001' + // MP_REACH_NLRI abbreviated: next hop length 4, 10.0.0.1
      'c0 16 09 00 06 000064 0a000001'; // PMSI: ingress replication, label (VNI) 100, 10.0.0.1
    const body =
      '00000007 0019 46' + // sequence 7, AFI 25, SAFI 70
      '03 11 0001 0a000001 0064 00000000 20 0a000001' + // type 3: RD 10.0.0.1:100, tag 0, 10.0.0.1
      '0001 0000 6553f100' + // one entry: peer 0, originated 1700000000
      `${(fromHex(attrs).length).toString(16).padStart(4, '0')} ${attrs}`;
    const bytes = fromHex(`6553f100 000d 0006 ${(fromHex(body).length).toString(16).padStart(8, '0')} ${body}`);
    const rec = record.decode(new Reader(bytes));
    expect(rec.body.kind).toBe('rib');
    if (rec.body.kind !== 'rib') return;
    const rib = rec.body.rib;
    expect(rib).toMatchObject({ subtype: 6, sequence: 7, afi: 25, safi: 70, nlri: { kind: 'evpn', route: imetRoute({ rd: '10.0.0.1:100', originatorIp: '10.0.0.1' }) } });
    expect(rib.entries).toHaveLength(1);
    const e = rib.entries[0]!;
    expect(e.faults).toBeUndefined();
    expect(e.attributes).toEqual([
      { type: AttrType.ORIGIN, flags: 0x40, origin: 0 },
      { type: AttrType.AS_PATH, flags: 0x40, segments: [{ type: 2, asns: [65001] }] },
      { type: AttrType.MP_REACH_NLRI, flags: 0x80, afi: 25, safi: 70, nextHop: ['10.0.0.1'], reserved: 0, nlri: { kind: 'evpn', routes: [] } },
      { type: AttrType.PMSI_TUNNEL, flags: 0xc0, tunnelFlags: 0, tunnelType: 6, label: 100, tunnelId: '10.0.0.1' },
    ]);
    expect(toHex(record.encodeToBytes(rec))).toBe(toHex(bytes));
  });

  it('RIB_IPV4_UNICAST_ADDPATH (RFC 8050 §4.1): the path identifier sits in the entry', () => {
    const attrs = '40 01 01 02 40 02 00 40 03 04 c0000201';
    const body = `00000001 18 c00002 0001 0003 00000000 0000002a ${(fromHex(attrs).length).toString(16).padStart(4, '0')} ${attrs}`;
    const bytes = fromHex(`00000000 000d 0008 ${(fromHex(body).length).toString(16).padStart(8, '0')} ${body}`);
    const rec = record.decode(new Reader(bytes));
    expect(rec.body).toMatchObject({ kind: 'rib', rib: { afi: 1, safi: 1, nlri: { kind: 'prefix', prefix: { prefix: '192.0.2.0', length: 24 } } } });
    if (rec.body.kind === 'rib') expect(rec.body.rib.entries[0]).toMatchObject({ peerIndex: 3, pathId: 42 });
    expect(toHex(record.encodeToBytes(rec))).toBe(toHex(bytes));
  });

  it('reads the full RFC 4760 MP_REACH_NLRI some writers put in RIB entries, keeping only the next hop', () => {
    // AFI 25, SAFI 70, next hop 4 octets, reserved, then an NLRI that duplicates the record's.
    const nlri = '03 11 0001 0a000001 0064 00000000 20 0a000001';
    const mp = `0019 46 04 0a000009 00 ${nlri}`;
    const attrs = `40 01 01 00 40 02 00 80 0e ${(fromHex(mp).length).toString(16).padStart(2, '0')} ${mp}`;
    const body = `00000000 0019 46 ${nlri} 0001 0000 00000000 ${(fromHex(attrs).length).toString(16).padStart(4, '0')} ${attrs}`;
    const bytes = fromHex(`00000000 000d 0006 ${(fromHex(body).length).toString(16).padStart(8, '0')} ${body}`);
    const rec = record.decode(new Reader(bytes));
    if (rec.body.kind !== 'rib') throw new Error('not a RIB record');
    expect(rec.body.rib.entries[0]!.attributes[2]).toMatchObject({ type: 14, nextHop: ['10.0.0.9'], nlri: { kind: 'evpn', routes: [] } });
  });

  it('keeps an attribute the UPDATE codecs reject as raw octets, with the reason', () => {
    const attrs = '40 01 01 00 c0 10 03 000102'; // EXTENDED_COMMUNITIES of 3 octets (RFC 7606 §7.14)
    const body = `00000000 18 c00002 0001 0000 00000000 ${(fromHex(attrs).length).toString(16).padStart(4, '0')} ${attrs}`;
    const bytes = fromHex(`00000000 000d 0002 ${(fromHex(body).length).toString(16).padStart(8, '0')} ${body}`);
    const rec = record.decode(new Reader(bytes));
    if (rec.body.kind !== 'rib') throw new Error('not a RIB record');
    const e = rec.body.rib.entries[0]!;
    expect(e.attributes[1]).toEqual({ type: 16, flags: 0xc0, raw: fromHex('000102') });
    expect(e.faults?.[0]).toMatch(/EXTENDED_COMMUNITIES length 3/);
    expect(toHex(record.encodeToBytes(rec))).toBe(toHex(bytes));
  });

  it('rejects what cannot be framed: short ET length, trailing octets, bad address family, bad UTF-8 view name', () => {
    const bad = [
      '00000000 0011 0001 00000002 0000',
      '00000000 0010 0000 00000015 fde9 fde8 0000 0001 0a000001 0a0000fe 0005 0006 00',
      '00000000 0010 0000 00000014 fde9 fde8 0000 0003 0a000001 0a0000fe 0005 0006',
      '00000000 000d 0001 0000000a 0a0000fe 0002 c328 0000',
    ];
    for (const h of bad) expect(() => record.decode(new Reader(fromHex(h)))).toThrow(DecodeError);
  });

  it('keeps records of other types as raw octets and writes them back unchanged', () => {
    const bytes = fromHex('00000001 000c 0001 00000003 aabbcc');
    const rec = record.decode(new Reader(bytes));
    expect(rec.body).toEqual({ kind: 'raw', raw: fromHex('aabbcc') });
    expect(toHex(record.encodeToBytes(rec))).toBe(toHex(bytes));
  });
});

// ------------------------------------------------------------------ property tests

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asn = fc.integer({ min: 1, max: 0xffffffff });
const family = fc.oneof(
  fc.tuple(arb.ipv4, arb.ipv4),
  fc.tuple(arb.ipv6, arb.ipv6),
);

const attributes: fc.Arbitrary<PathAttribute[]> = fc
  .record({
    origin: fc.integer({ min: 0, max: 2 }),
    asns: fc.array(asn, { maxLength: 5 }),
    nextHop: fc.option(fc.oneof(arb.ipv4, arb.ipv6), { nil: undefined }),
    localPref: fc.option(u32, { nil: undefined }),
    rts: fc.array(fc.tuple(u16, u32), { maxLength: 3 }),
  })
  .map((o) => {
    const list: PathAttribute[] = [];
    if (o.nextHop !== undefined) {
      list.push({ type: AttrType.MP_REACH_NLRI, flags: 0x80, afi: 25, safi: 70, nextHop: [o.nextHop], reserved: 0, nlri: { kind: 'evpn', routes: [] } });
    }
    list.push({ type: AttrType.ORIGIN, flags: 0x40, origin: o.origin });
    list.push({ type: AttrType.AS_PATH, flags: 0x40, segments: o.asns.length ? [{ type: 2, asns: o.asns }] : [] });
    if (o.localPref !== undefined) list.push({ type: AttrType.LOCAL_PREF, flags: 0x40, localPref: o.localPref });
    if (o.rts.length) {
      list.push({ type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: o.rts.map(([a, l]) => ({ kind: 'route-target' as const, form: 'as2' as const, asn: a, local: l })) });
    }
    return list;
  });

const ts = fc.record({ timestamp: u32, et: fc.boolean(), microseconds: fc.integer({ min: 0, max: 999_999 }) });

const ribRecord: fc.Arbitrary<MrtRecord> = fc
  .record({
    t: ts,
    addPath: fc.boolean(),
    sequence: u32,
    route: arb.route,
    entries: fc.array(fc.record({ peerIndex: u16, originatedTime: u32, pathId: u32, attributes }), { maxLength: 4 }),
  })
  .map(({ t, addPath, sequence, route, entries }) => {
    const subtype = addPath ? TableDumpV2Subtype.RIB_GENERIC_ADDPATH : TableDumpV2Subtype.RIB_GENERIC;
    return {
      timestamp: t.timestamp,
      type: MrtType.TABLE_DUMP_V2,
      subtype,
      body: {
        kind: 'rib' as const,
        rib: {
          subtype,
          sequence,
          afi: 25,
          safi: 70,
          nlri: { kind: 'evpn' as const, route },
          entries: entries.map((e) => (addPath ? e : { peerIndex: e.peerIndex, originatedTime: e.originatedTime, attributes: e.attributes })),
        },
      },
    };
  });

const peerTable: fc.Arbitrary<MrtRecord> = fc
  .record({
    t: ts,
    collector: arb.ipv4,
    viewName: fc.string({ maxLength: 20 }),
    peers: fc.array(fc.record({ bgpId: arb.ipv4, address: fc.oneof(arb.ipv4, arb.ipv6), as4: fc.boolean(), asn: u32 }), { maxLength: 6 }),
  })
  .map(({ t, collector, viewName, peers }) => ({
    timestamp: t.timestamp,
    type: MrtType.TABLE_DUMP_V2,
    subtype: TableDumpV2Subtype.PEER_INDEX_TABLE,
    body: {
      kind: 'peer-index-table' as const,
      table: { collectorBgpId: collector, viewName, peers: peers.map((p) => ({ ...p, asn: p.as4 ? p.asn : p.asn & 0xffff })) },
    },
  }));

const captured = capturedMessages().filter((m) => m.type === MsgType.UPDATE);

const bgp4mp: fc.Arbitrary<MrtRecord> = fc
  .record({
    t: ts,
    sub: fc.constantFrom<number>(0, 1, 4, 5, 6, 7, 8, 9, 10, 11),
    ips: family,
    peerAs: u32,
    localAs: u32,
    ifIndex: u16,
    msg: fc.constantFrom(...captured.map((m) => m.bytes)),
    states: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
  })
  .map(({ t, sub, ips, peerAs, localAs, ifIndex, msg, states }) => {
    const as4 = [4, 5, 7, 9, 11].includes(sub);
    const p = { peerAs: as4 ? peerAs : peerAs & 0xffff, localAs: as4 ? localAs : localAs & 0xffff, ifIndex, peerIp: ips[0], localIp: ips[1] };
    const body: MrtRecord['body'] =
      sub === 0 || sub === 5 ? { kind: 'bgp4mp-state-change', change: { ...p, oldState: states[0], newState: states[1] } } : { kind: 'bgp4mp-message', message: { ...p, message: msg } };
    const rec: MrtRecord = { timestamp: t.timestamp, type: t.et ? MrtType.BGP4MP_ET : MrtType.BGP4MP, subtype: sub, body };
    if (t.et) rec.microseconds = t.microseconds;
    return rec;
  });

const anyRecord = fc.oneof(ribRecord, peerTable, bgp4mp);

describe('round trips', () => {
  it('every record kind encodes and decodes to itself', () => {
    fc.assert(
      fc.property(anyRecord, (rec) => {
        expect(roundTripRecord(rec)).toEqual(rec);
      }),
      { numRuns: 2000 },
    );
  });

  it('header: encodingLength is what encode writes', () => {
    fc.assert(
      fc.property(ts, u16, u16, fc.integer({ min: 0, max: 1 << 20 }), (t, type, subtype, bodyLength) => {
        const h: header.MrtHeader = { timestamp: t.timestamp, type, subtype, bodyLength };
        if ([17, 33, 49].includes(type)) h.microseconds = t.microseconds;
        const buf = new Uint8Array(header.encodingLength(h));
        expect(header.encode(h, buf, 0)).toBe(buf.length);
        expect(header.decode(new Reader(buf))).toEqual(h);
      }),
      { numRuns: 1000 },
    );
  });

  it('every captured UPDATE survives a BGP4MP record and decodes like the original', () => {
    expect(captured.length).toBeGreaterThan(10);
    const chunks: Uint8Array[] = [];
    const rec = new Bgp4mpRecorder((b) => chunks.push(b), { extendedTimestamp: true });
    for (const m of captured) rec.recordMessage({ address: m.src, asn: 65001 }, { address: m.dst, asn: 65002 }, m.bytes, 1700000000000.5);
    const file = Buffer.concat(chunks);
    const recs = decodeAll(file);
    expect(recs).toHaveLength(captured.length);
    const ctx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: false };
    recs.forEach((r, i) => {
      expect(r).toMatchObject({ type: MrtType.BGP4MP_ET, subtype: Bgp4mpSubtype.MESSAGE_AS4, timestamp: 1700000000, microseconds: 500 });
      if (r.body.kind !== 'bgp4mp-message') throw new Error('not a message');
      expect(bgpMessageOf(r.body.message, r.subtype)).toEqual(decodeMessage(captured[i]!.bytes, ctx));
    });
  });

  it('every captured EVPN route and its attributes survive a RIB_GENERIC record', () => {
    const ctx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: true };
    let n = 0;
    for (const m of captured) {
      const u = decodeMessage(m.bytes, ctx);
      if (u.type !== MsgType.UPDATE) continue;
      for (const { route } of evpnReach(u.update)) {
        const attrs = u.update.attributes.map((a) => (a.type === AttrType.MP_REACH_NLRI && 'nlri' in a ? { ...a, reserved: 0, nlri: { kind: 'evpn' as const, routes: [] } } : a));
        const rec: MrtRecord = {
          timestamp: 1,
          type: MrtType.TABLE_DUMP_V2,
          subtype: 6,
          body: { kind: 'rib', rib: { subtype: 6, sequence: n++, afi: 25, safi: 70, nlri: { kind: 'evpn', route }, entries: [{ peerIndex: 0, originatedTime: 1, attributes: attrs }] } },
        };
        expect(roundTripRecord(rec)).toEqual(rec);
      }
    }
    expect(n).toBeGreaterThan(5);
  });
});

// ------------------------------------------------------------------ fuzz

describe('malformed input gives a value or a DecodeError, nothing else', () => {
  const files = fc.sample(fc.array(anyRecord, { minLength: 1, maxLength: 4 }), { numRuns: 200, seed: 42 }).map(encodeRecords);

  const check = (b: Uint8Array): void => {
    try {
      record.decode(new Reader(b));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    for (const item of readRecords(b)) if ('error' in item) expect(item.error).toBeInstanceOf(DecodeError);
  };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => check(b)), { numRuns: Math.ceil(FUZZ_RUNS / 4) });
  });

  it('mutated valid files (seeded with captured UPDATEs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (f, muts, cut) => {
        const b = f.slice(0, f.length - (cut % 8));
        for (const [at, v] of muts) b[at % b.length] = v;
        check(b);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

// ------------------------------------------------------------------ dump, recorder, reader

describe('dumping a RIB', () => {
  it('writes one RIB_GENERIC record per key with every path, best first, next hop in the abbreviated MP_REACH_NLRI', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1'));
    rib.peerUp(peer('10.0.0.2', { asn: 65200, ibgp: false }));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1), type2(2), type3('10.99.0.1')], { nextHop: '10.99.0.1', localPref: 200 })));
    rib.applyUpdate('10.0.0.2', roundTrip(announce([type2(1)], { nextHop: '10.99.0.2', asPath: [65200] }), false));
    rib.originate(macIpRoute({ rd: '10.0.0.100:1', mac: '02:00:00:00:99:99', label1: 100 }), []);
    rib.flush();

    const peers = [
      { id: '10.0.0.1', address: '10.0.0.1', asn: 65100, bgpId: '10.0.0.1' },
      { id: '10.0.0.2', address: '10.0.0.2', asn: 65200, bgpId: '10.0.0.2' },
    ];
    const file = dumpRib(rib.routes(), { collectorBgpId: LOCAL.routerId, localAs: LOCAL.asn, peers, timestamp: 1700000000, viewName: 'evpn' });
    const recs = decodeAll(file);
    expect(recs[0]!.body).toMatchObject({
      kind: 'peer-index-table',
      table: {
        collectorBgpId: '10.0.0.100',
        viewName: 'evpn',
        peers: [
          { address: '10.0.0.1', asn: 65100 },
          { address: '10.0.0.2', asn: 65200 },
          { address: '10.0.0.100', asn: 65100 },
        ],
      },
    });
    const ribs = recs.slice(1).map((r) => (r.body.kind === 'rib' ? r.body.rib : null)!);
    expect(ribs.map((r) => r.sequence)).toEqual([0, 1, 2, 3]);
    const mac1 = (type2(1) as { mac: string }).mac;
    const shared = ribs.find((r) => r.nlri.kind === 'evpn' && 'mac' in r.nlri.route && r.nlri.route.mac === mac1)!;
    expect(shared.entries).toHaveLength(2);
    // Local preference 200 beats the eBGP path: it is listed first.
    expect(shared.entries.map((e) => e.peerIndex)).toEqual([0, 1]);
    const nh = (e: (typeof shared.entries)[number]): unknown => e.attributes.find((a) => a.type === AttrType.MP_REACH_NLRI && 'nextHop' in a);
    expect(nh(shared.entries[0]!)).toMatchObject({ nextHop: ['10.99.0.1'] });
    expect(nh(shared.entries[1]!)).toMatchObject({ nextHop: ['10.99.0.2'] });
    expect(shared.entries[1]!.attributes.find((a) => a.type === AttrType.AS_PATH)).toMatchObject({ segments: [{ type: 2, asns: [65200] }] });
    // What the RIB holds comes back attribute for attribute.
    for (const r of ribs) {
      if (r.nlri.kind !== 'evpn') throw new Error('not EVPN');
      const paths = rib.paths(r.nlri.route);
      expect(r.entries).toHaveLength(paths.length);
      r.entries.forEach((e, i) => {
        expect(e.attributes.filter((a) => a.type !== AttrType.MP_REACH_NLRI)).toEqual([...paths[i]!.attrs]);
      });
    }
    const local = dumpRecords(rib.routes(), { collectorBgpId: LOCAL.routerId, localAs: LOCAL.asn, peers, adjRibInOnly: true });
    expect(local).toHaveLength(1 + 3);
    // The full RFC 4760 form (for GoBGP's parser) reads back to the same values.
    const full = decodeAll(dumpRib(rib.routes(), { collectorBgpId: LOCAL.routerId, localAs: LOCAL.asn, peers, timestamp: 1700000000, viewName: 'evpn', mpReachForm: 'full' }));
    expect(full).toEqual(recs);
  });
});

describe('recorder', () => {
  it('splits millisecond timestamps into seconds and microseconds, and buffers file writes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mt-mrt-'));
    try {
      const f = path.join(dir, 'updates.mrt');
      const w = new MrtFileWriter(f, { truncate: true });
      const rec = new Bgp4mpRecorder(w.sink, { extendedTimestamp: true });
      rec.recordStateChange({ address: '2001:db8::1', asn: 4200000000 }, { address: '2001:db8::2', asn: 65000 }, 5, 6, 1700000000999.999);
      rec.recordMessage({ address: '2001:db8::1', asn: 4200000000 }, { address: '2001:db8::2', asn: 65000 }, captured[0]!.bytes, 1700000001000, { sent: true });
      expect(readFileSync(f).length).toBe(0);
      w.close();
      const recs = decodeAll(readFileSync(f));
      expect(recs[0]).toMatchObject({ timestamp: 1700000000, microseconds: 999999, subtype: Bgp4mpSubtype.STATE_CHANGE_AS4 });
      expect(recs[1]).toMatchObject({ timestamp: 1700000001, microseconds: 0, subtype: Bgp4mpSubtype.MESSAGE_AS4_LOCAL, body: { message: { peerAs: 4200000000, peerIp: '2001:db8::1' } } });
      expect(rec.count).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the reader skips a record with a bad body and stops at a truncated one', () => {
    const good = record.encodeToBytes({ timestamp: 0, type: 16, subtype: 0, body: { kind: 'bgp4mp-state-change', change: { peerAs: 1, localAs: 2, ifIndex: 0, peerIp: '10.0.0.1', localIp: '10.0.0.2', oldState: 1, newState: 2 } } });
    const bad = good.slice();
    bad[12 + 6 + 1] = 9; // address family 9
    const items = [...readRecords(Buffer.concat([bad, good, good.subarray(0, 20)]))];
    expect(items.map((i) => ('error' in i ? 'error' : 'ok'))).toEqual(['error', 'ok', 'error']);
    expect(items.map((i) => i.offset)).toEqual([0, good.length, 2 * good.length]);
  });
});

// ------------------------------------------------------------------ bgpdump reads what we write

const hasBgpdump = ((): boolean => {
  try {
    execFileSync('bgpdump', ['-T'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasBgpdump) console.warn('[skip] bgpdump interop: bgpdump is not installed (scripts/setup.sh installs it)');

describe.skipIf(!hasBgpdump)('bgpdump (Debian package) reads our files', () => {
  it('BGP4MP_ET messages and state changes, and a TABLE_DUMP_V2 IPv4 RIB, line for line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mt-bgpdump-'));
    try {
      const chunks: Uint8Array[] = [];
      const rec = new Bgp4mpRecorder((b) => chunks.push(b), { extendedTimestamp: true });
      const peerSide = { address: '10.0.0.1', asn: 4200000001 };
      const localSide = { address: '10.0.0.254', asn: 65000 };
      rec.recordStateChange(peerSide, localSide, 5, 6, 1700000000123.456);
      const ctx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>() };
      const u = {
        withdrawn: [{ prefix: '198.51.100.0', length: 24 }],
        attributes: [
          { type: AttrType.ORIGIN, flags: 0x40, origin: 0 },
          { type: AttrType.AS_PATH, flags: 0x40, segments: [{ type: 2, asns: [4200000001, 65010] }] },
          { type: AttrType.NEXT_HOP, flags: 0x40, nextHop: '10.0.0.1' },
          { type: AttrType.MULTI_EXIT_DISC, flags: 0x80, med: 5 },
        ] as PathAttribute[],
        nlri: [{ prefix: '192.0.2.0', length: 24 }],
      };
      rec.recordMessage(peerSide, localSide, encodeToBytes(u, ctx), 1700000000500);
      const ribRec: MrtRecord = {
        timestamp: 1700000001,
        type: MrtType.TABLE_DUMP_V2,
        subtype: TableDumpV2Subtype.RIB_IPV4_UNICAST,
        body: { kind: 'rib', rib: { subtype: 2, sequence: 0, afi: 1, safi: 1, nlri: { kind: 'prefix', prefix: { prefix: '192.0.2.0', length: 24 } }, entries: [{ peerIndex: 0, originatedTime: 1700000000, attributes: u.attributes }] } },
      };
      const table: MrtRecord = {
        timestamp: 1700000001,
        type: MrtType.TABLE_DUMP_V2,
        subtype: 1,
        body: { kind: 'peer-index-table', table: { collectorBgpId: '10.0.0.254', viewName: '', peers: [{ bgpId: '10.0.0.1', address: '10.0.0.1', asn: 4200000001, as4: true }] } },
      };
      writeFileSync(path.join(dir, 'u.mrt'), Buffer.concat(chunks));
      writeFileSync(path.join(dir, 'r.mrt'), encodeRecords([table, ribRec]));
      const lines = (f: string): string[] => execFileSync('bgpdump', ['-m', path.join(dir, f)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
      expect(lines('u.mrt')).toEqual([
        'BGP4MP_ET|1700000000.123456|STATE|10.0.0.1|4200000001|5|6',
        'BGP4MP_ET|1700000000.500000|W|10.0.0.1|4200000001|198.51.100.0/24',
        'BGP4MP_ET|1700000000.500000|A|10.0.0.1|4200000001|192.0.2.0/24|4200000001 65010|IGP|10.0.0.1|0|5||NAG||',
      ]);
      expect(lines('r.mrt')).toEqual(['TABLE_DUMP2|1700000001|B|10.0.0.1|4200000001|192.0.2.0/24|4200000001 65010|IGP|10.0.0.1|0|5||NAG||']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
