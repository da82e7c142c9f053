import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as attrs from '../../../src/bgp/wire/attributes/index';
import type { PathAttribute, UpdateCtx } from '../../../src/bgp/wire/attributes/index';
import { afiSafiKey } from '../../../src/bgp/wire/context';
import type { ExtCommunity } from '../../../src/bgp/wire/ext-community';
import type { EvpnNlri } from '../../../src/bgp/wire/evpn/types';
import { MsgType } from '../../../src/bgp/wire/iana';
import type { Prefix } from '../../../src/bgp/wire/prefix';
import { decode, decodeBody, encodeToBytes, type Update } from '../../../src/bgp/wire/update';
import { bytesEqual, toHex } from '../../../src/util/bytes';
import { ipv4ToString, ipv6ToString } from '../../../src/util/ip';
import { macToString } from '../../../src/util/mac';
import { DecodeError } from '../../../src/util/errors';
import { Reader } from '../../../src/util/reader';
import { readPcapBgp, prng } from './support';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
/** Round trips build big values and compare them deeply; they get a fiftieth of the fuzz budget to stay fast. */
const RT_RUNS = Math.max(1, Math.floor(RUNS / 50));

// ---------------------------------------------------------------- arbitraries

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ipv4ToString(b, 0));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipv6ToString(b, 0));
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => macToString(b, 0));
const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

const ctxArb: fc.Arbitrary<UpdateCtx> = fc.record({ fourOctetAs: fc.boolean(), v4: fc.boolean(), v6: fc.boolean(), evpn: fc.boolean() }).map((f) => {
  const addPathRx = new Set<string>();
  if (f.v4) addPathRx.add(afiSafiKey(1, 1));
  if (f.v6) addPathRx.add(afiSafiKey(2, 1));
  if (f.evpn) addPathRx.add(afiSafiKey(25, 70));
  return { fourOctetAs: f.fourOctetAs, extendedMessage: true, addPathRx, ibgp: true };
});

function flagsFor(type: number): fc.Arbitrary<number> {
  const cls = attrs.defaultFlags(type);
  return fc.record({ partial: fc.boolean(), ext: fc.boolean(), low: fc.integer({ min: 0, max: 15 }) }).map((f) => cls | (f.partial ? 0x20 : 0) | (f.ext ? 0x10 : 0) | f.low);
}

function prefixArb(family: 4 | 6, addPath: boolean): fc.Arbitrary<Prefix> {
  const max = family === 4 ? 32 : 128;
  return fc.record({ len: fc.integer({ min: 0, max }), raw: fc.uint8Array({ minLength: max / 8, maxLength: max / 8 }), id: u32 }).map(({ len, raw, id }) => {
    const b = raw.slice();
    const n = (len + 7) >>> 3;
    b.fill(0, n);
    if (len & 7) b[n - 1] = b[n - 1]! & ((0xff << (8 - (len & 7))) & 0xff);
    const p: Prefix = { prefix: family === 4 ? ipv4ToString(b, 0) : ipv6ToString(b, 0), length: len };
    if (addPath) p.pathId = id;
    return p;
  });
}

const rdArb = fc.oneof(
  fc.record({ type: fc.constant(0 as const), admin: u16, assigned: u32 }),
  fc.record({ type: fc.constant(1 as const), admin: ipv4, assigned: u16 }),
  fc.record({ type: fc.constant(2 as const), admin: u32, assigned: u16 }),
);

function evpnArb(addPath: boolean): fc.Arbitrary<EvpnNlri> {
  const route = fc.oneof(
    fc.record({ routeType: fc.constant(3 as const), rd: rdArb, ethTag: u32, originatorIp: fc.oneof(ipv4, ipv6) }),
    fc
      .record({ rd: rdArb, ethTag: u32, mac, ip: fc.option(fc.oneof(ipv4, ipv6), { nil: undefined }), label1: u24, label2: fc.option(u24, { nil: undefined }) })
      .map(({ ip, label2, ...r }) => ({
        routeType: 2 as const,
        esi: '00:00:00:00:00:00:00:00:00:00',
        ...r,
        ...(ip === undefined ? {} : { ip }),
        ...(label2 === undefined ? {} : { label2 }),
      })),
  );
  return fc.record({ route, id: u32 }).map(({ route: r, id }) => (addPath ? { route: r, pathId: id } : { route: r }));
}

