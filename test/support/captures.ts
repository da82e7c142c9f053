import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * TEST-ONLY reader of the shared captures, deliberately independent of the
 * codecs under test (src/packet, src/bgp): classic pcap (either byte order,
 * µs or ns) → Ethernet (802.1Q tags skipped) → IPv4 → TCP, payloads joined per
 * direction in sequence order. The captures are loss-free; retransmitted
 * octets are skipped by sequence number and a gap is an error.
 */

/** `shared/vectors`, the sibling of the repository root. */
export const VECTORS = path.resolve(__dirname, '../..', '..', 'shared/vectors');

export interface CapturedStream {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  data: Uint8Array;
  /** Seconds since the capture's first packet at which stream octet i arrived. */
  times: Float64Array;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32be = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

/** TCP payload streams of a capture (a file name in VECTORS or a path), in the order directions first appear. */
export function captureStreams(file: string): CapturedStream[] {
  const buf = new Uint8Array(readFileSync(path.isAbsolute(file) ? file : path.join(VECTORS, file)));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a classic pcap file`);
  if (dv.getUint32(20, le) !== 1) throw new Error(`${file}: link type is not Ethernet`);
  const streams = new Map<string, { s: Omit<CapturedStream, 'data' | 'times'>; next: number | null; parts: Uint8Array[]; times: number[] }>();
  let t0: number | null = null;
  for (let off = 24; off + 16 <= buf.length; ) {
    const t = dv.getUint32(off, le) + dv.getUint32(off + 4, le) / (nano ? 1e9 : 1e6);
    t0 ??= t;
    const incl = dv.getUint32(off + 8, le);
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let p = 12;
    while (u16(pkt, p) === 0x8100 || u16(pkt, p) === 0x88a8) p += 4;
    if (u16(pkt, p) !== 0x0800) continue;
    const ip = pkt.subarray(p + 2);
    if (ip[9] !== 6) continue;
    const tcp = ip.subarray((ip[0]! & 0x0f) * 4, u16(ip, 2));
    const src = ip.subarray(12, 16).join('.');
    const dst = ip.subarray(16, 20).join('.');
    const key = `${src}:${u16(tcp, 0)}>${dst}:${u16(tcp, 2)}`;
    let st = streams.get(key);
    if (!st) streams.set(key, (st = { s: { src, srcPort: u16(tcp, 0), dst, dstPort: u16(tcp, 2) }, next: null, parts: [], times: [] }));
    const seq = u32be(tcp, 4);
    if (tcp[13]! & 0x02) {
      st.next = (seq + 1) >>> 0;
      continue;
    }
    const payload = tcp.subarray((tcp[12]! >> 4) * 4);
    if (payload.length === 0) continue;
    st.next ??= seq;
    const behind = (st.next - seq) >>> 0;
    if (behind !== 0) {
      if (behind < 0x80000000 && behind >= payload.length) continue;
      throw new Error(`${file}: gap in ${key} at seq ${seq}, expected ${st.next}`);
    }
    st.parts.push(payload.slice());
    for (let i = 0; i < payload.length; i++) st.times.push(t - t0);
    st.next = (seq + payload.length) >>> 0;
  }
  return [...streams.values()]
    .filter((st) => st.parts.length > 0)
    .map((st) => {
      const data = new Uint8Array(st.times.length);
      let o = 0;
      for (const part of st.parts) {
        data.set(part, o);
        o += part.length;
      }
      return { ...st.s, data, times: Float64Array.from(st.times) };
    });
}

/** Splits a BGP byte stream by the header's length field alone; returns [offset, message] pairs. */
export function splitBgp(stream: Uint8Array): { offset: number; bytes: Uint8Array }[] {
  const out: { offset: number; bytes: Uint8Array }[] = [];
  let o = 0;
  while (o + 19 <= stream.length) {
    const len = u16(stream, o + 16);
    if (len < 19 || o + len > stream.length) throw new Error(`bad BGP length ${len} at ${o}`);
    out.push({ offset: o, bytes: stream.slice(o, o + len) });
    o += len;
  }
  if (o !== stream.length) throw new Error(`${stream.length - o} trailing octets`);
  return out;
}
