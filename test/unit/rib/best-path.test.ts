import { describe, expect, it } from 'vitest';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/index';
import { AttrType } from '../../../src/bgp/wire/iana';
import { AttrInterner } from '../../../src/rib/attr-set';
import { comparePaths, rankPaths, ruleName } from '../../../src/rib/best-path';
import { ipv4Number } from '../../../src/rib/ip-order';
import { Path, type PathSource } from '../../../src/rib/path';
import { type3, type2 } from './support';

const interner = new AttrInterner();

function src(id: string, o: Partial<PathSource> = {}): PathSource {
  const bgpId = o.bgpId ?? id;
  return { id, local: false, ibgp: true, rrClient: false, asn: 65100, bgpId, bgpIdNumber: ipv4Number(bgpId), address: id, stale: false, count: 0, ...o };
}

interface A {
  lp?: number;
  path?: number[];
  set?: number[];
  origin?: number;
  med?: number;
  orig?: string;
  cl?: string[];
  seq?: number;
  sticky?: boolean;
  nh?: string;
}

function attrs(a: A): PathAttribute[] {
  const segs = [];
  if (a.path) segs.push({ type: 2, asns: a.path });
  if (a.set) segs.push({ type: 1, asns: a.set });
  const out: PathAttribute[] = [
    { type: AttrType.ORIGIN, flags: 0x40, origin: (a.origin ?? 0) as 0 },
    { type: AttrType.AS_PATH, flags: 0x40, segments: segs as never },
  ];
  if (a.med !== undefined) out.push({ type: AttrType.MULTI_EXIT_DISC, flags: 0x80, med: a.med });
  if (a.lp !== undefined) out.push({ type: AttrType.LOCAL_PREF, flags: 0x40, localPref: a.lp });
  if (a.orig !== undefined) out.push({ type: AttrType.ORIGINATOR_ID, flags: 0x80, originatorId: a.orig });
  if (a.cl !== undefined) out.push({ type: AttrType.CLUSTER_LIST, flags: 0x80, clusterList: a.cl });
  if (a.seq !== undefined || a.sticky) {
    out.push({ type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'mac-mobility', flags: a.sticky ? 1 : 0, seq: a.seq ?? 0 }] });
  }
  return out;
}

function path(a: A, s: PathSource, route = type3('10.99.0.1')): Path {
  return new Path(route, interner.intern(attrs(a), a.nh ?? '10.99.0.1'), s);
}

const P1 = src('10.0.0.1');
const P2 = src('10.0.0.2');
const E1 = src('10.0.1.1', { ibgp: false, asn: 65200 });
const LOCAL = src('local', { local: true, ibgp: false });

describe('best path (RFC 4271 §9.1.2.2, RFC 4456 §9, RFC 7432 §15)', () => {
  const mac = type2(1);
  const cases: { name: string; better: Path; worse: Path; rule: string }[] = [
    { name: 'local route beats a learned one', better: path({ lp: 50 }, LOCAL), worse: path({ lp: 500 }, P1), rule: 'local' },
    { name: 'sticky MAC beats higher sequence', better: path({ sticky: true, seq: 1 }, P2, mac), worse: path({ seq: 9 }, P1, mac), rule: 'mac-sticky' },
    { name: 'higher MAC mobility sequence', better: path({ seq: 2 }, P2, mac), worse: path({ seq: 1, lp: 200 }, P1, mac), rule: 'mac-seq' },
    { name: 'missing MAC mobility counts as 0', better: path({ seq: 1 }, P2, mac), worse: path({}, P1, mac), rule: 'mac-seq' },
    { name: 'equal sequence: lowest next hop', better: path({ seq: 3, nh: '10.99.0.2' }, P2, mac), worse: path({ seq: 3, nh: '10.99.0.10' }, P1, mac), rule: 'mac-lowest-ip' },
    { name: 'higher LOCAL_PREF', better: path({ lp: 200 }, P2), worse: path({ lp: 100 }, P1), rule: 'local-pref' },
    { name: 'missing LOCAL_PREF counts as 100', better: path({}, P2), worse: path({ lp: 99 }, P1), rule: 'local-pref' },
    { name: 'shorter AS_PATH', better: path({ path: [1, 2] }, P2), worse: path({ path: [1, 2, 3] }, P1), rule: 'as-path' },
    { name: 'AS_SET counts as 1', better: path({ path: [1], set: [5, 6, 7] }, P2), worse: path({ path: [1, 2, 3] }, P1), rule: 'as-path' },
    { name: 'lower ORIGIN', better: path({ origin: 0 }, P2), worse: path({ origin: 2 }, P1), rule: 'origin' },
    { name: 'lower MED from the same neighbour AS', better: path({ path: [7], med: 5 }, P2), worse: path({ path: [7], med: 10 }, P1), rule: 'med' },
    { name: 'missing MED counts as 0', better: path({ path: [7] }, P2), worse: path({ path: [7], med: 1 }, P1), rule: 'med' },
    { name: 'eBGP over iBGP', better: path({ path: [7] }, E1), worse: path({ path: [8] }, P1), rule: 'ebgp' },
    { name: 'lower BGP identifier', better: path({}, P1), worse: path({}, P2), rule: 'originator-id' },
    { name: 'ORIGINATOR_ID stands for the BGP id', better: path({ orig: '10.0.0.9' }, src('10.0.0.3')), worse: path({}, src('10.0.0.5', { bgpId: '10.0.0.10' })), rule: 'originator-id' },
    { name: 'shorter CLUSTER_LIST', better: path({ orig: '1.1.1.1', cl: ['2.2.2.2'] }, P2), worse: path({ orig: '1.1.1.1', cl: ['3.3.3.3', '2.2.2.2'] }, P1), rule: 'cluster-list' },
    { name: 'lower peer address', better: path({ orig: '1.1.1.1' }, src('10.0.0.7', { bgpId: '9.9.9.9' })), worse: path({ orig: '1.1.1.1' }, src('10.0.0.8', { bgpId: '9.9.9.9' })), rule: 'peer-address' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = comparePaths(c.better, c.worse);
      expect(r).toBeLessThan(0);
      expect(ruleName(r)).toBe(c.rule);
      expect(comparePaths(c.worse, c.better)).toBe(-r);
    });
  }

  it('MED is not compared across neighbour ASes', () => {
    const a = path({ path: [7], med: 50 }, P1);
    const b = path({ path: [8], med: 1 }, P2);
    expect(ruleName(comparePaths(a, b))).toBe('originator-id');
  });

  it('MAC mobility rules apply only to type-2 routes', () => {
    const a = path({ seq: 9 }, P2);
    const b = path({ seq: 1 }, P1);
    expect(ruleName(comparePaths(b, a))).toBe('originator-id');
  });

  it('rankPaths explains every loser', () => {
    const a = path({ lp: 300 }, P2);
    const b = path({ lp: 100 }, P1);
    const c = path({ lp: 300, path: [1] }, E1);
    const { best, losers } = rankPaths([b, c, a]);
    expect(best).toBe(a);
    expect(losers.map((l) => [l.path, l.rule])).toEqual([
      [b, 'local-pref'],
      [c, 'as-path'],
    ]);
  });
});
