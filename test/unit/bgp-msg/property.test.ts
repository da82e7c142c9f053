import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import * as header from '../../../src/bgp/wire/header';
import * as cap from '../../../src/bgp/wire/capabilities';
import type { Capability } from '../../../src/bgp/wire/capabilities';
import * as open from '../../../src/bgp/wire/open';
import type { OpenMessage } from '../../../src/bgp/wire/open';
import * as notification from '../../../src/bgp/wire/notification';
import * as routeRefresh from '../../../src/bgp/wire/route-refresh';
import * as keepalive from '../../../src/bgp/wire/keepalive';
import { capturedMessages, FUZZ_RUNS } from './support';

const KNOWN = new Set([1, 2, 5, 6, 64, 65, 69, 70, 71, 73, 128]);
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const afiSafi = { afi: u16, safi: u8 };

const capArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ kind: fc.constant('multiprotocol' as const), ...afiSafi }),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.constant({ kind: 'route-refresh-cisco' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  fc.record({
    kind: fc.constant('extended-next-hop' as const),
    entries: fc.array(fc.record({ afi: u16, safi: u16, nhAfi: u16 }), { maxLength: 42 }),
  }),
  fc.record({
    kind: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 0xfff }),
    families: fc.array(fc.record({ ...afiSafi, forwardingPreserved: fc.boolean() }), { maxLength: 63 }),
  }),
  fc.record({ kind: fc.constant('four-octet-as' as const), asn: fc.integer({ min: 1, max: 0xffffffff }) }),
  fc.record({
    kind: fc.constant('add-path' as const),
    families: fc.array(fc.record({ ...afiSafi, sendReceive: fc.constantFrom(1, 2, 3) }), { maxLength: 63 }),
  }),
  fc.record({
    kind: fc.constant('llgr' as const),
    families: fc.array(
      fc.record({ ...afiSafi, forwardingPreserved: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }),
      { maxLength: 36 },
    ),
  }),
  fc.record({
    kind: fc.constant('fqdn' as const),
    hostname: fc.fullUnicodeString({ maxLength: 30 }),
    domainName: fc.fullUnicodeString({ maxLength: 30 }),
  }),
  fc.record({
    kind: fc.constant('unknown' as const),
    code: u8.filter((c) => !KNOWN.has(c)),
    value: fc.uint8Array({ maxLength: 255 }),
  }),
) as fc.Arbitrary<Capability>;

/** Splits n capabilities into parameter groups (possibly empty ones). */
const openArb: fc.Arbitrary<OpenMessage> = fc
  .record({
    myAs: fc.integer({ min: 1, max: 0xffff }),
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    id: fc.integer({ min: 1, max: 0xffffffff }),
    capabilities: fc.array(capArb, { maxLength: 10 }),
    cuts: fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 4 }),
    grouped: fc.boolean(),
    extended: fc.boolean(),
  })
  .map((r) => {
    const v: OpenMessage = {
      version: 4,
      myAs: r.myAs,
      holdTime: r.holdTime,
      bgpId: `${r.id >>> 24}.${(r.id >>> 16) & 255}.${(r.id >>> 8) & 255}.${r.id & 255}`,
      capabilities: r.capabilities,
    };
    if (r.grouped) {
      const n = r.capabilities.length;
      const cuts = [...r.cuts.map((c) => Math.min(c, n)), 0, n].sort((a, b) => a - b);
      const groups: number[] = [];
      for (let i = 1; i < cuts.length; i++) groups.push(cuts[i]! - cuts[i - 1]!);
      v.capabilityGroups = groups;
    }
    if (r.extended) v.extendedOptParams = true;
    return v;
  });

/** What decode gives back: default layout omitted, the extended form recorded when it was needed. */
function normalised(v: OpenMessage): OpenMessage {
  const out: OpenMessage = { version: v.version, myAs: v.myAs, holdTime: v.holdTime, bgpId: v.bgpId, capabilities: v.capabilities };
  const groups = v.capabilityGroups ?? v.capabilities.map(() => 1);
  if (groups.some((g) => g !== 1)) out.capabilityGroups = groups;
  let i = 0;
  const lens = groups.map((g) => {
    let l = 0;
    for (let k = 0; k < g; k++) l += cap.encodingLength(v.capabilities[i++]!);
    return l;
  });
  if (v.extendedOptParams || lens.reduce((a, l) => a + 2 + l, 0) > 255 || lens.some((l) => l > 255)) out.extendedOptParams = true;
  return out;
}

function bytesOf<T>(v: T, len: (v: T) => number, enc: (v: T, b: Uint8Array, o: number) => number): Uint8Array {
  const b = new Uint8Array(len(v));
  expect(enc(v, b, 0)).toBe(b.length);
  return b;
}

