/**
 * Capture taps (`evpn-vtep capture`, issue 8): what one port of the fast path
 * receives and sends, as classic pcap records (src/packet/pcap.ts layout:
 * little-endian, microsecond timestamps), in batches.
 *
 * Both backends implement CaptureSource. The native one copies frames on the
 * packet thread into a preallocated ring (native/src/capture.h) drained here
 * every DRAIN_MS; the portable one copies on the JavaScript thread into a
 * bounded buffer (CaptureBuffer). Either way the cost is bounded: a consumer
 * that falls behind loses frames (counted in `dropped`), the forwarding path
 * never waits for it.
 */
import { LINKTYPE_ETHERNET, PCAP_RECORD_HEADER_LENGTH, writePcap } from '../packet/pcap';

/** What to capture. */
export interface CaptureSpec {
  /** An access port's pipeline index, or the underlay. */
  port: number | 'underlay';
  /** Only frames of this VNI (default: every VNI). */
  vni?: number;
  /** Octets kept of each frame (default 65535). */
  snaplen?: number;
}

export interface CaptureStats {
  captured: number;
  dropped: number;
}

/** A running capture. stop() ends it (idempotent) and delivers what is still queued first. */
export interface CaptureSession {
  readonly snaplen: number;
  stats(): CaptureStats;
  stop(): CaptureStats;
}

/**
 * `sink` receives pcap record bytes (each record: 16-octet header, then the
 * captured octets) and how many records they hold. Throws when a capture is
 * already running (one tap at a time) or the spec is out of range.
 */
export interface CaptureSource {
  startCapture(spec: CaptureSpec, sink: (records: Uint8Array, count: number) => void): CaptureSession;
}

export const DEFAULT_SNAPLEN = 65535;
/** How often the JavaScript thread drains a running capture. */
export const DRAIN_MS = 20;
/** Octets of pcap records a portable capture keeps before it drops. */
export const PORTABLE_CAPTURE_BYTES = 4 << 20;

/** The global header of the file a capture writes. */
export function pcapFileHeader(snaplen: number): Uint8Array {
  return writePcap([], { snaplen, linkType: LINKTYPE_ETHERNET });
}

export function checkSpec(spec: CaptureSpec): string | null {
  if (spec.port !== 'underlay' && !(Number.isInteger(spec.port) && spec.port >= 0)) return 'capture port must be an index or "underlay"';
  if (spec.vni !== undefined && !(Number.isInteger(spec.vni) && spec.vni >= 0 && spec.vni <= 0xffffff)) return 'capture VNI must be 0..16777215';
  if (spec.snaplen !== undefined && !(Number.isInteger(spec.snaplen) && spec.snaplen >= 64 && spec.snaplen <= 262144)) return 'snaplen must be 64..262144';
  return null;
}

const NATIVE_RECORD_HEADER = 24;

/**
 * Native ring records (capture.h: u32 record length, u32 captured, u32 on the
 * wire, u8 direction, 3 pad, u64 ns; host = little-endian order) to pcap
 * records, in one pass over one output buffer.
 */
export function nativeRecordsToPcap(raw: Uint8Array): { records: Uint8Array; count: number } {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let size = 0;
  let count = 0;
  for (let o = 0; o + NATIVE_RECORD_HEADER <= raw.length; ) {
    const rec = dv.getUint32(o, true);
    if (rec < NATIVE_RECORD_HEADER || o + rec > raw.length) break;
    size += PCAP_RECORD_HEADER_LENGTH + dv.getUint32(o + 4, true);
    count++;
    o += rec;
  }
  const out = new Uint8Array(size);
  const ov = new DataView(out.buffer);
  let w = 0;
  for (let o = 0, i = 0; i < count; i++) {
    const rec = dv.getUint32(o, true);
    const cap = dv.getUint32(o + 4, true);
    const ns = dv.getBigUint64(o + 16, true);
    ov.setUint32(w, Number(ns / 1_000_000_000n), true);
    ov.setUint32(w + 4, Number((ns % 1_000_000_000n) / 1000n), true);
    ov.setUint32(w + 8, cap, true);
    ov.setUint32(w + 12, dv.getUint32(o + 8, true), true);
    out.set(raw.subarray(o + NATIVE_RECORD_HEADER, o + NATIVE_RECORD_HEADER + cap), w + PCAP_RECORD_HEADER_LENGTH);
    w += PCAP_RECORD_HEADER_LENGTH + cap;
    o += rec;
  }
  return { records: out, count };
}

/**
 * The portable backend's tap: pcap records appended into a fixed buffer on
 * the JavaScript thread, handed to the sink on a timer; a frame that does not
 * fit is dropped and counted.
 */
