import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../../src/rib/route-table';
import { Path, type PathSource } from '../../../src/rib/path';
import type { AttrSet } from '../../../src/rib/attr-set';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';

function source(id: string): PathSource {
  return { id, local: false, ibgp: true, rrClient: false, asn: 65000, bgpId: '10.0.0.1', bgpIdNumber: 0x0a000001, address: '10.0.0.1', stale: false, count: 0 };
}

const ROUTE = { routeType: 3 } as unknown as EvpnRoute;
const SET = {} as AttrSet;

/** The table's keys in iteration order with their path sources. */
function contents(t: RouteTable): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const n of t.entries()) {
    const srcs: string[] = [];
    for (let p = t.first(n); p !== undefined; p = p.next) srcs.push(p.source.id);
    out.push([t.key(n), srcs]);
  }
  return out;
}

describe('RouteTable', () => {
  it('behaves like an insertion-ordered Map under random puts, removes, flush-time deletes and compaction', () => {
    const srcs = [source('a'), source('b')];
    // Few distinct keys (so that removes hit), of varied length, some sharing long prefixes.
    const key = fc.integer({ min: 0, max: 3000 }).map((i) => `\x02${'x'.repeat(i % 7)}${String.fromCharCode(i & 0xff, i >>> 8)}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key, src: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ kind: fc.constant('remove' as const), key, src: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const t = new RouteTable();
        const model = new Map<string, string[]>();
        srcs.forEach((s) => (s.count = 0));
        const flush = (): void => {
          // What the Loc-RIB does: entries left without paths go, then the table may compact.
          for (const n of t.takeDirty()) if (t.first(n) === undefined) t.delete(n);
          t.compact();
          for (const [k, v] of model) if (v.length === 0) model.delete(k);
        };
        for (const o of ops) {
          if (o.kind === 'flush') {
            flush();
            continue;
          }
          const src = srcs[o.src]!;
          if (o.kind === 'put') {
            const old = t.put(o.key, new Path(ROUTE, SET, src));
            const m = model.get(o.key) ?? [];
            expect(old !== undefined).toBe(m.includes(src.id));
            if (!m.includes(src.id)) m.unshift(src.id);
            model.set(o.key, m);
          } else {
            const old = t.remove(o.key, src);
            const m = model.get(o.key);
            expect(old !== undefined).toBe(m !== undefined && m.includes(src.id));
            if (m !== undefined && m.includes(src.id)) m.splice(m.indexOf(src.id), 1);
          }
        }
        flush();
        expect(contents(t)).toEqual([...model]);
        expect(t.size).toBe(model.size);
        for (const [k, v] of model) {
          expect(t.find(k)).toBeGreaterThanOrEqual(0);
          expect(v.length).toBeGreaterThan(0);
        }
        expect(srcs[0]!.count + srcs[1]!.count).toBe([...model.values()].reduce((n, v) => n + v.length, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every key findable across growth, mass deletion and compaction', () => {
    const t = new RouteTable();
    const src = source('a');
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}`);
    for (const k of keys) t.put(k, new Path(ROUTE, SET, src));
    t.takeDirty();
    for (let i = 0; i < keys.length; i += 3) {
      const n = t.find(keys[i]!);
      t.removeFrom(n, src);
      t.delete(n);
    }
    t.takeDirty();
    t.compact();
    for (let i = 0; i < keys.length; i++) expect(t.find(keys[i]!) >= 0).toBe(i % 3 !== 0);
    expect(t.size).toBe(keys.length - Math.ceil(keys.length / 3));
    // Insertion order survives compaction.
    expect([...t.entries()].map((n) => t.key(n))).toEqual(keys.filter((_, i) => i % 3 !== 0));
  });
});
