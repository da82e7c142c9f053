import type { Path, PathSource } from './path';

/*
 * The one map of the RIB: route key → entry, holding every candidate path of
 * the key (Adj-RIB-In of all peers and the local route, as a short linked
 * list through Path.next, one path per source) and the Loc-RIB best path.
 *
 * Why not one map per Adj-RIB-In plus one for the Loc-RIB: with a million
 * routes every map operation is a cache miss, and ingesting a route would
 * cost about six of them (lookup and insert in the Adj-RIB-In, the dirty
 * set, then the candidates, the old best and the new best at flush). Here an
 * announcement costs one lookup (and one insert for a new key); the dirty
 * list holds entry numbers, so the decision at flush needs no lookup at all.
 * The price is that removing every path of one peer (session down,
 * End-of-RIB after graceful restart) scans the table, which happens rarely.
 *
 * Why not a JS Map: V8's Map chains its entries, so a lookup reads the bucket,
 * the entry and then the key string (three cache misses with a million keys),
 * a miss followed by an insert does it twice, and every growth re-reads every
 * key string for its hash. Here the index is one Int32Array of (hash, entry
 * number) pairs, open addressing with linear probing at a load of at most
 * one half: a lookup of a new key usually touches one cache line and no key
 * string, and growth rehashes from the stored hashes.
 *
 * Why entries are numbers into parallel arrays rather than objects: an
 * object per key is one more young object per route that the scavenger
 * copies twice before it settles in the old generation, and 64 octets. An
 * entry number stays valid until the entry is deleted and the table
 * compacted; compaction (closing the holes of deleted entries once they
 * outnumber the live ones) happens only when `compact` is called, which the
 * Loc-RIB does after a flush, and never while an iteration is under way.
 * Entries are numbered in insertion order, so iteration order is that of a
 * Map.
 */

/** 32-bit FNV-1a over the key's char codes, with a final avalanche; never 0 (0 marks a free slot). */
function hashKey(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h === 0 ? 1 : h;
}

const MIN_CAPACITY = 1024;

export class RouteTable {
  /** Index: capacity pairs of (hash, entry number + 1); a hash of 0 is a free slot. */
  private index = new Int32Array(2 * MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** Per entry number: the key (undefined once deleted), ... */
  private keys: (string | undefined)[] = [];
  /** ... its hash, ... */
  private hashes = new Int32Array(MIN_CAPACITY);
  /** ... the first candidate path, ... */
  private firsts: (Path | undefined)[] = [];
  /** ... the Loc-RIB best path as of the last flush, ... */
  private bests: (Path | undefined)[] = [];
  /** ... and 1 while listed in the dirty list of the current tick. */
  private dirtyFlags = new Uint8Array(MIN_CAPACITY);
  private live = 0;
  /** Iterations under way: no compaction meanwhile. */
  private iterating = 0;
  /** Entries changed in this tick. */
  private dirty: number[] = [];

  /** Number of keys held. */
  get size(): number {
    return this.live;
  }

  /** The entry number of a key, or -1. */
  find(key: string): number {
    const h = hashKey(key);
    const idx = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const sh = idx[2 * i]!;
      if (sh === 0) return -1;
      if (sh === h) {
        const n = idx[2 * i + 1]! - 1;
        if (this.keys[n] === key) return n;
      }
    }
  }

