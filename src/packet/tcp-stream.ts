import type { Ip } from '../util/ip';
import { type DecodedFrame, findLayer } from './frame';
import { type TcpSegment, TcpFlag } from './tcp';

/**
 * Offline TCP reassembly for captures (e.g. to pull BGP messages out of a
 * pcap): per direction, payload bytes are placed by sequence number, so
 * reordering, retransmissions and overlaps are tolerated, and every byte
 * range remembers the capture frame it came from.
 */

/** A TCP segment and where it was seen; `frame` is the 1-based pcap frame number. */
export interface TcpSegmentRef {
  frame: number;
  src: Ip;
  dst: Ip;
  tcp: TcpSegment;
}

/** Stream octets [start, end) were first supplied by `frame`. */
export interface StreamChunk {
  start: number;
  end: number;
  frame: number;
}

export interface TcpStream {
  src: Ip;
  srcPort: number;
  dst: Ip;
  dstPort: number;
  /** Sequence number of stream offset 0 (ISN + 1 when the SYN was captured). */
  baseSeq: number;
  synSeen: boolean;
  finSeen: boolean;
  /** The byte stream; octets inside `gaps` were never captured and read as zero. */
  data: Uint8Array;
  /** Sorted, non-overlapping, covering `data` except the gaps; each octet belongs to the first frame (in capture order) that carried it. */
  chunks: StreamChunk[];
  gaps: { start: number; end: number }[];
  /** Frames whose payload added nothing new (retransmissions or duplicates). */
  duplicateFrames: number[];
}

/** Direction key "src|sport|dst|dport". */
export function streamKey(src: Ip, srcPort: number, dst: Ip, dstPort: number): string {
  return `${src}|${srcPort}|${dst}|${dstPort}`;
}

/** TCP segments of decoded frames; `frames[i]` is frame number i + 1 unless numbers are given. */
export function tcpSegmentsOf(frames: readonly (DecodedFrame | { frame: number; decoded: DecodedFrame })[]): TcpSegmentRef[] {
  const out: TcpSegmentRef[] = [];
  frames.forEach((f, i) => {
    const decoded = 'decoded' in f ? f.decoded : f;
    const frame = 'decoded' in f ? f.frame : i + 1;
    // A frame has at most one TCP layer (nothing is decoded inside TCP); its addresses are those of
    // the nearest IP layer outside it, which also covers TCP carried inside VXLAN.
    const t = findLayer(decoded, 'tcp');
    if (!t) return;
    const idx = decoded.layers.indexOf(t);
    for (let j = idx - 1; j >= 0; j--) {
      const l = decoded.layers[j]!;
      if (l.type === 'ipv4' || l.type === 'ipv6') {
        out.push({ frame, src: l.value.src, dst: l.value.dst, tcp: t.value });
        return;
      }
    }
  });
  return out;
}

interface Pending {
  src: Ip;
  srcPort: number;
  dst: Ip;
  dstPort: number;
  isn?: number;
  finSeen: boolean;
  /** Sequence number of the first payload octet, the frame, the payload. */
  parts: { seq: number; frame: number; payload: Uint8Array }[];
}

