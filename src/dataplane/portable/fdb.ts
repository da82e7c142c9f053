/**
 * The forwarding database: (VNI, MAC) -> where the MAC lives (native/src/fdb.h
 * over hash_table.h, slot for slot).
 *
 * A local entry points at an access port; a remote entry points at a remote
 * VTEP by index (RFC 7432 §9.2.2: the MAC/IP Advertisement route's next hop).
 *
 * Fixed-capacity open addressing with linear probing and backward-shift
 * deletion, the slot array at least twice the entry limit, in struct-of-arrays
 * typed arrays allocated once. The layout is the C++'s exactly (same hash,
 * same probing, same shifts): the aging sweep walks slots in order from a
 * cursor with a budget, so which MACs age in one call, and the order of their
 * events, depend on it.
 *
 * A key is (vniIdx + 1) << 48 | mac, kept as hi = (vniIdx + 1) << 16 | mac's
 * first two octets and lo = mac's last four.
 */
import * as hash from './hash';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const { mix64Lo } = hash;

export const FDB_REMOTE = 1 << 0; // target is a VTEP index, else an access port index
export const FDB_STATIC = 1 << 1; // configured or sticky (RFC 7432 §15.2): never moved by learning

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

export class Fdb {
  readonly capacity: number;
  private readonly mask: number;
  private readonly keyHi: Uint32Array;
  private readonly keyLo: Uint32Array;
  private readonly used: Uint8Array;
  /** Access port index or remote VTEP index. */
  readonly target: Uint32Array;
  /** MAC Mobility sequence number of a remote entry (RFC 7432 §7.7). */
  readonly seq: Uint32Array;
  /** Pipeline clock (seconds) when a local entry was last seen. */
  readonly lastSeen: Uint32Array;
  readonly flags: Uint8Array;
  private count = 0;
  private ageCursor = 0;
  /** Set by insert(): whether the last call added the key. */
  inserted = false;

  constructor(maxEntries: number) {
    this.capacity = maxEntries;
    const slots = nextPow2(maxEntries * 2);
    this.mask = slots - 1;
    this.keyHi = new Uint32Array(slots);
    this.keyLo = new Uint32Array(slots);
    this.used = new Uint8Array(slots);
    this.target = new Uint32Array(slots);
    this.seq = new Uint32Array(slots);
    this.lastSeen = new Uint32Array(slots);
    this.flags = new Uint8Array(slots);
  }

  get size(): number {
    return this.count;
  }
  get slotCount(): number {
    return this.mask + 1;
  }

  private home(hi: number, lo: number): number {
    return mix64Lo(hi, lo) & this.mask;
  }

  /** Slot of (vniIdx, mac), or -1. */
  find(vniIdx: number, macHi: number, macLo: number): number {
    const hi = (((vniIdx + 1) << 16) | macHi) >>> 0;
    for (let i = this.home(hi, macLo); ; i = (i + 1) & this.mask) {
      if (!this.used[i]) return -1;
      if (this.keyHi[i] === hi && this.keyLo[i] === macLo) return i;
    }
  }

  /**
   * Slot of (vniIdx, mac), adding a zeroed entry when absent (sets
   * `inserted`); -1 when the key is new and the table is full.
   */
  insert(vniIdx: number, macHi: number, macLo: number): number {
    const hi = (((vniIdx + 1) << 16) | macHi) >>> 0;
    let i = this.home(hi, macLo);
    for (; ; i = (i + 1) & this.mask) {
      if (!this.used[i]) break;
      if (this.keyHi[i] === hi && this.keyLo[i] === macLo) {
        this.inserted = false;
        return i;
      }
    }
    if (this.count >= this.capacity) return -1;
    this.used[i] = 1;
    this.keyHi[i] = hi;
    this.keyLo[i] = macLo;
    this.target[i] = 0;
    this.seq[i] = 0;
    this.lastSeen[i] = 0;
    this.flags[i] = 0;
    this.count++;
    this.inserted = true;
    return i;
  }

  erase(vniIdx: number, macHi: number, macLo: number): boolean {
    const i = this.find(vniIdx, macHi, macLo);
    if (i < 0) return false;
    this.eraseSlot(i);
    return true;
  }

  isRemote(slot: number): boolean {
    return (this.flags[slot]! & FDB_REMOTE) !== 0;
  }
  isStatic(slot: number): boolean {
    return (this.flags[slot]! & FDB_STATIC) !== 0;
  }
  /** VNI table index of the entry in `slot`. */
  slotVni(slot: number): number {
    return (this.keyHi[slot]! >>> 16) - 1;
  }
  slotMacHi(slot: number): number {
    return this.keyHi[slot]! & 0xffff;
  }
  slotMacLo(slot: number): number {
    return this.keyLo[slot]!;
  }

  /** Removes every remote entry behind a VTEP (a full sweep from slot 0). */
  flushVtep(vtepIdx: number): void {
    this.sweep(0, this.slotCount, (s) => (this.flags[s]! & FDB_REMOTE) !== 0 && this.target[s] === vtepIdx);
  }

  /**
   * Incremental aging of learned local entries: examines `budget` slots
   * from the cursor and calls onAged(slot) - before the entry is removed -
   * for each one idle for more than maxAge seconds (uint32 clock arithmetic,
   * as in C++). Static and remote entries never age here.
   */
  age(now: number, maxAge: number, budget: number, onAged: (slot: number) => void): void {
    this.ageCursor = this.sweep(this.ageCursor, budget, (s) => {
      const f = this.flags[s]!;
      if (f & (FDB_REMOTE | FDB_STATIC) || ((now - this.lastSeen[s]!) >>> 0) <= maxAge) return false;
      onAged(s);
      return true;
    });
  }

  /**
   * Visits `count` slots from `start` (one full pass at most); `fn` returns
   * true to delete. After a delete a later entry may have shifted into the
   * slot, so it is looked at again. Returns where the walk stopped.
   */
  private sweep(start: number, count: number, fn: (slot: number) => boolean): number {
    let i = start & this.mask;
    let n = 0;
    const c = count > this.mask + 1 ? this.mask + 1 : count;
    while (n < c) {
      if (this.used[i] && fn(i)) {
        this.eraseSlot(i);
        continue;
      }
      i = (i + 1) & this.mask;
      n++;
    }
    return i;
  }

  // Backward-shift deletion (Knuth vol. 3, 6.4 Algorithm R): later members of
  // the probe run move into the hole when their home slot allows it.
  private eraseSlot(holeAt: number): void {
    let hole = holeAt;
    let j = hole;
    for (;;) {
      j = (j + 1) & this.mask;
      if (!this.used[j]) break;
      const home = this.home(this.keyHi[j]!, this.keyLo[j]!);
      const homeBetween = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!homeBetween) {
        this.keyHi[hole] = this.keyHi[j]!;
        this.keyLo[hole] = this.keyLo[j]!;
        this.target[hole] = this.target[j]!;
        this.seq[hole] = this.seq[j]!;
        this.lastSeen[hole] = this.lastSeen[j]!;
        this.flags[hole] = this.flags[j]!;
        hole = j;
      }
    }
    this.used[hole] = 0;
    this.count--;
  }
}