export class CaptureBuffer implements CaptureSession {
  readonly snaplen: number;
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private used = 0;
  private count = 0;
  private captured = 0;
  private dropped = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(
    readonly spec: CaptureSpec,
    private readonly sink: (records: Uint8Array, count: number) => void,
    private readonly onStop: () => void,
    bytes = PORTABLE_CAPTURE_BYTES,
  ) {
    this.snaplen = spec.snaplen ?? DEFAULT_SNAPLEN;
    this.buf = new Uint8Array(bytes);
    this.view = new DataView(this.buf.buffer);
    this.timer = setInterval(() => this.drain(), DRAIN_MS);
  }

  wants(vni: number): boolean {
    return this.spec.vni === undefined || this.spec.vni === vni;
  }

  /** One frame: `head` (a rebuilt header, may be empty) then data[off, off + len). */
  put(head: Uint8Array | null, data: Uint8Array, off: number, len: number): void {
    if (this.stopped) return;
    const headLen = head ? head.length : 0;
    const orig = headLen + len;
    const cap = Math.min(orig, this.snaplen);
    if (this.used + PCAP_RECORD_HEADER_LENGTH + cap > this.buf.length) {
      this.dropped++;
      return;
    }
    const ms = Date.now();
    const w = this.used;
    this.view.setUint32(w, Math.floor(ms / 1000), true);
    this.view.setUint32(w + 4, (ms % 1000) * 1000, true);
    this.view.setUint32(w + 8, cap, true);
    this.view.setUint32(w + 12, orig, true);
    let p = w + PCAP_RECORD_HEADER_LENGTH;
    const fromHead = Math.min(headLen, cap);
    if (head && fromHead) {
      this.buf.set(head.subarray(0, fromHead), p);
      p += fromHead;
    }
    if (cap > fromHead) this.buf.set(data.subarray(off, off + cap - fromHead), p);
    this.used += PCAP_RECORD_HEADER_LENGTH + cap;
    this.count++;
    this.captured++;
  }

  private drain(): void {
    if (!this.used) return;
    const out = this.buf.slice(0, this.used);
    const n = this.count;
    this.used = 0;
    this.count = 0;
    this.sink(out, n);
  }

  stats(): CaptureStats {
    return { captured: this.captured, dropped: this.dropped };
  }

  stop(): CaptureStats {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.drain();
      this.onStop();
    }
    return this.stats();
  }
}

/**
 * The outer Ethernet + IP + UDP header of a VXLAN datagram received on a UDP
 * socket, which hands over only the payload: rebuilt from the sender's address
 * and port and our own, so the capture reads as VXLAN. The source MAC is not
 * known (zero); TTL 64, IPv4 DF, UDP checksum zero over IPv4 and computed over
 * IPv6 (RFC 8200 §8.1). The native tap builds the same (dataplane.cc).
 */
export function underlayRxHeader(
  local: { family: 4 | 6; ip: Uint8Array; mac: Uint8Array; port: number },  // ip: 4 or 16 octets used
  src: { ip: Uint8Array; port: number },
  payload: Uint8Array,
  off: number,
  len: number,
): Uint8Array {
  const v6 = local.family === 6;
  const hl = 14 + (v6 ? 40 : 20);
  const h = new Uint8Array(hl + 8);
  const dv = new DataView(h.buffer);
  h.set(local.mac, 0);
  dv.setUint16(12, v6 ? 0x86dd : 0x0800);
  const udpLen = 8 + len;
  if (v6) {
    h[14] = 0x60;
    dv.setUint16(18, udpLen);
    h[20] = 17;
    h[21] = 64;
    h.set(src.ip.subarray(0, 16), 22);
    h.set(local.ip.subarray(0, 16), 38);
  } else {
    h[14] = 0x45;
    dv.setUint16(16, 20 + udpLen);
    dv.setUint16(20, 0x4000);
    h[22] = 64;
    h[23] = 17;
    h.set(src.ip.subarray(0, 4), 26);
    h.set(local.ip.subarray(0, 4), 30);
    dv.setUint16(24, finish(sum16(h, 14, 20, 0)));
  }
  dv.setUint16(hl, src.port);
  dv.setUint16(hl + 2, local.port);
  dv.setUint16(hl + 4, udpLen);
  if (v6) {
    let s = sum16(h, 22, 32, 17 + udpLen);
    s = sum16(h, hl, 8, s);
    s = sum16(payload, off, len, s);
    const c = finish(s);
    dv.setUint16(hl + 6, c === 0 ? 0xffff : c);
  }
  return h;
}

/** One's-complement sum (RFC 1071) of data[off, off + len) added to `acc`, folded. */
function sum16(data: Uint8Array, off: number, len: number, acc: number): number {
  let s = acc;
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) s += (data[i]! << 8) | data[i + 1]!;
  if (i < end) s += data[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function finish(s: number): number {
  return ~s & 0xffff;
}