/** An (AFI, SAFI, NLRI) triple the decoder can read back, and matching next hops. */
function familyArb(ctx: UpdateCtx): fc.Arbitrary<{ afi: number; safi: number; nlri: attrs.MpReachAttr['nlri']; nextHop: string[] | Uint8Array }> {
  const ap = (afi: number, safi: number): boolean => ctx.addPathRx.has(afiSafiKey(afi, safi));
  return fc.oneof(
    fc.record({
      afi: fc.constant(25),
      safi: fc.constant(70),
      nlri: fc.array(evpnArb(ap(25, 70)), { maxLength: 5 }).map((routes) => ({ kind: 'evpn' as const, routes })),
      nextHop: fc.oneof(ipv4.map((a) => [a]), ipv6.map((a) => [a])),
    }),
    fc.record({
      afi: fc.constant(1),
      safi: fc.constant(1),
      nlri: fc.array(prefixArb(4, ap(1, 1)), { maxLength: 5 }).map((prefixes) => ({ kind: 'prefix' as const, prefixes })),
      nextHop: fc.oneof(ipv4.map((a) => [a]), ipv6.map((a) => [a]), fc.tuple(ipv6, ipv6)),
    }),
    fc.record({
      afi: fc.constant(2),
      safi: fc.constant(1),
      nlri: fc.array(prefixArb(6, ap(2, 1)), { maxLength: 5 }).map((prefixes) => ({ kind: 'prefix' as const, prefixes })),
      nextHop: fc.oneof(ipv6.map((a) => [a]), fc.tuple(ipv6, ipv6)),
    }),
    fc.record({
      afi: fc.constantFrom(1, 2, 3, 16388, 25),
      safi: fc.constantFrom(4, 5, 65, 128, 133),
      nlri: bytes(40).map((raw) => ({ kind: 'raw' as const, raw })),
      nextHop: bytes(24),
    }),
  );
}

const extCommArb: fc.Arbitrary<ExtCommunity> = fc.oneof(
  fc.record({ kind: fc.constantFrom('route-target' as const, 'route-origin' as const), form: fc.constant('as2' as const), asn: u16, local: u32 }),
  fc.record({ kind: fc.constantFrom('route-target' as const, 'route-origin' as const), form: fc.constant('ipv4' as const), ip: ipv4, local: u16 }),
  fc.record({ kind: fc.constantFrom('route-target' as const, 'route-origin' as const), form: fc.constant('as4' as const), asn: u32, local: u16 }),
  fc.record({ kind: fc.constant('encapsulation' as const), tunnelType: u16 }),
  fc.constant({ kind: 'default-gateway' as const }),
  fc.record({ kind: fc.constant('mac-mobility' as const), flags: u8, seq: u32 }),
  fc.record({ kind: fc.constant('esi-label' as const), flags: u8, label: u24 }),
  fc.record({ kind: fc.constantFrom('es-import' as const, 'router-mac' as const), mac }),
  // Types outside the interpreted set: 0x4x non-transitive, 0x8x experimental.
  fc.record({ t: fc.constantFrom(0x40, 0x41, 0x43, 0x44, 0x80, 0x81, 0x82, 0x08), rest: fc.uint8Array({ minLength: 7, maxLength: 7 }) }).map(({ t, rest }) => ({
    kind: 'raw' as const,
    raw: Uint8Array.of(t, ...rest),
  })),
);

const UNKNOWN_TYPES = [0, 11, 12, 13, 19, 20, 21, 23, 25, 26, 29, 33, 40, 128, 255];

