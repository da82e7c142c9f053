import { readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * TEST-ONLY extraction of EVPN NLRI fields from the shared captures:
 * classic pcap → Ethernet → IPv4 → TCP payload, reassembled per direction by
 * sequence number → BGP messages split by the header length → UPDATE →
 * MP_REACH_NLRI (14) / MP_UNREACH_NLRI (15) → the NLRI octets after
 * AFI/SAFI (and next hop + reserved octet for type 14).
 * Deliberately independent of the production BGP decoders.
 */

export const VECTORS = path.resolve(__dirname, '../../..', '..', 'shared/vectors');

export interface CapturedNlriField {
  /** "src -> dst" addresses of the TCP stream. */
  dir: string;
  /** Index of the BGP message in its direction (0-based). */
  msgIndex: number;
  attr: 14 | 15;
  afi: number;
  safi: number;
  /** The NLRI octets (withdrawn routes for 15). */
  nlri: Uint8Array;
}

interface Stream {
  key: string;
  nextSeq: number | null;
  chunks: Uint8Array[];
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? ((b[o + 3]! << 24) >>> 0) + ((b[o + 2]! << 16) | (b[o + 1]! << 8) | b[o]!)
    : ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/** TCP payloads per direction, in sequence order, in the order directions first appear. */
export function tcpStreams(file: string): { dir: string; data: Uint8Array }[] {
  const buf = new Uint8Array(readFileSync(file));
  const magic = u32(buf, 0, false);
  let le: boolean;
  if (magic === 0xa1b2c3d4) le = false;
  else if (magic === 0xd4c3b2a1) le = true;
  else throw new Error(`${file}: not a classic microsecond pcap`);
  if (u32(buf, 20, le) !== 1) throw new Error(`${file}: link type is not Ethernet`);
  const streams = new Map<string, Stream>();
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(buf, off + 8, le);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let eth = 12;
    let etherType = u16(frame, eth);
    while (etherType === 0x8100) {
      eth += 4;
      etherType = u16(frame, eth);
    }
    if (etherType !== 0x0800) continue;
    const ip = frame.subarray(eth + 2);
    const ihl = (ip[0]! & 0x0f) * 4;
    const totalLen = u16(ip, 2);
    if (ip[9] !== 6) continue;
    const tcp = ip.subarray(ihl, totalLen);
    const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}:${u16(tcp, 0)}`;
    const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}:${u16(tcp, 2)}`;
    const seq = u32(tcp, 4, false);
    const flags = tcp[13]!;
    const payload = tcp.subarray((tcp[12]! >> 4) * 4);
    const key = `${src} -> ${dst}`;
    let s = streams.get(key);
    if (!s) {
      s = { key, nextSeq: null, chunks: [] };
      streams.set(key, s);
    }
    if (flags & 0x02) {
      s.nextSeq = (seq + 1) >>> 0;
      continue;
    }
    if (payload.length === 0) continue;
    if (s.nextSeq === null) s.nextSeq = seq;
    if (seq !== s.nextSeq) {
      // Loss-free captures: the only legal mismatch is a retransmission of data we already have.
      const behind = (s.nextSeq - seq) >>> 0;
      if (behind >= payload.length && behind < 0x80000000) continue;
      throw new Error(`${file}: gap in ${key} at seq ${seq}, expected ${s.nextSeq}`);
    }
    s.chunks.push(payload.slice());
    s.nextSeq = (seq + payload.length) >>> 0;
  }
  return [...streams.values()]
    .filter((s) => s.chunks.length > 0)
    .map((s) => {
      const total = s.chunks.reduce((n, c) => n + c.length, 0);
      const data = new Uint8Array(total);
      let p = 0;
      for (const c of s.chunks) {
        data.set(c, p);
        p += c.length;
      }
      return { dir: s.key, data };
    });
}

/** Every MP_REACH/MP_UNREACH NLRI field in the capture, in per-direction message order. */
export function capturedNlriFields(file: string): CapturedNlriField[] {
  const out: CapturedNlriField[] = [];
  for (const { dir, data } of tcpStreams(file)) {
    let off = 0;
    let msgIndex = 0;
    while (off + 19 <= data.length) {
      const len = u16(data, off + 16);
      const type = data[off + 18]!;
      if (len < 19 || off + len > data.length) throw new Error(`${file}: bad BGP length ${len} at ${off} in ${dir}`);
      if (type === 2) {
        const body = data.subarray(off + 19, off + len);
        const wLen = u16(body, 0);
        const aLen = u16(body, 2 + wLen);
        let a = 4 + wLen;
        const aEnd = a + aLen;
        while (a < aEnd) {
          const flags = body[a]!;
          const at = body[a + 1]!;
          const ext = (flags & 0x10) !== 0;
          const vLen = ext ? u16(body, a + 2) : body[a + 2]!;
          const v = body.subarray(a + (ext ? 4 : 3), a + (ext ? 4 : 3) + vLen);
          a += (ext ? 4 : 3) + vLen;
          if (at === 14) {
            const nhLen = v[3]!;
            out.push({ dir, msgIndex, attr: 14, afi: u16(v, 0), safi: v[2]!, nlri: v.slice(4 + nhLen + 1) });
          } else if (at === 15) {
            out.push({ dir, msgIndex, attr: 15, afi: u16(v, 0), safi: v[2]!, nlri: v.slice(3) });
          }
        }
      }
      off += len;
      msgIndex++;
    }
    if (off !== data.length) throw new Error(`${file}: ${data.length - off} trailing octets in ${dir}`);
  }
  return out;
}
