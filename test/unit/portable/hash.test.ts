import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { hashBytesPair, innerFlowHash, mix64Pair, vxlanSourcePort } from '../../../src/dataplane/portable/hash';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
const M = (1n << 64n) - 1n;

// Reference implementations of native/src/flowhash.h in BigInt, written
// from the C++ text: mix64 is MurmurHash3's fmix64; hashBytes folds 8-octet
// big-endian words, then the tail with the tail's length in the top octet.
function mix(k0: bigint): bigint {
  let k = k0;
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & M;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & M;
  return k ^ (k >> 33n);
}
function hashBytes(h0: bigint, p: Uint8Array): bigint {
  let h = h0;
  let i = 0;
  let n = p.length;
  while (n >= 8) {
    let w = 0n;
    for (let j = 0; j < 8; j++) w = (w << 8n) | BigInt(p[i + j]!);
    h = (mix(h ^ w) + 0x9e3779b97f4a7c15n) & M;
    i += 8;
    n -= 8;
  }
  let w = 0n;
  for (let j = 0; j < n; j++) w = (w << 8n) | BigInt(p[i + j]!);
  return mix(h ^ w ^ (BigInt(n) << 56n));
}
const join = ([hi, lo]: [number, number]): bigint => (BigInt(hi) << 32n) | BigInt(lo);

describe('portable flow hash (flowhash.h in 32-bit halves)', () => {
  it('mix64 equals the 64-bit reference', () => {
    fc.assert(
      fc.property(fc.bigUintN(64), (k) => {
        expect(join(mix64Pair(Number(k >> 32n), Number(k & 0xffffffffn)))).toBe(mix(k));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('hashBytes equals the 64-bit reference for every length and offset', () => {
    fc.assert(
      fc.property(fc.bigUintN(64), fc.uint8Array({ maxLength: 48 }), fc.nat(8), (seed, bytes, pad) => {
        const buf = new Uint8Array(pad + bytes.length);
        buf.set(bytes, pad);
        const got = hashBytesPair(Number(seed >> 32n), Number(seed & 0xffffffffn), buf, pad, bytes.length);
        expect(join(got)).toBe(hashBytes(seed, bytes));
      }),
      { numRuns: Math.ceil(FUZZ_RUNS / 10) },
    );
  });

  it('keeps source ports in 49152-65535 and reads nothing outside the L3 range it is given', () => {
    const f = new Uint8Array(64).fill(0xee);
    f.set([0x08, 0x00, 0x45], 12);
    const a = innerFlowHash(f, 0, 0x0800, 14, 20);
    f.fill(0x11, 34); // past the 20 octets given: ports are not hashed when l3len < ihl + 4
    expect(innerFlowHash(f, 0, 0x0800, 14, 20)).toBe(a);
    for (const h of [0, 1, 0x3fff, 0xffffffff]) expect(vxlanSourcePort(h)).toBeGreaterThanOrEqual(49152);
  });
});
