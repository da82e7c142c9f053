import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import { canonicalIp, ipBytes, ipv6ToString } from '../../../src/util/ip';
import { macBytes, macToString } from '../../../src/util/mac';

describe('Reader', () => {
  it('reads big-endian integers', () => {
    const r = new Reader(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(r.u8()).toBe(1);
    expect(r.u16()).toBe(0x0203);
    expect(r.u24()).toBe(0x040506);
    expect(r.u32()).toBe(0x0708090a);
    expect(r.atEnd).toBe(true);
  });

  it('u32 is unsigned', () => {
    expect(new Reader(Uint8Array.from([0xff, 0xff, 0xff, 0xff])).u32()).toBe(0xffffffff);
  });

  it('sub() confines reads to its window', () => {
    const r = new Reader(Uint8Array.from([2, 0xaa, 0xbb, 0xcc]));
    const s = r.sub(r.u8());
    expect(s.u16()).toBe(0xaabb);
    expect(() => s.u8()).toThrow(DecodeError);
    expect(r.u8()).toBe(0xcc);
  });

  it('a truncated read throws DecodeError with the offset', () => {
    const r = new Reader(Uint8Array.from([1, 2]), 1);
    try {
      r.u16('length');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).offset).toBe(1);
      expect((e as DecodeError).message).toMatch(/length/);
    }
  });

  it('bytes() copies and view() does not', () => {
    const buf = Uint8Array.from([1, 2, 3]);
    const copy = new Reader(buf).bytes(2);
    const view = new Reader(buf).view(2);
    buf[0] = 9;
    expect(copy[0]).toBe(1);
    expect(view[0]).toBe(9);
  });
});

describe('addresses', () => {
  it('IPv6 text is RFC 5952 canonical', () => {
    expect(canonicalIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('::')).toBe('::');
    expect(canonicalIp('fe80::1')).toBe('fe80::1');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(ipv6ToString(ipBytes('2001:db8:0:1:1:1:1:1'), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(() => ipBytes('1:2:3')).toThrow(RangeError);
  });

  it('MAC round trip', () => {
    expect(macToString(macBytes('02:CC:00:00:00:11'), 0)).toBe('02:cc:00:00:00:11');
  });
});
