import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * TEST-ONLY extraction of BGP byte streams from the shared captures: classic
 * pcap, Ethernet, IPv4, TCP, payloads concatenated per direction in sequence
 * order. The real packet codecs live in src/packet; this stays independent so
 * the BGP tests do not depend on them.
 */

export const VECTORS = path.resolve(__dirname, '../../..', '..', 'shared/vectors');

export interface TcpStream {
  /** "src:port>dst:port" */
  key: string;
  src: string;
  dst: string;
  bytes: Uint8Array;
}

function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

export function readPcapStreams(file: string): TcpStream[] {
  const data = new Uint8Array(readFileSync(path.join(VECTORS, file)));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`${file}: not a classic pcap file`);
  const linktype = dv.getUint32(20, le);
  if (linktype !== 1) throw new Error(`${file}: link type ${linktype} is not Ethernet`);

  const streams = new Map<string, { src: string; dst: string; parts: Uint8Array[]; next: number | null }>();
  let off = 24;
  while (off + 16 <= data.length) {
    const incl = dv.getUint32(off + 8, le);
    const frame = data.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let p = 12;
    let etype = u16be(frame, p);
    while (etype === 0x8100 || etype === 0x88a8) {
      p += 4;
      etype = u16be(frame, p);
    }
    p += 2;
    if (etype !== 0x0800) continue;
    const ip = frame.subarray(p);
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = u16be(ip, 2);
    if (ip[9] !== 6) continue;
    const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    const tcp = ip.subarray(ihl, total);
    const sport = u16be(tcp, 0);
    const dport = u16be(tcp, 2);
    const seq = u32be(tcp, 4);
    const flags = tcp[13]!;
    const doff = (tcp[12]! >> 4) * 4;
    const payload = tcp.subarray(doff);
    const key = `${src}:${sport}>${dst}:${dport}`;
    let s = streams.get(key);
    if (!s) {
      s = { src, dst, parts: [], next: null };
      streams.set(key, s);
    }
    if (flags & 0x02) {
      s.next = (seq + 1) >>> 0;
      continue;
    }
    if (payload.length === 0) continue;
    // Loss-free captures: keep segments in order and drop anything already seen.
    if (s.next !== null && seq !== s.next) {
      if (((seq - s.next) | 0) < 0) continue;
      throw new Error(`${file}: gap in ${key} at seq ${seq}, expected ${s.next}`);
    }
    s.parts.push(payload.slice());
    s.next = (seq + payload.length) >>> 0;
  }
  const out: TcpStream[] = [];
  for (const [key, s] of streams) {
    const len = s.parts.reduce((a, b) => a + b.length, 0);
    if (len === 0) continue;
    const bytes = new Uint8Array(len);
    let o = 0;
    for (const part of s.parts) {
      bytes.set(part, o);
      o += part.length;
    }
    out.push({ key, src: s.src, dst: s.dst, bytes });
  }
  return out;
}

/** Splits a stream by the header length field alone (independent of the framer under test). */
export function splitMessages(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o + 19 <= stream.length) {
    const len = u16be(stream, o + 16);
    if (len < 19 || o + len > stream.length) throw new Error(`bad length ${len} at ${o}`);
    out.push(stream.slice(o, o + len));
    o += len;
  }
  if (o !== stream.length) throw new Error(`${stream.length - o} trailing octets`);
  return out;
}

export interface CapturedMessage {
  file: string;
  src: string;
  dst: string;
  type: number;
  bytes: Uint8Array;
}

export const CAPTURES = ['frr-frr-ibgp-evpn.pcap', 'gobgp-frr-ebgp-evpn.pcap'] as const;

/** Every BGP message of both captures with its direction. */
export function capturedMessages(): CapturedMessage[] {
  const out: CapturedMessage[] = [];
  for (const file of CAPTURES) {
    for (const s of readPcapStreams(file)) {
      for (const m of splitMessages(s.bytes)) out.push({ file, src: s.src, dst: s.dst, type: m[18]!, bytes: m });
    }
  }
  return out;
}

/** Whole TCP payload streams of both captures (one per direction). */
export function capturedStreams(): TcpStream[] {
  return CAPTURES.flatMap((f) => readPcapStreams(f));
}

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