const notificationArb = fc.record({ code: u8, subcode: u8, data: fc.uint8Array({ maxLength: 100 }) });
const routeRefreshArb = fc
  .record({ afi: u16, safi: u8, subtype: u8, orf: fc.uint8Array({ maxLength: 40 }) })
  .map(({ orf, ...v }) => (orf.length && v.subtype !== 1 && v.subtype !== 2 ? { ...v, orf } : v));

const ROUND_TRIP_RUNS = Math.max(100, Math.min(FUZZ_RUNS / 20, 5000));

describe('round trips of random valid values', () => {
  it('capabilities', () => {
    fc.assert(
      fc.property(capArb, (c) => {
        const b = bytesOf(c, cap.encodingLength, cap.encode);
        const r = new Reader(b);
        expect(cap.decode(r)).toEqual(c);
        expect(r.atEnd).toBe(true);
      }),
      { numRuns: ROUND_TRIP_RUNS },
    );
  });

  it('OPEN', () => {
    fc.assert(
      fc.property(openArb, (v) => {
        const b = bytesOf(v, open.encodingLength, open.encode);
        const d = open.decodeMessage(b);
        expect(d).toEqual(normalised(v));
        expect(bytesOf(d, open.encodingLength, open.encode)).toEqual(b);
      }),
      { numRuns: Math.min(ROUND_TRIP_RUNS, 1000) },
    );
  });

  it('NOTIFICATION', () => {
    fc.assert(
      fc.property(notificationArb, (v) => {
        expect(notification.decodeMessage(bytesOf(v, notification.encodingLength, notification.encode))).toEqual(v);
      }),
      { numRuns: ROUND_TRIP_RUNS },
    );
  });

  it('ROUTE-REFRESH', () => {
    fc.assert(
      fc.property(routeRefreshArb, (v) => {
        expect(routeRefresh.decodeMessage(bytesOf(v, routeRefresh.encodingLength, routeRefresh.encode))).toEqual(v);
      }),
      { numRuns: ROUND_TRIP_RUNS },
    );
  });

  it('header', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 4, 5), fc.integer({ min: 19, max: 0xffff }), fc.boolean(), (type, length, ext) => {
        const b = new Uint8Array(length);
        header.encode({ length, type }, b, 0);
        const ok = length >= header.minMessageLength(type) && length <= header.maxMessageLength(type, ext);
        if (ok) expect(header.decode(new Reader(b), { extendedMessage: ext })).toEqual({ length, type });
        else expect(() => header.decode(new Reader(b), { extendedMessage: ext })).toThrowError(expect.objectContaining({ code: 1, subcode: 2 }));
      }),
      { numRuns: ROUND_TRIP_RUNS },
    );
  });

  it('KEEPALIVE', () => {
    expect(keepalive.decodeMessage(keepalive.keepaliveBytes())).toEqual({});
  });
});

/** Runs a decoder; anything but a value or a DecodeError fails the property. */
function valueOrDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

function withHeader(type: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(19 + body.length);
  header.encode({ length: b.length, type }, b, 0);
  b.set(body, 19);
  return b;
}

const decoders: [string, number, (b: Uint8Array) => unknown][] = [
  ['OPEN', 1, (b) => open.decodeMessage(b)],
  ['NOTIFICATION', 3, (b) => notification.decodeMessage(b)],
  ['KEEPALIVE', 4, (b) => keepalive.decodeMessage(b)],
  ['ROUTE-REFRESH', 5, (b) => routeRefresh.decodeMessage(b)],
  ['header', 2, (b) => header.decode(new Reader(b), { extendedMessage: false })],
];

const seeds = capturedMessages().filter((m) => m.type !== 2);
const decoderFor = (type: number): ((b: Uint8Array) => unknown) => decoders.find((d) => d[1] === type)![2];

describe(`random and mutated bytes give a value or a DecodeError (${FUZZ_RUNS} runs)`, () => {
  for (const [name, type, dec] of decoders) {
    it(`${name}: random bodies behind a valid header, and raw random bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (body, wrap) => {
          valueOrDecodeError(() => dec(wrap ? withHeader(type, body) : body));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  it('capability TLVs: random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        valueOrDecodeError(() => {
          const r = new Reader(b);
          while (!r.atEnd) cap.decode(r);
        });
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('captured OPEN/KEEPALIVE messages with mutated octets and lengths', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (seed, muts, cut) => {
          const b = seed.bytes.slice(0, seed.bytes.length - (cut % 4 === 0 ? cut % seed.bytes.length : 0));
          for (const [at, v] of muts) b[at % b.length] = v;
          valueOrDecodeError(() => decoderFor(seed.type)(b));
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});
