import { compareIp } from '../rib/ip-order';
import type { Ip } from '../util/ip';

/*
 * Which advertisement of a MAC wins inside one MAC-VRF (RFC 7432 §15). The
 * advertisements are different routes (each VTEP uses its own RD), so this
 * is not the BGP decision process but a second one over its results:
 *
 *   1. a sticky (static) MAC beats a non-sticky one and so never moves
 *      (§15.2);
 *   2. the higher MAC Mobility sequence number wins; a route without the
 *      extended community counts as 0 (§15);
 *   3. equal sequence numbers from different VTEPs: the lowest VTEP address
 *      wins (§15.1). A higher sequence number from another VTEP is a move even
 *      when both ESIs are 0, as FRR treats it;
 *   4. from the same VTEP (its MAC-only and MAC+IP routes): no change, the
 *      incumbent stays.
 */

export interface MacClaim {
  vtep: Ip;
  seq: number;
  sticky: boolean;
}

/** <0 when `a` wins, >0 when `b` wins, 0 when neither (same VTEP, same standing). */
export function compareMacClaims(a: MacClaim, b: MacClaim): number {
  if (a.sticky !== b.sticky) return a.sticky ? -1 : 1;
  if (a.seq !== b.seq) return a.seq > b.seq ? -1 : 1;
  if (a.vtep !== b.vtep) return compareIp(a.vtep, b.vtep);
  return 0;
}

/**
 * The sequence number a VTEP must advertise when it learns a MAC locally
 * that others advertise (§15): one more than the highest it has seen.
 */
export function nextSequence(seen: readonly MacClaim[]): number {
  let max = -1;
  for (const c of seen) if (c.seq > max) max = c.seq;
  return max < 0 ? 0 : max + 1;
}
