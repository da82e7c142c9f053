import { describe, expect, it } from 'vitest';
import { CaptureBuffer, nativeRecordsToPcap, pcapFileHeader, underlayRxHeader } from '../../../src/dataplane/capture';
import { readPcap } from '../../../src/packet/pcap';
import { concat } from '../bgp-attr/build';

/** One record in the native ring layout (native/src/capture.h). */
function nativeRecord(data: number[], orig: number, ns: bigint, dir = 0): Uint8Array {
  const rec = (24 + data.length + 7) & ~7;
  const b = new Uint8Array(rec);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, rec, true);
  dv.setUint32(4, data.length, true);
  dv.setUint32(8, orig, true);
  b[12] = dir;
  dv.setBigUint64(16, ns, true);
  b.set(data, 24);
  return b;
}

/** RFC 1071 sum of a region that includes its checksum field: 0xffff when valid. */
function sum(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i < len; i += 2) s += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe('capture records', () => {
  it('native ring records become pcap records our reader and the timestamps agree with', () => {
    const a = nativeRecord([1, 2, 3, 4, 5], 5, 1_700_000_000_123_456_789n);
    const b = nativeRecord([9, 8, 7], 1500, 1_700_000_001_000_001_000n, 1); // cut at snaplen: orig > captured
    const { records, count } = nativeRecordsToPcap(concat(a, b));
    expect(count).toBe(2);
    const file = readPcap(concat(pcapFileHeader(65535), records));
    expect(file.error).toBeUndefined();
    expect(file.records.map((r) => [r.tsSec, r.tsUsec, r.caplen, r.origLen, [...r.data]])).toEqual([
      [1_700_000_000, 123_456, 5, 5, [1, 2, 3, 4, 5]],
      [1_700_000_001, 1, 3, 1500, [9, 8, 7]],
    ]);
  });

  it('a truncated trailing native record is left out, not misread', () => {
    const a = nativeRecord([1, 2, 3], 3, 1n);
    const b = nativeRecord([4, 5, 6, 7], 4, 2n);
    expect(nativeRecordsToPcap(concat(a, b.subarray(0, 20))).count).toBe(1);
  });

  it('the portable buffer cuts at snaplen, drops what does not fit, and delivers on stop', () => {
    const got: Uint8Array[] = [];
    let stopped = 0;
    const buf = new CaptureBuffer({ port: 0, snaplen: 64 }, (r) => got.push(r), () => stopped++, 16 + 64 + 16 + 10);
    const frame = new Uint8Array(100).fill(7);
    buf.put(null, frame, 0, 100); // 64 captured of 100
    buf.put(null, frame, 0, 10); // fits exactly
    buf.put(null, frame, 0, 10); // full: dropped
    expect(buf.stats()).toEqual({ captured: 2, dropped: 1 });
    buf.stop();
    buf.stop();
    expect(stopped).toBe(1);
    const file = readPcap(concat(pcapFileHeader(64), ...got));
    expect(file.records.map((r) => [r.caplen, r.origLen])).toEqual([
      [64, 100],
      [10, 10],
    ]);
  });

  it('a rebuilt underlay header is a valid IPv4/UDP header around the payload', () => {
    const payload = new Uint8Array([0x08, 0, 0, 0, 0, 0, 100, 0, 1, 2, 3]);
    const ip = (s: string): Uint8Array => new Uint8Array(s.split('.').map(Number));
    const h = underlayRxHeader({ family: 4, ip: ip('10.0.0.1'), mac: new Uint8Array([2, 0, 0, 0, 0, 1]), port: 4789 }, { ip: ip('10.0.0.2'), port: 50000 }, payload, 0, payload.length);
    const dv = new DataView(h.buffer);
    expect(h.length).toBe(42);
    expect(dv.getUint16(12)).toBe(0x0800);
    expect(sum(h, 14, 20)).toBe(0xffff);
    expect(dv.getUint16(16)).toBe(20 + 8 + payload.length);
    expect([...h.subarray(26, 34)]).toEqual([10, 0, 0, 2, 10, 0, 0, 1]);
    expect([dv.getUint16(34), dv.getUint16(36), dv.getUint16(38), dv.getUint16(40)]).toEqual([50000, 4789, 8 + payload.length, 0]);
  });

  it('over IPv6 the rebuilt UDP checksum verifies (RFC 8200 §8.1)', () => {
    const payload = new Uint8Array([0x08, 0, 0, 0, 0, 0, 100, 0, 0xaa, 0xbb, 0xcc]);
    const a = new Uint8Array(16);
    a[0] = 0xfd;
    a[15] = 1;
    const b = new Uint8Array(16);
    b[0] = 0xfd;
    b[15] = 2;
    const h = underlayRxHeader({ family: 6, ip: a, mac: new Uint8Array(6), port: 4789 }, { ip: b, port: 49999 }, payload, 0, payload.length);
    expect(h.length).toBe(62);
    const udpLen = 8 + payload.length;
    const pseudo = sum(h, 22, 32, 17 + udpLen);
    const s = sum(payload, 0, payload.length, sum(h, 54, 8, pseudo));
    expect(s).toBe(0xffff);
  });
});
