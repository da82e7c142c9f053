/**
 * Events to the control plane as the fixed 40-octet records of
 * native/src/events.h (decoded by src/dataplane/events.ts), in a ring sized
 * at construction (rounded up to a power of two). A full ring loses the event
 * and the caller counts it (events_dropped): the ring is soft state, the
 * control plane re-learns on the next frame.
 *
 *   0      1      2      3      4               8               12
 *   +------+------+------+------+---------------+---------------+---------------+
 *   | type |family| flags| rsvd |     VNI       |     port      |  old target   |
 *   +------+------+------+------+---------------+---------------+---------------+
 *   16                          22      24                                     40
 *   +---------------------------+-------+--------------------------------------+
 *   |            MAC            | rsvd  |  IP (IPv4 in the first 4 octets)     |
 *   +---------------------------+-------+--------------------------------------+
 */
import { EVENT_RECORD_SIZE } from '../events';
import * as wire from './wire';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const { store32, storeMac } = wire;

export const EV_MAC_LEARNED = 1;
export const EV_MAC_MOVED = 2;
export const EV_IP_BINDING = 3;
export const EV_PROBE_REPLY = 4;
export const EV_MAC_AGED = 5;
export const EV_WAS_REMOTE = 1;
export const EV_NO_TARGET = 0xffffffff;

export class EventRing {
  private readonly buf: Uint8Array;
  private readonly mask: number;
  private head = 0;
  private tail = 0;

  constructor(capacity: number) {
    let c = 1;
    while (c < capacity) c *= 2;
    this.mask = c - 1;
    this.buf = new Uint8Array(c * EVENT_RECORD_SIZE);
  }

  get size(): number {
    return this.head - this.tail;
  }

  /**
   * Writes one record; false when the ring is full. `ipBuf[ipOff]` holds the
   * address (4 or 16 octets by `family`), family 0 for none.
   */
  push(
    type: number,
    vni: number,
    port: number,
    old: number,
    flags: number,
    macHi: number,
    macLo: number,
    family: number,
    ipBuf: Uint8Array | null,
    ipOff: number,
  ): boolean {
    if (this.head - this.tail > this.mask) return false;
    const o = (this.head & this.mask) * EVENT_RECORD_SIZE;
    const r = this.buf;
    r.fill(0, o, o + EVENT_RECORD_SIZE);
    r[o] = type;
    r[o + 1] = family;
    r[o + 2] = flags;
    store32(r, o + 4, vni);
    store32(r, o + 8, port);
    store32(r, o + 12, old);
    storeMac(r, o + 16, macHi, macLo);
    if (ipBuf) {
      const n = family === 6 ? 16 : 4;
      for (let i = 0; i < n; i++) r[o + 24 + i] = ipBuf[ipOff + i]!;
    }
    this.head++;
    return true;
  }

  /** Copies out every pending record, oldest first. */
  drain(): Uint8Array {
    const n = this.head - this.tail;
    const out = new Uint8Array(n * EVENT_RECORD_SIZE);
    for (let i = 0; i < n; i++) {
      const o = ((this.tail + i) & this.mask) * EVENT_RECORD_SIZE;
      out.set(this.buf.subarray(o, o + EVENT_RECORD_SIZE), i * EVENT_RECORD_SIZE);
    }
    this.tail = this.head;
    return out;
  }
}
