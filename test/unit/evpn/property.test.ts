import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import { bytesEqual, toHex } from '../../../src/util/bytes';
import {
  decodeEvpnNlri,
  decodeEvpnNlriList,
  encodeEvpnNlri,
  encodeEvpnNlriList,
  encodingLengthEvpnNlri,
  encodingLengthEvpnNlriList,
  EvpnNlriError,
} from '../../../src/bgp/wire/evpn/nlri';
import { evpnNlriKey, evpnRouteKey, evpnRouteKeyAt } from '../../../src/bgp/wire/evpn/key';
import { parseRd, rdToString } from '../../../src/bgp/wire/evpn/rd';
import type { EvpnNlri } from '../../../src/bgp/wire/evpn/types';
import * as arb from './arbitraries';
import { capturedNlriFields, VECTORS } from './support';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
/** Round trips build and compare whole values: a tenth of the fuzz budget gives the same coverage in far less time. */
const RT_RUNS = Math.max(100, Math.floor(RUNS / 10));

function encode(n: EvpnNlri, addPath: boolean): Uint8Array {
  const buf = new Uint8Array(encodingLengthEvpnNlri(n, addPath));
  expect(encodeEvpnNlri(n, buf, 0, addPath)).toBe(buf.length);
  return buf;
}

describe('EVPN NLRI round trip (random valid values)', () => {
  for (const addPath of [false, true]) {
    it(`value → bytes → value, every route type and family, ADD-PATH ${addPath ? 'on' : 'off'}`, () => {
      fc.assert(
        fc.property(arb.nlri(addPath), (n) => {
          const bytes = encode(n, addPath);
          const r = new Reader(bytes);
          const back = decodeEvpnNlri(r, addPath);
          expect(back).toStrictEqual(n);
          expect(r.atEnd).toBe(true);
          expect(evpnRouteKeyAt(bytes, addPath ? 4 : 0)).toBe(evpnRouteKey(n.route));
        }),
        { numRuns: RT_RUNS },
      );
    });

    it(`lists round trip, ADD-PATH ${addPath ? 'on' : 'off'}`, () => {
      fc.assert(
        fc.property(fc.array(arb.nlri(addPath), { maxLength: 6 }), (list) => {
          const buf = new Uint8Array(encodingLengthEvpnNlriList(list, addPath));
          expect(encodeEvpnNlriList(list, buf, 0, addPath)).toBe(buf.length);
          expect(decodeEvpnNlriList(new Reader(buf), addPath)).toStrictEqual({ nlris: list });
        }),
        { numRuns: Math.max(100, Math.floor(RT_RUNS / 5)) },
      );
    });
  }

  it('RD text form round trips for every RD', () => {
    fc.assert(
      fc.property(arb.rd, (rd) => {
        expect(parseRd(rdToString(rd))).toStrictEqual(rd);
      }),
      { numRuns: RT_RUNS },
    );
  });
});

/** Seeds for mutation: every captured NLRI field plus one encoding of each route type and family. */
function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of ['frr-frr-ibgp-evpn.pcap', 'gobgp-frr-ebgp-evpn.pcap']) {
    for (const x of capturedNlriFields(path.join(VECTORS, f))) if (x.nlri.length) out.push(x.nlri);
  }
  fc.sample(arb.nlri(false), { numRuns: 40, seed: 7 }).forEach((n) => out.push(encode(n, false)));
  fc.sample(arb.nlri(true), { numRuns: 20, seed: 8 }).forEach((n) => out.push(encode(n, true)));
  return out;
}

/**
 * The decoder's contract on arbitrary input: a value or an EvpnNlriError,
 * nothing else. When a value comes out, re-encoding it gives exactly the
 * octets it was decoded from, and the wire key equals the value key.
 */
const accepted = new Map<number, number>();

function checkAnyBytes(bytes: Uint8Array, addPath: boolean): void {
  const r = new Reader(bytes);
  while (r.pos < r.end) {
    const start = r.pos;
    let n: EvpnNlri;
    try {
      n = decodeEvpnNlri(r, addPath);
    } catch (e) {
      if (!(e instanceof EvpnNlriError)) throw e;
      if (!e.boundaryIntact) break;
      if (e.next !== r.pos || r.pos <= start) throw new Error(`bad resume point ${e.next} / ${r.pos}`);
      continue;
    }
    const again = new Uint8Array(encodingLengthEvpnNlri(n, addPath));
    encodeEvpnNlri(n, again, 0, addPath);
    const orig = bytes.subarray(start, r.pos);
    if (!bytesEqual(again, orig)) throw new Error(`re-encode differs: ${toHex(orig)} → ${toHex(again)}`);
    if (evpnRouteKeyAt(bytes, start + (addPath ? 4 : 0)) !== evpnRouteKey(n.route)) throw new Error('wire key ≠ value key');
    accepted.set(n.route.routeType, (accepted.get(n.route.routeType) ?? 0) + 1);
  }
  const list = decodeEvpnNlriList(new Reader(bytes), addPath);
  if (list.error !== undefined && !(list.error instanceof DecodeError)) throw new Error('list error is not a DecodeError');
}

