import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipv4ToString, ipv6ToString, ipBytes, writeIpv6 } from '../../../src/util/ip';
import { macToString } from '../../../src/util/mac';
import { colonHexAt, ipv4At, ipv6At, macAt, writeIpv4Fast, writeIpv6Fast, writeMacFast } from '../../../src/bgp/wire/evpn/fields';
import { toHex } from '../../../src/util/bytes';

const RUNS = Math.max(100, Math.floor(Number(process.env.FUZZ_RUNS ?? 100000) / 5));

/** The fast text builders of the EVPN decoders must agree exactly with the shared util formatters. */
describe('EVPN field text helpers', () => {
  const v6 = fc
    .array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0x20 })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((a) => {
      const b = new Uint8Array(16);
      a.forEach((x, i) => {
        b[2 * i] = x >>> 8;
        b[2 * i + 1] = x & 0xff;
      });
      return b;
    });

  it('ipv6At equals util ipv6ToString (RFC 5952)', () => {
    fc.assert(fc.property(v6, (b) => ipv6At(b, 0) === ipv6ToString(b, 0)), { numRuns: RUNS });
    expect(ipv6At(new Uint8Array(16), 0)).toBe('::');
    expect(ipv6At(ipBytes('2001:db8:0:0:1:0:0:1'), 0)).toBe('2001:db8::1:0:0:1');
    expect(ipv6At(ipBytes('2001:db8:0:1:1:1:1:1'), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(ipv6At(ipBytes('::ffff:10.0.0.1'), 0)).toBe('::ffff:10.0.0.1');
    expect(ipv6At(ipBytes('1::'), 0)).toBe('1::');
  });

  it('ipv4At, macAt and colonHexAt equal the util formatters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (b) => {
        expect(ipv4At(b, 1)).toBe(ipv4ToString(b, 1));
        expect(macAt(b, 2)).toBe(macToString(b, 2));
        expect(colonHexAt(b, 0, 10)).toBe(Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
      }),
      { numRuns: RUNS },
    );
  });

  function outcome(fn: (b: Uint8Array) => number): string {
    const b = new Uint8Array(16);
    try {
      return `${fn(b)}:${toHex(b)}`;
    } catch (e) {
      if (e instanceof RangeError) return 'RangeError';
      throw e;
    }
  }

  it('writeIpv6Fast parses every canonical address back to its octets', () => {
    fc.assert(
      fc.property(v6, (b) => {
        const out = new Uint8Array(16);
        expect(writeIpv6Fast(out, 0, ipv6At(b, 0))).toBe(16);
        expect(toHex(out)).toBe(toHex(b));
      }),
      { numRuns: RUNS },
    );
    for (const [text, hex] of [
      ['::', '0'.repeat(32)],
      ['1::', '0001' + '0'.repeat(28)],
      ['::1', '0'.repeat(28) + '0001'],
      ['1:2:3:4:5:6:7::', '0001000200030004000500060007' + '0000'],
      ['::2:3:4:5:6:7:8', '0000' + '0002000300040005000600070008'],
      ['FD00::A:b', 'fd00' + '0'.repeat(20) + '000a000b'],
      ['1:2:3:4:5:6:10.0.0.1', '000100020003000400050006' + '0a000001'],
      ['::ffff:10.0.0.1', '0'.repeat(20) + 'ffff' + '0a000001'],
    ] as const) {
      const out = new Uint8Array(16);
      writeIpv6Fast(out, 0, text);
      expect(toHex(out), text).toBe(hex);
    }
    for (const bad of ['', ':', ':::', '1:', ':1', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', '::g', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3', '::1.2.3.4:5', '1.2.3.4']) {
      expect(() => writeIpv6Fast(new Uint8Array(16), 0, bad), bad).toThrow(RangeError);
    }
  });

  it('writeIpv6Fast accepts and rejects the same strings as util writeIpv6', () => {
    const text = fc.stringOf(fc.constantFrom('0', '1', 'f', 'A', '9', ':', ':', ':', '.', '2', '5'), { maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(text, v6.map((b) => ipv6At(b, 0))), (t) => {
        expect(outcome((b) => writeIpv6Fast(b, 0, t))).toBe(outcome((b) => writeIpv6(b, 0, t)));
      }),
      { numRuns: RUNS },
    );
  });

  it('writeIpv4Fast accepts dotted quads only', () => {
    const b = new Uint8Array(4);
    writeIpv4Fast(b, 0, '255.0.10.1');
    expect(Array.from(b)).toEqual([255, 0, 10, 1]);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', '+1.2.3.4', '1.2.3.0001', '', 'a.b.c.d']) {
      expect(() => writeIpv4Fast(b, 0, bad), bad).toThrow(RangeError);
    }
  });

  it('writeMacFast accepts colon or dash separated hex, any case', () => {
    const b = new Uint8Array(6);
    writeMacFast(b, 0, '02-CC-00-00-00-1f');
    expect(macAt(b, 0)).toBe('02:cc:00:00:00:1f');
    for (const bad of ['02:cc:00:00:00', '02:cc:00:00:00:1g', '02:cc:00:00:00:111', '02cc.0000.0011', '02;cc:00:00:00:11']) {
      expect(() => writeMacFast(b, 0, bad), bad).toThrow(RangeError);
    }
  });
});
