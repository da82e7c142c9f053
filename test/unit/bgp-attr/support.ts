import { readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * TEST-ONLY: pulls the BGP messages out of the shared captures. Classic
 * libpcap, Ethernet (optionally one 802.1Q tag), IPv4, TCP; payloads are
 * concatenated per direction in sequence order (the captures are loss-free;
 * retransmitted octets are skipped by sequence number) and split by the BGP
 * header's length field.
 */

export const VECTORS = path.resolve(__dirname, '../../..', '..', 'shared/vectors');

export interface CapturedMessage {
  src: string;
  dst: string;
  /** Seconds since the first packet of the capture, of the segment holding the first octet. */
  time: number;
  /** Whole BGP message, header included. */
  bytes: Uint8Array;
  type: number;
}

interface Stream {
  src: string;
  dst: string;
  nextSeq: number | null;
  data: number[];
  times: number[];
}

export function readPcapBgp(file: string): CapturedMessage[] {
  const buf = new Uint8Array(readFileSync(path.join(VECTORS, file)));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) le = false;
  else if (magic === 0xd4c3b2a1) le = true;
  else if (magic === 0xa1b23c4d) (le = false), (nano = true);
  else if (magic === 0x4d3cb2a1) (le = true), (nano = true);
  else throw new Error(`${file}: not a classic pcap file`);
  if (dv.getUint32(20, le) !== 1) throw new Error(`${file}: link type is not Ethernet`);

  const streams = new Map<string, Stream>();
  let off = 24;
  let t0: number | null = null;
  while (off + 16 <= buf.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const t = sec + frac / (nano ? 1e9 : 1e6);
    t0 ??= t;
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;

    let p = 12;
    let ethType = (pkt[p]! << 8) | pkt[p + 1]!;
    if (ethType === 0x8100) {
      p += 4;
      ethType = (pkt[p]! << 8) | pkt[p + 1]!;
    }
    p += 2;
    if (ethType !== 0x0800) continue;
    const ihl = (pkt[p]! & 0x0f) * 4;
    const totalLen = (pkt[p + 2]! << 8) | pkt[p + 3]!;
    if (pkt[p + 9] !== 6) continue;
    const src = pkt.subarray(p + 12, p + 16).join('.');
    const dst = pkt.subarray(p + 16, p + 20).join('.');
    const tcp = p + ihl;
    const seq = ((pkt[tcp + 4]! << 24) >>> 0) + ((pkt[tcp + 5]! << 16) | (pkt[tcp + 6]! << 8) | pkt[tcp + 7]!);
    const dataOff = (pkt[tcp + 12]! >> 4) * 4;
    const tcpFlags = pkt[tcp + 13]!;
    const payload = pkt.subarray(tcp + dataOff, p + totalLen);
    const key = `${src}:${(pkt[tcp]! << 8) | pkt[tcp + 1]!}>${dst}:${(pkt[tcp + 2]! << 8) | pkt[tcp + 3]!}`;
    let s = streams.get(key);
    if (!s) {
      s = { src, dst, nextSeq: null, data: [], times: [] };
      streams.set(key, s);
    }
    if (tcpFlags & 0x02) {
      s.nextSeq = (seq + 1) >>> 0;
      continue;
    }
    if (payload.length === 0) continue;
    if (s.nextSeq === null) s.nextSeq = seq;
    const skip = (s.nextSeq - seq) | 0;
    if (skip >= payload.length) continue;
    const fresh = payload.subarray(Math.max(0, skip));
    for (const x of fresh) {
      s.data.push(x);
      s.times.push(t - t0);
    }
    s.nextSeq = (s.nextSeq + fresh.length) >>> 0;
  }

  const out: CapturedMessage[] = [];
  for (const s of streams.values()) {
    let i = 0;
    while (i + 19 <= s.data.length) {
      const len = (s.data[i + 16]! << 8) | s.data[i + 17]!;
      if (len < 19 || i + len > s.data.length) throw new Error(`${file}: bad BGP framing in ${s.src} -> ${s.dst}`);
      out.push({ src: s.src, dst: s.dst, time: s.times[i]!, bytes: Uint8Array.from(s.data.slice(i, i + len)), type: s.data[i + 18]! });
      i += len;
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

/** Deterministic PRNG for mutation fuzzing (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
