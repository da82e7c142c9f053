import { captureStreams, splitBgp } from '../../support/captures';

/** TEST-ONLY: the BGP messages of the shared captures (via test/support/captures.ts), in time order. */

export { VECTORS } from '../../support/captures';

export interface CapturedMessage {
  src: string;
  dst: string;
  /** Seconds since the first packet of the capture, of the segment holding the first octet. */
  time: number;
  /** Whole BGP message, header included. */
  bytes: Uint8Array;
  type: number;
}

export function readPcapBgp(file: string): CapturedMessage[] {
  const out: CapturedMessage[] = [];
  for (const s of captureStreams(file)) {
    for (const m of splitBgp(s.data)) out.push({ src: s.src, dst: s.dst, time: s.times[m.offset]!, bytes: m.bytes, type: m.bytes[18]! });
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
