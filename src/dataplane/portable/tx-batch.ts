/**
 * Preallocated transmit slots for one vector (native/src/pipeline.h
 * TxBatch): one slab of `slots × slotSize` octets and a descriptor per slot.
 * Output frames are written in place; nothing is allocated per frame.
 */
export const EGRESS_PORT = 0;
export const EGRESS_VTEP = 1;

export class TxBatch {
  readonly data: Uint8Array;
  /** Per slot: egress kind (EGRESS_PORT / EGRESS_VTEP). */
  readonly kind: Uint8Array;
  /** Per slot: access port or VTEP index. */
  readonly index: Uint32Array;
  readonly vni: Uint32Array;
  /** Per slot: VTEP egress, offset of the VXLAN header (where a UDP socket sender starts). */
  readonly l4Offset: Uint16Array;
  readonly len: Uint32Array;
  count = 0;

  constructor(
    readonly slots: number,
    readonly slotSize: number,
  ) {
    this.data = new Uint8Array(slots * slotSize);
    this.kind = new Uint8Array(slots);
    this.index = new Uint32Array(slots);
    this.vni = new Uint32Array(slots);
    this.l4Offset = new Uint16Array(slots);
    this.len = new Uint32Array(slots);
  }

  clear(): void {
    this.count = 0;
  }

  /** Offset in `data` of the next free slot, or -1 when all are used. */
  next(): number {
    return this.count < this.slots ? this.count * this.slotSize : -1;
  }

  /** Commits the slot returned by next(). */
  push(kind: number, index: number, vni: number, l4Offset: number, len: number): void {
    const i = this.count++;
    this.kind[i] = kind;
    this.index[i] = index;
    this.vni[i] = vni;
    this.l4Offset[i] = l4Offset;
    this.len[i] = len;
  }

  /** Offset in `data` of slot i's frame. */
  offset(i: number): number {
    return i * this.slotSize;
  }
}
