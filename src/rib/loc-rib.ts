import { comparePaths } from './best-path';
import type { Path } from './path';
import type { RouteEntry, RouteTable } from './route-table';

/*
 * Loc-RIB (RFC 4271 §3.2): the best path of every route key, kept in the
 * RouteTable entries (route-table.ts). Changes are not decided as they
 * arrive: Adj-RIB-In and local origination mark entries dirty, and
 * `recompute` (called once per event-loop turn from Rib.flush) runs the
 * decision process once per dirty entry. A route added and withdrawn within
 * one turn therefore never shows up anywhere, and an UPDATE of a hundred
 * routes costs a hundred list insertions, not a hundred decisions.
 */

/** The keys whose best path changed. */
export interface BestDiff {
  keys: string[];
  /** Parallel to keys: the previous best path (undefined: none). */
  old: (Path | undefined)[];
  /** Parallel to keys: the new best path (undefined: the route is gone). */
  now: (Path | undefined)[];
}

/** The decision process over the candidates of one entry. */
export function selectBest(e: RouteEntry): Path | undefined {
  let best = e.first;
  if (best === undefined) return undefined;
  for (let p = best.next; p !== undefined; p = p.next) if (comparePaths(p, best) < 0) best = p;
  return best;
}

export class LocRib {
  /** Keys with a best path. */
  size = 0;

  constructor(readonly table: RouteTable) {}

  best(key: string): Path | undefined {
    return this.table.get(key)?.best;
  }

  /** Decides every dirty entry; returns the keys whose best path object changed. */
  recompute(): BestDiff {
    const { keys, entries } = this.table.takeDirty();
    const diff: BestDiff = { keys: [], old: [], now: [] };
    const map = this.table.map;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      e.dirty = false;
      const now = selectBest(e);
      const old = e.best;
      if (e.first === undefined) map.delete(keys[i]!);
      if (now === old) continue;
      e.best = now;
      if (old === undefined) this.size++;
      else if (now === undefined) this.size--;
      diff.keys.push(keys[i]!);
      diff.old.push(old);
      diff.now.push(now);
    }
    return diff;
  }

  /** Every key with its best path. */
  *entries(): IterableIterator<[string, Path]> {
    for (const [k, e] of this.table.map) if (e.best !== undefined) yield [k, e.best];
  }
}