  /** The entry number of a key, the entry created if missing. */
  entry(key: string): number {
    const h = hashKey(key);
    const idx = this.index;
    const mask = this.mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const sh = idx[2 * i]!;
      if (sh === 0) break;
      if (sh === h) {
        const n = idx[2 * i + 1]! - 1;
        if (this.keys[n] === key) return n;
      }
    }
    const n = this.keys.length;
    if (n === this.hashes.length) this.growColumns(2 * n);
    this.keys.push(key);
    this.firsts.push(undefined);
    this.bests.push(undefined);
    this.hashes[n] = h;
    idx[2 * i] = h;
    idx[2 * i + 1] = n + 1;
    if (++this.live * 2 > mask + 1) this.rehash(2 * (mask + 1));
    return n;
  }

  key(n: number): string {
    return this.keys[n]!;
  }

  first(n: number): Path | undefined {
    return this.firsts[n];
  }

  best(n: number): Path | undefined {
    return this.bests[n];
  }

  setBest(n: number, p: Path | undefined): void {
    this.bests[n] = p;
  }

  markDirty(n: number): void {
    if (this.dirtyFlags[n] !== 0) return;
    this.dirtyFlags[n] = 1;
    this.dirty.push(n);
  }

  /**
   * Takes the dirty list of the tick (entry numbers), clearing it and the
   * entries' dirty marks.
   */
  takeDirty(): number[] {
    const out = this.dirty;
    this.dirty = [];
    for (let i = 0; i < out.length; i++) this.dirtyFlags[out[i]!] = 0;
    return out;
  }

  /**
   * Puts `path` in place of the path of the same source (returned, so that the
   * caller can release it), or adds it.
   */
  put(key: string, path: Path): Path | undefined {
    return this.putIn(this.entry(key), path);
  }

  /** `put` into an entry already looked up. */
  putIn(n: number, path: Path): Path | undefined {
    const src = path.source;
    let prev: Path | undefined;
    for (let p = this.firsts[n]; p !== undefined; prev = p, p = p.next) {
      if (p.source === src) {
        path.next = p.next;
        if (prev === undefined) this.firsts[n] = path;
        else prev.next = path;
        p.next = undefined;
        this.markDirty(n);
        return p;
      }
    }
    path.next = this.firsts[n];
    this.firsts[n] = path;
    src.count++;
    this.markDirty(n);
    return undefined;
  }

  /** The path of `src` for a key. */
  findPath(key: string, src: PathSource): Path | undefined {
    const n = this.find(key);
    if (n < 0) return undefined;
    for (let p = this.firsts[n]; p !== undefined; p = p.next) if (p.source === src) return p;
    return undefined;
  }

  /** Unlinks the path of `src` from an entry; returns it. Entries left empty are deleted at flush. */
  removeFrom(n: number, src: PathSource): Path | undefined {
    let prev: Path | undefined;
    for (let p = this.firsts[n]; p !== undefined; prev = p, p = p.next) {
      if (p.source === src) {
        if (prev === undefined) this.firsts[n] = p.next;
        else prev.next = p.next;
        p.next = undefined;
        src.count--;
        this.markDirty(n);
        return p;
      }
    }
    return undefined;
  }

  remove(key: string, src: PathSource): Path | undefined {
    const n = this.find(key);
    return n < 0 ? undefined : this.removeFrom(n, src);
  }

  /** Removes every path of a source (O(table)); `release` sees each one. */
  removeAll(src: PathSource, release: (p: Path) => void): void {
    if (src.count === 0) return;
    for (const n of this.entries()) {
      const p = this.removeFrom(n, src);
      if (p !== undefined) {
        release(p);
        if (src.count === 0) return;
      }
    }
  }

  /** Deletes an entry (with whatever it still links). Its number is not reused until `compact`. */
  delete(n: number): void {
    if (this.keys[n] === undefined) return;
    const h = this.hashes[n]!;
    const idx = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (idx[2 * i + 1] !== n + 1) i = (i + 1) & mask;
    this.keys[n] = undefined;
    this.firsts[n] = undefined;
    this.bests[n] = undefined;
    this.live--;
    // Backward-shift deletion (linear probing needs no tombstones): move up
    // every later entry of the probe run that may live in the freed slot.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const sh = idx[2 * j]!;
      if (sh === 0) break;
      const home = sh & mask;
      // Movable unless its home lies cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        idx[2 * i] = sh;
        idx[2 * i + 1] = idx[2 * j + 1]!;
        i = j;
      }
    }
    idx[2 * i] = 0;
    idx[2 * i + 1] = 0;
  }

  /**
   * Closes the holes of deleted entries (keeping the order) once they
   * outnumber the live ones, and shrinks the index of a table that emptied.
   * Renumbers the entries: the caller must hold no entry number. Skipped
   * while an iteration is under way.
   */
  compact(): void {
    if (this.iterating > 0) return;
    const total = this.keys.length;
    const holes = total - this.live;
    if (holes <= MIN_CAPACITY || holes <= this.live) return;
    const keys: string[] = [];
    const firsts: (Path | undefined)[] = [];
    const bests: (Path | undefined)[] = [];
    let cap = MIN_CAPACITY;
    while (cap < this.live) cap *= 2;
    const hashes = new Int32Array(cap);
    const flags = new Uint8Array(cap);
    for (let n = 0; n < total; n++) {
      const k = this.keys[n];
      if (k === undefined) continue;
      const m = keys.length;
      keys.push(k);
      firsts.push(this.firsts[n]);
      bests.push(this.bests[n]);
      hashes[m] = this.hashes[n]!;
      flags[m] = this.dirtyFlags[n]!;
    }
    // Renumber the dirty list too, should a caller compact mid-tick.
    if (this.dirty.length > 0) {
      const renum = new Int32Array(total);
      for (let n = 0, m = 0; n < total; n++) if (this.keys[n] !== undefined) renum[n] = m++;
      this.dirty = this.dirty.filter((n) => this.keys[n] !== undefined).map((n) => renum[n]!);
    }
    this.keys = keys;
    this.firsts = firsts;
    this.bests = bests;
    this.hashes = hashes;
    this.dirtyFlags = flags;
    let slots = MIN_CAPACITY;
    while (slots < 2 * keys.length) slots *= 2;
    const idx = new Int32Array(2 * slots);
    const mask = slots - 1;
    for (let n = 0; n < keys.length; n++) {
      const h = hashes[n]!;
      let i = h & mask;
      while (idx[2 * i] !== 0) i = (i + 1) & mask;
      idx[2 * i] = h;
      idx[2 * i + 1] = n + 1;
    }
    this.index = idx;
    this.mask = mask;
  }

  /** Live entry numbers in insertion order. The table is not compacted while this runs. */
  *entries(): IterableIterator<number> {
    this.iterating++;
    try {
      for (let n = 0; n < this.keys.length; n++) if (this.keys[n] !== undefined) yield n;
    } finally {
      this.iterating--;
    }
  }

  /** Rebuilds the index at `capacity` slots (a power of two) from the stored hashes. */
  private rehash(capacity: number): void {
    const old = this.index;
    const idx = new Int32Array(2 * capacity);
    const mask = capacity - 1;
    for (let k = 0; k < old.length; k += 2) {
      const h = old[k]!;
      if (h === 0) continue;
      let i = h & mask;
      while (idx[2 * i] !== 0) i = (i + 1) & mask;
      idx[2 * i] = h;
      idx[2 * i + 1] = old[k + 1]!;
    }
    this.index = idx;
    this.mask = mask;
  }

  private growColumns(capacity: number): void {
    const h = new Int32Array(capacity);
    h.set(this.hashes);
    this.hashes = h;
    const f = new Uint8Array(capacity);
    f.set(this.dirtyFlags);
    this.dirtyFlags = f;
  }
}
