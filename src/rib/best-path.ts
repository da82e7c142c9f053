import { compareIp } from './ip-order';
import type { Path } from './path';

/*
 * The decision process among the paths of ONE route key (RFC 4271 §9.1.2.2,
 * RFC 4456 §9, RFC 7432 §15), in this order:
 *
 *   local          a route we originate beats any learned one with the same key
 *   mac-sticky     type 2: a sticky (static) MAC beats a non-sticky one (RFC 7432 §15.2)
 *   mac-seq        type 2: higher MAC Mobility sequence number (missing = 0, §15)
 *   mac-lowest-ip  type 2: equal sequence from different VTEPs: lowest next hop (§15.1)
 *   local-pref     higher LOCAL_PREF (absent, as on eBGP-learned paths, counts as 100)
 *   as-path        shorter AS_PATH (an AS_SET counts 1, confederation segments 0)
 *   origin         lower ORIGIN (IGP < EGP < INCOMPLETE)
 *   med            lower MED, only between paths from the same neighbouring AS (absent = 0)
 *   ebgp           a path learned over eBGP beats one learned over iBGP
 *   originator-id  lower ORIGINATOR_ID, or BGP identifier of the peer without one (RFC 4456 §9)
 *   cluster-list   shorter CLUSTER_LIST (RFC 4456 §9)
 *   peer-address   lower peer address
 *
 * The MAC mobility rules come before LOCAL_PREF as in FRR's bgp_path_info_cmp,
 * so that a route reflector and a VTEP agree on which advertisement of a MAC
 * is current. There is no IGP metric step: an EVPN next hop is a VTEP and the
 * speaker has no IGP. The comparator returns a signed rule number so that
 * `show` can say which rule decided without any allocation on the hot path.
 */

export const enum Rule {
  EQUAL = 0,
  LOCAL = 1,
  MAC_STICKY,
  MAC_SEQ,
  MAC_LOWEST_IP,
  LOCAL_PREF,
  AS_PATH,
  ORIGIN,
  MED,
  EBGP,
  ORIGINATOR_ID,
  CLUSTER_LIST,
  PEER_ADDRESS,
}

export const RULE_NAMES: readonly string[] = [
  'equal',
  'local',
  'mac-sticky',
  'mac-seq',
  'mac-lowest-ip',
  'local-pref',
  'as-path',
  'origin',
  'med',
  'ebgp',
  'originator-id',
  'cluster-list',
  'peer-address',
];

/** RFC 4271 §5.1.5: the degree of preference assumed when LOCAL_PREF is absent. */
export const DEFAULT_LOCAL_PREF = 100;

/**
 * Compares two paths for the same key: negative when `a` is better, positive
 * when `b` is, 0 when no rule separates them. The absolute value is the Rule
 * that decided.
 */
export function comparePaths(a: Path, b: Path): number {
  const x = a.attrs;
  const y = b.attrs;
  const sa = a.source;
  const sb = b.source;
  if (sa.local !== sb.local) return sa.local ? -Rule.LOCAL : Rule.LOCAL;

  if (a.route.routeType === 2 && b.route.routeType === 2) {
    if (x.sticky !== y.sticky) return x.sticky ? -Rule.MAC_STICKY : Rule.MAC_STICKY;
    if (x.macSeq !== y.macSeq) return x.macSeq > y.macSeq ? -Rule.MAC_SEQ : Rule.MAC_SEQ;
    if (x.nextHop !== null && y.nextHop !== null && x.nextHop !== y.nextHop) {
      return compareIp(x.nextHop, y.nextHop) < 0 ? -Rule.MAC_LOWEST_IP : Rule.MAC_LOWEST_IP;
    }
  }

  const lpa = x.localPref < 0 ? DEFAULT_LOCAL_PREF : x.localPref;
  const lpb = y.localPref < 0 ? DEFAULT_LOCAL_PREF : y.localPref;
  if (lpa !== lpb) return lpa > lpb ? -Rule.LOCAL_PREF : Rule.LOCAL_PREF;

  if (x.asPathLength !== y.asPathLength) return x.asPathLength < y.asPathLength ? -Rule.AS_PATH : Rule.AS_PATH;

  if (x.origin !== y.origin) return x.origin < y.origin ? -Rule.ORIGIN : Rule.ORIGIN;

  // §9.1.2.2 c: MEDs compare only between routes from the same neighbouring AS.
  if (x.neighborAs === y.neighborAs && x.med !== y.med) return x.med < y.med ? -Rule.MED : Rule.MED;

  if (sa.ibgp !== sb.ibgp) return sa.ibgp ? Rule.EBGP : -Rule.EBGP;

  const oa = x.originatorId >= 0 ? x.originatorId : sa.bgpIdNumber;
  const ob = y.originatorId >= 0 ? y.originatorId : sb.bgpIdNumber;
  if (oa !== ob) return oa < ob ? -Rule.ORIGINATOR_ID : Rule.ORIGINATOR_ID;

  if (x.clusterList.length !== y.clusterList.length) {
    return x.clusterList.length < y.clusterList.length ? -Rule.CLUSTER_LIST : Rule.CLUSTER_LIST;
  }

  const pa = compareIp(sa.address, sb.address);
  if (pa !== 0) return pa < 0 ? -Rule.PEER_ADDRESS : Rule.PEER_ADDRESS;
  return Rule.EQUAL;
}

/** The name of the rule a comparison result came from. */
export function ruleName(result: number): string {
  return RULE_NAMES[Math.abs(result)] ?? 'unknown';
}

/**
 * The best of a list of candidates and, for `show`, each loser with the rule
 * it lost by against the winner.
 */
export function rankPaths(paths: readonly Path[]): { best: Path | null; losers: { path: Path; rule: string }[] } {
  let best: Path | null = null;
  for (const p of paths) if (best === null || comparePaths(p, best) < 0) best = p;
  const losers: { path: Path; rule: string }[] = [];
  for (const p of paths) if (p !== best) losers.push({ path: p, rule: ruleName(comparePaths(best!, p)) });
  return { best, losers };
}
