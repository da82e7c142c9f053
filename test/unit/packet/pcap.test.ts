import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/util/errors';
import { toHex } from '../../../src/util/bytes';
import { readPcap, writePcap } from '../../../src/packet/pcap';
import { loadCapture } from './fixtures';

/** Builds a big-endian, optionally nanosecond file by hand. */
function bigEndianFile(ns: boolean): Uint8Array {
  const b = new Uint8Array(24 + 16 + 3);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, ns ? 0xa1b23c4d : 0xa1b2c3d4);
  dv.setUint16(4, 2);
  dv.setUint16(6, 4);
  dv.setUint32(16, 65535);
  dv.setUint32(20, 1);
  dv.setUint32(24, 1700000000);
  dv.setUint32(28, ns ? 123456789 : 123456);
  dv.setUint32(32, 3);
  dv.setUint32(36, 60);
  b.set([1, 2, 3], 40);
  return b;
}

describe('pcap', () => {
  it('reads the vectors (little-endian µs) and writes them back byte-identically', () => {
    const cap = loadCapture('vxlan-dataplane-frr.pcap');
    expect([cap.littleEndian, cap.nanosecond, cap.versionMajor, cap.versionMinor, cap.linkType]).toEqual([true, false, 2, 4, 1]);
    expect(cap.records[0]!.caplen).toBe(92);
    expect(cap.records[0]!.origLen).toBe(92);
    const again = readPcap(writePcap(cap.records, { snaplen: cap.snaplen }));
    expect(again.records).toEqual(cap.records);
  });

  it('reads big-endian µs and ns files', () => {
    const us = readPcap(bigEndianFile(false));
    expect([us.littleEndian, us.nanosecond, us.snaplen]).toEqual([false, false, 65535]);
    expect(us.records[0]).toEqual({ tsSec: 1700000000, tsUsec: 123456, tsNsec: 123456000, caplen: 3, origLen: 60, data: Uint8Array.of(1, 2, 3) });
    const ns = readPcap(bigEndianFile(true));
    expect(ns.nanosecond).toBe(true);
    expect([ns.records[0]!.tsUsec, ns.records[0]!.tsNsec]).toEqual([123456, 123456789]);
  });

  it('writes the little-endian µs header with link type Ethernet', () => {
    expect(toHex(writePcap([]))).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
  });

  it('a truncated file returns the good records and a DecodeError', () => {
    const full = writePcap([{ data: Uint8Array.of(1, 2, 3, 4) }, { data: Uint8Array.of(5, 6, 7, 8) }]);
    for (let cut = 24 + 20 + 1; cut < full.length; cut++) {
      const f = readPcap(full.subarray(0, cut));
      expect(f.records).toHaveLength(1);
      expect(f.error).toBeInstanceOf(DecodeError);
      expect(f.error!.message).toMatch(/record 2/);
    }
    expect(() => readPcap(full.subarray(0, 10))).toThrow(DecodeError);
    expect(() => readPcap(new Uint8Array(24))).toThrow(/magic/);
  });

  it('a huge incl_len does not read out of bounds', () => {
    const f = writePcap([{ data: Uint8Array.of(1) }]);
    new DataView(f.buffer).setUint32(24 + 8, 0xffffffff, true);
    const r = readPcap(f);
    expect(r.records).toEqual([]);
    expect(r.error).toBeInstanceOf(DecodeError);
  });
});
