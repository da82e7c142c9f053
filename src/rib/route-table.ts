import type { Path, PathSource } from './path';

/*
 * The one map of the RIB: route key → RouteEntry, holding every candidate path
 * of the key (Adj-RIB-In of all peers and the local route, as a short linked
 * list through Path.next, one path per source) and the Loc-RIB best path.
 *
 * Why not one map per Adj-RIB-In plus one for the Loc-RIB: with a million
 * routes every map operation is a cache miss, and ingesting a route would
 * cost about six of them (lookup and insert in the Adj-RIB-In, the dirty
 * set, then the candidates, the old best and the new best at flush). Here an
 * announcement costs one lookup (and one insert for a new key); the dirty
 * list holds entries, so the decision at flush needs no lookup at all. The
 * price is that removing every path of one peer (session down, End-of-RIB
 * after graceful restart) scans the table, which happens rarely.
 */

export class RouteEntry {
  /** Candidate paths, one per source, linked through Path.next. */
  first: Path | undefined = undefined;
  /** The Loc-RIB best path as of the last flush. */
  best: Path | undefined = undefined;
  /** Listed in the dirty list of the current tick. */
  dirty = false;
}

export class RouteTable {
  readonly map = new Map<string, RouteEntry>();
  /** Entries changed in this tick, and their keys (parallel arrays). */
  dirtyKeys: string[] = [];
  dirtyEntries: RouteEntry[] = [];

  get(key: string): RouteEntry | undefined {
    return this.map.get(key);
  }

  markDirty(key: string, e: RouteEntry): void {
    if (e.dirty) return;
    e.dirty = true;
    this.dirtyKeys.push(key);
    this.dirtyEntries.push(e);
  }

  /**
   * Puts `path` in place of the path of the same source (returned, so that the
   * caller can release it), or adds it.
   */
  put(key: string, path: Path): Path | undefined {
    return this.putIn(key, this.entry(key), path);
  }

  /** The entry of a key, created if missing. */
  entry(key: string): RouteEntry {
    let e = this.map.get(key);
    if (e === undefined) {
      e = new RouteEntry();
      this.map.set(key, e);
    }
    return e;
  }

  /** `put` into the entry of `key`, already looked up. */
  putIn(key: string, e: RouteEntry, path: Path): Path | undefined {
    const src = path.source;
    let prev: Path | undefined;
    for (let p = e.first; p !== undefined; prev = p, p = p.next) {
      if (p.source === src) {
        path.next = p.next;
        if (prev === undefined) e.first = path;
        else prev.next = path;
        p.next = undefined;
        this.markDirty(key, e);
        return p;
      }
    }
    path.next = e.first;
    e.first = path;
    src.count++;
    this.markDirty(key, e);
    return undefined;
  }

  /** The path of `src` for a key. */
  find(key: string, src: PathSource): Path | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    for (let p = e.first; p !== undefined; p = p.next) if (p.source === src) return p;
    return undefined;
  }

  /** Unlinks the path of `src` from an entry; returns it. Entries left empty are deleted at flush. */
  removeFrom(key: string, e: RouteEntry, src: PathSource): Path | undefined {
    let prev: Path | undefined;
    for (let p = e.first; p !== undefined; prev = p, p = p.next) {
      if (p.source === src) {
        if (prev === undefined) e.first = p.next;
        else prev.next = p.next;
        p.next = undefined;
        src.count--;
        this.markDirty(key, e);
        return p;
      }
    }
    return undefined;
  }

  remove(key: string, src: PathSource): Path | undefined {
    const e = this.map.get(key);
    return e === undefined ? undefined : this.removeFrom(key, e, src);
  }

  /** Removes every path of a source (O(table)); `release` sees each one. */
  removeAll(src: PathSource, release: (p: Path) => void): void {
    if (src.count === 0) return;
    for (const [key, e] of this.map) {
      const p = this.removeFrom(key, e, src);
      if (p !== undefined) {
        release(p);
        if (src.count === 0) return;
      }
    }
  }

  /** Takes the dirty list of the tick, clearing it. */
  takeDirty(): { keys: string[]; entries: RouteEntry[] } {
    const out = { keys: this.dirtyKeys, entries: this.dirtyEntries };
    this.dirtyKeys = [];
    this.dirtyEntries = [];
    return out;
  }
}
