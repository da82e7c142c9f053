import { comparePaths } from './best-path';
import type { Path } from './path';
import type { RouteTable } from './route-table';

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

/** The decision process over the candidates of one key (its first path and those linked to it). */
export function selectBest(first: Path | undefined): Path | undefined {
  let best = first;
  if (best === undefined) return undefined;
  for (let p = best.next; p !== undefined; p = p.next) if (comparePaths(p, best) < 0) best = p;
  return best;
}

export class LocRib {
  /** Keys with a best path. */
  size = 0;

  constructor(readonly table: RouteTable) {}

  best(key: string): Path | undefined {
    const n = this.table.find(key);
    return n < 0 ? undefined : this.table.best(n);
  }

  /** Decides every dirty entry; returns the keys whose best path object changed. */
  recompute(): BestDiff {
    const t = this.table;
    const dirty = t.takeDirty();
    const diff: BestDiff = { keys: [], old: [], now: [] };
    for (let i = 0; i < dirty.length; i++) {
      const n = dirty[i]!;
      const first = t.first(n);
      const now = selectBest(first);
      const old = t.best(n);
      if (now === old) {
        if (first === undefined) t.delete(n);
        continue;
      }
      t.setBest(n, now);
      if (old === undefined) this.size++;
      else if (now === undefined) this.size--;
      diff.keys.push(t.key(n));
      diff.old.push(old);
      diff.now.push(now);
      if (first === undefined) t.delete(n);
    }
    t.compact();
    return diff;
  }

  /** Every key with its best path. */
  *entries(): IterableIterator<[string, Path]> {
    const t = this.table;
    for (const n of t.entries()) {
      const b = t.best(n);
      if (b !== undefined) yield [t.key(n), b];
    }
  }
}
