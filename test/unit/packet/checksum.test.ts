import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  internetChecksum,
  onesSum,
  pseudoSumV4,
  pseudoSumV6,
  updateChecksum16,
  updateChecksum32,
  updateChecksumBytes,
  verifyChecksum,
} from '../../../src/packet/checksum';
import { fromHex } from '../../../src/util/bytes';
import { ipBytes } from '../../../src/util/ip';

describe('Internet checksum (RFC 1071)', () => {
  it('RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2', () => {
    const b = fromHex('0001f203f4f5f6f7');
    expect(onesSum(b, 0, b.length)).toBe(0xddf2);
    expect(internetChecksum(b, 0, b.length)).toBe(0x220d);
  });

  it('a real IPv4 header (vxlan capture frame 1) verifies and recomputes to 3dd2', () => {
    const h = fromHex('4500004e280700004011 3dd2 0a6200010a620002');
    expect(verifyChecksum(h, 0, 20)).toBe(true);
    h[10] = h[11] = 0;
    expect(internetChecksum(h, 0, 20)).toBe(0x3dd2);
  });

  it('odd lengths pad with a zero octet on the right', () => {
    expect(onesSum(Uint8Array.of(0xab), 0, 1)).toBe(0xab00);
    expect(onesSum(Uint8Array.of(0x12, 0x34, 0x56), 0, 3)).toBe(0x1234 + 0x5600);
  });

  it('pseudo-headers: IPv4 and IPv6 layouts', () => {
    // 10.98.0.1 -> 10.98.0.2, UDP, length 58: 0a62+0001+0a62+0002+0011+003a
    expect(pseudoSumV4(ipBytes('10.98.0.1'), ipBytes('10.98.0.2'), 17, 58)).toBe(0x0a62 + 1 + 0x0a62 + 2 + 17 + 58);
    // The 32-bit length's upper half counts too (RFC 8200 §8.1).
    const z = new Uint8Array(16);
    expect(pseudoSumV6(z, z, 58, 0x10002)).toBe(1 + 2 + 58);
  });

  it('incremental update (RFC 1624) equals full recomputation', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 64 }).filter((b) => b.length % 2 === 0),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        (data, at, word, dword) => {
          const b = data.slice();
          const c0 = internetChecksum(b, 0, b.length);
          const i = (at % (b.length / 2)) * 2;
          const old = (b[i]! << 8) | b[i + 1]!;
          b[i] = word >>> 8;
          b[i + 1] = word & 0xff;
          const c1 = updateChecksum16(c0, old, word);
          // The one corner RFC 1624 leaves: all-zero data, where the update yields −0 for a +0 sum.
          if (b.every((x) => x === 0)) return;
          expect(onesSum(b, 0, b.length, c1)).toBe(0xffff);
          if (b.length >= 4) {
            const j = i + 4 <= b.length ? i : 0;
            const before = b.slice(j, j + 4);
            const old32 = ((before[0]! << 24) >>> 0) + (before[1]! << 16) + (before[2]! << 8) + before[3]!;
            b.set([dword >>> 24, (dword >>> 16) & 0xff, (dword >>> 8) & 0xff, dword & 0xff], j);
            const c2 = updateChecksum32(c1, old32, dword);
            if (b.every((x) => x === 0)) return;
            expect(onesSum(b, 0, b.length, c2)).toBe(0xffff);
            expect(updateChecksumBytes(c1, before, b.slice(j, j + 4))).toBe(c2);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('TTL decrement by incremental update matches a recomputed IPv4 header checksum', () => {
    const h = fromHex('4500004e280700004011 3dd2 0a6200010a620002');
    const c = updateChecksum16(0x3dd2, (64 << 8) | 17, (63 << 8) | 17);
    h[8] = 63;
    h[10] = h[11] = 0;
    expect(c).toBe(internetChecksum(h, 0, 20));
  });
});