function attrArb(type: number, ctx: UpdateCtx): fc.Arbitrary<PathAttribute> {
  const asn = ctx.fourOctetAs ? u32 : u16;
  const seg = (types: number[], a: fc.Arbitrary<number>): fc.Arbitrary<{ type: number; asns: number[] }> =>
    fc.record({ type: fc.constantFrom(...types), asns: fc.array(a, { minLength: 1, maxLength: 8 }) });
  const flags = flagsFor(type);
  const v = <T extends object>(a: fc.Arbitrary<T>): fc.Arbitrary<PathAttribute> =>
    fc.tuple(flags, a).map(([f, x]) => ({ type, flags: f, ...x }) as unknown as PathAttribute);
  switch (type) {
    case 1:
      return v(fc.record({ origin: fc.constantFrom(0, 1, 2) }));
    case 2:
      return v(fc.record({ segments: fc.array(seg([1, 2, 3, 4], asn), { maxLength: 4 }) }));
    case 3:
      return v(fc.record({ nextHop: ipv4 }));
    case 4:
      return v(fc.record({ med: u32 }));
    case 5:
      return v(fc.record({ localPref: u32 }));
    case 6:
      return v(fc.record({}));
    case 7:
      return v(fc.record({ asn, address: ipv4 }));
    case 8:
      return v(fc.record({ communities: fc.array(u32, { minLength: 1, maxLength: 8 }) }));
    case 9:
      return v(fc.record({ originatorId: ipv4 }));
    case 10:
      return v(fc.record({ clusterList: fc.array(ipv4, { minLength: 1, maxLength: 5 }) }));
    case 14:
      return v(fc.tuple(familyArb(ctx), u8).map(([f, reserved]) => ({ ...f, reserved })));
    case 15:
      return v(familyArb(ctx).map(({ afi, safi, nlri }) => ({ afi, safi, nlri })));
    case 16:
      return v(fc.record({ communities: fc.array(extCommArb, { minLength: 1, maxLength: 6 }) }));
    case 17:
      return v(fc.record({ segments: fc.array(seg([1, 2], u32), { maxLength: 4 }) }));
    case 18:
      return v(fc.record({ asn: u32, address: ipv4 }));
    case 22:
      return v(
        fc.oneof(
          fc.record({ tunnelFlags: u8, tunnelType: fc.constant(6), label: u24, tunnelId: fc.oneof(ipv4, ipv6) }),
          fc.record({ tunnelFlags: u8, tunnelType: fc.integer({ min: 0, max: 255 }).filter((t) => t !== 6), label: u24, tunnelId: bytes(20) }),
        ),
      );
    case 32:
      return v(fc.record({ communities: fc.array(fc.record({ global: u32, local1: u32, local2: u32 }), { minLength: 1, maxLength: 4 }) }));
    default:
      return fc.tuple(flagsFor(type).map((f) => f | 0x80), bytes(300)).map(([f, raw]) => ({ type, flags: f, raw }));
  }
}

/** Sets the Extended Length bit where the encoder would add it, so that decode(encode(x)) can equal x. */
function withNeededExt(a: PathAttribute, ctx: UpdateCtx): PathAttribute {
  const len = attrs.attributeLength(a, ctx);
  return len - 3 > 255 ? { ...a, flags: a.flags | 0x10 } : a;
}

const KNOWN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 22, 32];

const listArb: fc.Arbitrary<{ ctx: UpdateCtx; list: PathAttribute[] }> = ctxArb.chain((ctx) => {
  const known = [...KNOWN, ...(ctx.fourOctetAs ? [] : [17, 18])];
  return fc
    .tuple(fc.shuffledSubarray(known), fc.shuffledSubarray(UNKNOWN_TYPES, { maxLength: 3 }))
    .chain(([k, u]) => fc.shuffledSubarray([...k, ...u], { minLength: k.length + u.length }))
    .chain((types) => fc.tuple(...types.map((t) => attrArb(t, ctx))))
    .map((list) => ({ ctx, list: list.map((a) => withNeededExt(a, ctx)) }));
});

// ---------------------------------------------------------------- properties

