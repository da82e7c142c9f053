import type { AttrSet } from './attr-set';
import { ipv4Number } from './ip-order';

/*
 * Receive-side loop checks, run once per UPDATE on its attribute set:
 *
 *   - our AS in AS_PATH (or AS4_PATH) of a route from an eBGP peer: RFC 4271
 *     §9.1.2 excludes it. FRR does echo a peer's own routes back to it over
 *     eBGP (see the GoBGP↔FRR capture), so this is a real case, not a
 *     formality;
 *   - ORIGINATOR_ID equal to our router id: the route is our own, reflected
 *     back (RFC 4456 §8);
 *   - our cluster id in CLUSTER_LIST: it went round the reflection topology
 *     (RFC 4456 §8).
 *
 * A rejected announcement still replaces what the peer sent before for the
 * same key (it is an implicit withdrawal), so the caller withdraws its keys.
 */

export interface LoopContext {
  asn: number;
  routerId: string;
  clusterId: string;
}

/** Why the routes must be ignored, or null when they are acceptable. */
export function loopReason(set: AttrSet, fromIbgp: boolean, local: LoopContext): string | null {
  if (!fromIbgp && set.pathAsns.has(local.asn)) return `own AS ${local.asn} in AS_PATH`;
  if (set.originatorId >= 0 && set.originatorId === ipv4Number(local.routerId)) return `ORIGINATOR_ID is our router id ${local.routerId}`;
  if (set.clusterList.includes(local.clusterId)) return `own cluster id ${local.clusterId} in CLUSTER_LIST`;
  return null;
}
