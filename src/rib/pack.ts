import { AttrFlag, AttrType, Afi, BGP_HEADER_LENGTH, Safi } from '../bgp/wire/iana';
import { encodingLengthEvpnRoute } from '../bgp/wire/evpn/nlri';
import type { EvpnNlri, EvpnRoute } from '../bgp/wire/evpn/types';
import { buildUpdate, type Update } from '../bgp/wire/update';
import { ipLength } from '../util/ip';
import type { AttrSet } from './attr-set';

/*
 * UPDATE packing for EVPN (RFC 4271 §4.3, RFC 4760). Routes that leave with
 * the same attribute set share UPDATEs: as many NLRIs per message as fit the
 * negotiated maximum (4096 octets, or 65535 with RFC 8654 extended
 * messages). Withdrawals go in MP_UNREACH_NLRI-only messages, packed the same
 * way. MP_REACH_NLRI / MP_UNREACH_NLRI come first in each message (RFC 7606
 * §5.1), the other attributes in type order (buildUpdate).
 *
 * Sizes: 19 header + 2 withdrawn length + 2 attribute length, then each
 * attribute with a 4-octet header (extended length, always set on the MP
 * attributes since they usually exceed 255 octets, as FRR and GoBGP do).
 * MP_REACH_NLRI's value is AFI(2) SAFI(1) NH-length(1) NH Reserved(1) NLRI;
 * MP_UNREACH_NLRI's is AFI(2) SAFI(1) NLRI.
 */

const FIXED = BGP_HEADER_LENGTH + 4;
const MP_FLAGS = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;

export interface PackOptions {
  /** Maximum message length: 4096, or 65535 with extended messages. */
  maxLength: number;
  /** ADD-PATH send negotiated for L2VPN/EVPN: each NLRI carries a path identifier. */
  addPath: boolean;
}

/** The one path we advertise per key gets path identifier 1 under ADD-PATH (RFC 7911 §3). */
const PATH_ID = 1;

function nlriOf(route: EvpnRoute, addPath: boolean): EvpnNlri {
  return addPath ? { route, pathId: PATH_ID } : { route };
}

/** Splits routes into chunks whose NLRI octets stay within `room`. */
function chunk(routes: readonly EvpnRoute[], room: number, addPath: boolean, emit: (nlri: EvpnNlri[]) => void): void {
  const extra = addPath ? 4 : 0;
  let cur: EvpnNlri[] = [];
  let used = 0;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const n = encodingLengthEvpnRoute(r) + extra;
    if (n > room) throw new RangeError(`an EVPN NLRI of ${n} octets does not fit an UPDATE`);
    if (used + n > room) {
      emit(cur);
      cur = [];
      used = 0;
    }
    cur.push(nlriOf(r, addPath));
    used += n;
  }
  if (cur.length > 0) emit(cur);
}

/** MP_UNREACH_NLRI-only UPDATEs withdrawing `routes`, appended to `out`. */
export function packWithdrawals(routes: readonly EvpnRoute[], opts: PackOptions, out: Update[]): void {
  const room = opts.maxLength - FIXED - 4 - 3;
  chunk(routes, room, opts.addPath, (nlri) => {
    out.push({
      withdrawn: [],
      attributes: [{ type: AttrType.MP_UNREACH_NLRI, flags: MP_FLAGS, afi: Afi.L2VPN, safi: Safi.EVPN, nlri: { kind: 'evpn', routes: nlri } }],
      nlri: [],
    });
  });
}

/** UPDATEs announcing `routes` with the attribute set `set` (its next hop in MP_REACH_NLRI), appended to `out`. */
export function packAnnouncements(set: AttrSet, routes: readonly EvpnRoute[], opts: PackOptions, out: Update[]): void {
  if (set.nextHop === null) throw new RangeError('an EVPN announcement needs a next hop');
  const nextHop = set.nextHop;
  const room = opts.maxLength - FIXED - set.wireLength - 4 - 5 - ipLength(nextHop);
  chunk(routes, room, opts.addPath, (nlri) => {
    out.push(
      buildUpdate({
        attributes: [
          { type: AttrType.MP_REACH_NLRI, flags: MP_FLAGS, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: [nextHop], reserved: 0, nlri: { kind: 'evpn', routes: nlri } },
          ...set.attrs,
        ],
      }),
    );
  });
}