describe('EVPN NLRI decoder on random and mutated bytes', () => {
  // Most fuzz inputs are malformed, and capturing a stack trace per DecodeError
  // (deep under vitest) costs more than the decoding; the fuzz checks only the
  // error's type, so the stacks are switched off for these tests alone.
  let limit = Error.stackTraceLimit;
  beforeAll(() => {
    limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = limit;
  });

  it(`random bytes give values or DecodeError only (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), (bytes, addPath) => checkAnyBytes(bytes, addPath)),
      { numRuns: RUNS },
    );
  });

  it(`random TLVs with plausible type/length headers give values or DecodeError only (${RUNS} runs)`, () => {
    accepted.clear();
    // Pure random bytes rarely hit a valid length; build headers with a known type and a near-valid length.
    const VALID = [25, 33, 36, 37, 40, 49, 52, 17, 29, 23, 35, 34, 58];
    /** One TLV from a 32-bit seed (xorshift32): much cheaper to generate than nested arbitraries. */
    function tlv(seed: number): Uint8Array {
      let x = seed | 1;
      const next = (): number => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      const t = next() % 8;
      const len = next() & 1 ? VALID[next() % VALID.length]! : next() % 65;
      const slack = (next() % 5) - 2;
      const b = new Uint8Array(2 + Math.min(Math.max(0, len + slack), 64));
      b[0] = t;
      b[1] = len;
      for (let i = 2; i < b.length; i++) b[i] = next() & 0xff;
      // Make the inner length fields valid half of the time so the decoders get past them.
      if (next() & 1) {
        if (t === 2 && b.length > 31) {
          b[24] = 48;
          b[31] = len >= 49 ? 128 : len >= 36 && len !== 36 ? 32 : 0;
        }
        if (t === 3 && b.length > 14) b[14] = len === 29 ? 128 : 32;
        if (t === 4 && b.length > 20) b[20] = len === 35 ? 128 : 32;
        if (t === 5 && b.length > 24) b[24]! &= len === 34 ? 31 : 127;
      }
      return b;
    }
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.boolean(), (s1, s2, addPath) => {
        const parts = s2 & 1 ? [tlv(s1)] : [tlv(s1), tlv(s2)];
        const total = parts.reduce((a, p) => a + p.length + (addPath ? 4 : 0), 0);
        const bytes = new Uint8Array(total);
        let o = 0;
        for (const p of parts) {
          if (addPath) o += 4;
          bytes.set(p, o);
          o += p.length;
        }
        checkAnyBytes(bytes, addPath);
      }),
      { numRuns: RUNS },
    );
    // The generator must actually reach the decoders' success paths, not only their length checks.
    if (RUNS >= 10000) for (const t of [1, 2, 3, 4, 5]) expect(accepted.get(t) ?? 0).toBeGreaterThan(50);
  });

  it(`mutated captured and generated NLRIs give values or DecodeError only (${RUNS} runs)`, () => {
    const pool = seeds();
    const mutated = fc
      .tuple(
        fc.constantFrom(...pool),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.oneof(fc.constant(0), fc.integer({ min: -8, max: 8 })),
      )
      .map(([seed, flips, cut]) => {
        const len = Math.max(0, seed.length + cut);
        const b = new Uint8Array(len);
        b.set(seed.subarray(0, Math.min(len, seed.length)));
        for (const [pos, val] of flips) if (len) b[pos % len] = val;
        return b;
      });
    fc.assert(
      fc.property(mutated, fc.boolean(), (bytes, addPath) => checkAnyBytes(bytes, addPath)),
      { numRuns: RUNS },
    );
  });
});

describe('route keys (RFC 7432 §7.2, RFC 9136 §3.1)', () => {
  it('keys with ADD-PATH differ per path identifier and from the plain key', () => {
    fc.assert(
      fc.property(arb.route, fc.nat(), (route, id) => {
        const plain = evpnNlriKey({ route });
        expect(evpnNlriKey({ route, pathId: id })).not.toBe(evpnNlriKey({ route, pathId: id + 1 }));
        expect(evpnNlriKey({ route, pathId: id }).endsWith(plain)).toBe(true);
      }),
      { numRuns: Math.max(100, Math.floor(RT_RUNS / 5)) },
    );
  });
});