describe('round trips', () => {
  it('random valid attribute lists: decode(encode(x)) = x, with no faults, encodingLength exact', () => {
    fc.assert(
      fc.property(listArb, ({ ctx, list }) => {
        const n = attrs.encodingLength(list, ctx);
        const buf = new Uint8Array(n + 3);
        expect(attrs.encode(list, buf, 3, ctx)).toBe(n + 3);
        const back = attrs.decode(new Reader(buf, 3), ctx);
        expect(back.faults).toEqual([]);
        expect(back.attributes).toEqual(list);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('random valid UPDATEs round-trip through the message codec', () => {
    const arb = listArb.chain(({ ctx, list }) =>
      fc.record({
        withdrawn: fc.array(prefixArb(4, ctx.addPathRx.has('1/1')), { maxLength: 5 }),
        nlri: fc.array(prefixArb(4, ctx.addPathRx.has('1/1')), { maxLength: 5 }),
      }).map(({ withdrawn, nlri }) => {
        // The mandatory attributes are present whenever something may be announced (RFC 7606 §3 d).
        const have = new Set(list.map((a) => a.type));
        const extra: PathAttribute[] = [];
        if (!have.has(1)) extra.push({ type: 1, flags: 0x40, origin: 0 });
        if (!have.has(2)) extra.push({ type: 2, flags: 0x40, segments: [] });
        if (!have.has(3)) extra.push({ type: 3, flags: 0x40, nextHop: '192.0.2.1' });
        const u: Update = { withdrawn, attributes: [...list, ...extra], nlri };
        return { ctx, u };
      }),
    );
    fc.assert(
      fc.property(arb, ({ ctx, u }) => {
        const bytes = encodeToBytes(u, ctx);
        const back = decode(new Reader(bytes), ctx);
        expect(back.faults).toEqual([]);
        expect({ withdrawn: back.withdrawn, attributes: back.attributes, nlri: back.nlri }).toEqual(u);
      }),
      { numRuns: RT_RUNS },
    );
  });
});

// ---------------------------------------------------------------- fuzzing

const SEEDS = [...readPcapBgp('frr-frr-ibgp-evpn.pcap'), ...readPcapBgp('gobgp-frr-ebgp-evpn.pcap')]
  .filter((m) => m.type === MsgType.UPDATE)
  .map((m) => m.bytes.subarray(19));

const FUZZ_CTXS: UpdateCtx[] = [
  { fourOctetAs: true, extendedMessage: true, addPathRx: new Set(), ibgp: true },
  { fourOctetAs: false, extendedMessage: false, addPathRx: new Set(['1/1', '25/70', '2/1']), ibgp: false },
];

const ENCODE_CTXS = FUZZ_CTXS.map((c) => ({ ...c, extendedMessage: true }));

/**
 * decodeBody must give a value or a DecodeError. A value must also re-encode,
 * and decoding that must give the same value: compared through a second
 * encoding, which is cheaper than a deep comparison.
 */
function check(body: Uint8Array, which: 0 | 1): void {
  const ctx = FUZZ_CTXS[which]!;
  let u;
  try {
    u = decodeBody(new Reader(body), ctx);
  } catch (e) {
    if (e instanceof DecodeError) return;
    throw e;
  }
  const once = encodeToBytes(u, ENCODE_CTXS[which]!);
  const twice = encodeToBytes(decode(new Reader(once), ctx), ENCODE_CTXS[which]!);
  if (!bytesEqual(once, twice)) throw new Error(`re-encoding is not stable: ${toHex(once)} vs ${toHex(twice)}`);
}

describe('fuzzing the UPDATE decoder', () => {
  it('random bytes give a value or a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), (b, alt) => check(b, alt ? 1 : 0)),
      { numRuns: RUNS },
    );
  });

  it('random attribute fields behind valid length fields give a value or a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (a, alt) => {
        const body = new Uint8Array(4 + a.length);
        body[2] = a.length >>> 8;
        body[3] = a.length & 0xff;
        body.set(a, 4);
        check(body, alt ? 1 : 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated captured UPDATEs give a value or a DecodeError', () => {
    const rnd = prng(0x7606);
    for (let i = 0; i < RUNS; i++) {
      const seed = SEEDS[Math.floor(rnd() * SEEDS.length)]!;
      const b = Array.from(seed);
      const edits = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rnd() * (b.length + 1));
        const op = rnd();
        if (op < 0.6) b[Math.min(at, b.length - 1)] = Math.floor(rnd() * 256);
        else if (op < 0.75) b.splice(at, 1);
        else if (op < 0.9) b.splice(at, 0, Math.floor(rnd() * 256));
        else b.length = at;
      }
      const body = Uint8Array.from(b);
      try {
        check(body, (i & 1) as 0 | 1);
      } catch (e) {
        throw new Error(`mutation ${i} of a captured UPDATE failed: ${Buffer.from(body).toString('hex')}: ${String(e)}`);
      }
    }
  });

  it('the attribute list decoder never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (a, alt) => {
        const r = attrs.decode(new Reader(a), FUZZ_CTXS[alt ? 1 : 0]!);
        expect(r.action >= 0).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