/** Signed 32-bit distance a − b in sequence space (RFC 9293 §3.4 modular arithmetic). */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function build(p: Pending): TcpStream {
  let base: number;
  if (p.isn !== undefined) {
    base = (p.isn + 1) >>> 0;
  } else {
    // No SYN: start at the lowest sequence number seen (relative to the first, so wrap-around works).
    base = p.parts.length ? p.parts[0]!.seq : 0;
    for (const part of p.parts) if (seqDiff(part.seq, base) < 0) base = part.seq;
  }
  // Capture order: the first frame to carry a byte supplies it (later overlaps are retransmissions).
  const entries = p.parts
    .map((part) => ({ rel: seqDiff(part.seq, base), frame: part.frame, payload: part.payload }))
    .filter((e) => e.rel + e.payload.length > 0)
    .sort((a, b) => a.frame - b.frame);
  let total = 0;
  for (const e of entries) total = Math.max(total, e.rel + e.payload.length);
  const data = new Uint8Array(total);
  const pieces: StreamChunk[] = [];
  const duplicateFrames: number[] = [];
  /** Disjoint, sorted, merged ranges already filled. */
  let covered: { start: number; end: number }[] = [];
  for (const e of entries) {
    const s = Math.max(0, e.rel);
    const end = e.rel + e.payload.length;
    let cur = s;
    let added = false;
    const take = (a: number, b: number): void => {
      data.set(e.payload.subarray(a - e.rel, b - e.rel), a);
      pieces.push({ start: a, end: b, frame: e.frame });
      added = true;
    };
    for (const iv of covered) {
      if (iv.end <= cur) continue;
      if (iv.start >= end) break;
      if (iv.start > cur) take(cur, iv.start);
      cur = Math.max(cur, iv.end);
      if (cur >= end) break;
    }
    if (cur < end) take(cur, end);
    if (!added) {
      duplicateFrames.push(e.frame);
      continue;
    }
    const merged: { start: number; end: number }[] = [];
    let ns = s;
    let ne = end;
    for (const iv of covered) {
      if (iv.end < ns || iv.start > ne) merged.push(iv);
      else {
        ns = Math.min(ns, iv.start);
        ne = Math.max(ne, iv.end);
      }
    }
    merged.push({ start: ns, end: ne });
    covered = merged.sort((a, b) => a.start - b.start);
  }
  pieces.sort((a, b) => a.start - b.start);
  const chunks: StreamChunk[] = [];
  for (const pc of pieces) {
    const last = chunks[chunks.length - 1];
    if (last && last.frame === pc.frame && last.end === pc.start) last.end = pc.end;
    else chunks.push({ ...pc });
  }
  const gaps: { start: number; end: number }[] = [];
  let at = 0;
  for (const iv of covered) {
    if (iv.start > at) gaps.push({ start: at, end: iv.start });
    at = iv.end;
  }
  return {
    src: p.src,
    srcPort: p.srcPort,
    dst: p.dst,
    dstPort: p.dstPort,
    baseSeq: base,
    synSeen: p.isn !== undefined,
    finSeen: p.finSeen,
    data,
    chunks,
    gaps,
    duplicateFrames: [...new Set(duplicateFrames)].sort((a, b) => a - b),
  };
}

/**
 * Reassembles every direction of every connection in `segments`, in order of
 * first appearance. A SYN with a new ISN on a 4-tuple that already had one
 * (port reuse) starts a new stream. Payloads of RST segments are not stream
 * data (RFC 9293 §3.5.3) and are ignored. Streams longer than 2 GiB are not
 * supported (sequence distances are taken modulo 2^31).
 */
export function reassembleTcpStreams(segments: Iterable<TcpSegmentRef>): TcpStream[] {
  const order: Pending[] = [];
  const live = new Map<string, Pending>();
  for (const s of segments) {
    const t = s.tcp;
    const key = streamKey(s.src, t.srcPort, s.dst, t.dstPort);
    let p = live.get(key);
    const syn = (t.flags & TcpFlag.SYN) !== 0;
    if (!p || (syn && p.isn !== undefined && p.isn !== t.seq)) {
      p = { src: s.src, srcPort: t.srcPort, dst: s.dst, dstPort: t.dstPort, finSeen: false, parts: [] };
      live.set(key, p);
      order.push(p);
    }
    if (syn && p.isn === undefined) p.isn = t.seq;
    if (t.flags & TcpFlag.FIN) p.finSeen = true;
    if (t.flags & TcpFlag.RST || t.payload.length === 0) continue;
    // Data on a SYN (TCP Fast Open) starts after the SYN's sequence number.
    p.parts.push({ seq: (t.seq + (syn ? 1 : 0)) >>> 0, frame: s.frame, payload: t.payload });
  }
  return order.map(build);
}

/** The frame that supplied stream octet `offset`, or undefined inside a gap or past the end. */
export function frameAt(stream: TcpStream, offset: number): number | undefined {
  const c = stream.chunks;
  let lo = 0;
  let hi = c.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const ch = c[mid]!;
    if (offset < ch.start) hi = mid - 1;
    else if (offset >= ch.end) lo = mid + 1;
    else return ch.frame;
  }
  return undefined;
}
