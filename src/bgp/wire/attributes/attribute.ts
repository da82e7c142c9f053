import { DecodeError } from '../../../util/errors';
import type { BgpCtx } from '../context';
import { UpdateSub, type AttrFault } from '../errors';
import { AttrFlag } from '../iana';

/*
 * Path attribute header (RFC 4271 §4.3):
 *
 *    0                   1
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Attr. Flags  |Attr. Type Code|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Length (1 octet, or 2 octets if the Extended Length flag is set) |
 *
 *   Flags: O(0x80) optional, T(0x40) transitive, P(0x20) partial,
 *          E(0x10) extended length, low 4 bits unused.
 *
 * Every attribute value keeps the flags octet exactly as received, so a
 * re-encoded UPDATE is byte-identical to the captured one (FRR and GoBGP set
 * the Extended Length bit on short attributes; the Partial bit and the unused
 * low bits are carried through too).
 */

/** What decoding an UPDATE needs to know about the session beyond BgpCtx. */
export type UpdateCtx = BgpCtx & {
  /** The peer is in our AS. Decides LOCAL_PREF / ORIGINATOR_ID / CLUSTER_LIST handling (RFC 7606 §7.5, §7.9, §7.10). */
  ibgp: boolean;
  /**
   * An eBGP peer inside our confederation (RFC 5065 §5): it may send
   * AS_CONFED_* segments. Absent means no confederation.
   */
  confedPeer?: boolean;
};

/** An RFC 7606 fault with what the session layer needs to act on it. */
export interface UpdateFault extends AttrFault {
  /** For AFI/SAFI disable: the family to disable (RFC 4760 §7). */
  afi?: number;
  safi?: number;
  /** NOTIFICATION data for a session reset, e.g. the erroneous attribute (RFC 4271 §6.3). */
  data?: Uint8Array;
}

/** O and T bits: the part of the flags RFC 7606 §3 (c) checks. */
export const FLAG_CLASS_MASK = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
export const WELL_KNOWN = AttrFlag.TRANSITIVE;
export const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
export const OPTIONAL_NON_TRANSITIVE = AttrFlag.OPTIONAL;

/**
 * A malformed attribute value. `subcode` is the NOTIFICATION subcode that
 * RFC 4271 §6.3 assigns, used if the fault ends in a session reset.
 */
export class MalformedAttribute extends DecodeError {
  override readonly name: string = 'MalformedAttribute';
  constructor(
    message: string,
    readonly subcode: UpdateSub,
    offset = -1,
  ) {
    super(message, offset);
  }
}

/** A malformed MP_REACH_NLRI / MP_UNREACH_NLRI; afi/safi are set when they could be read. */
export class MalformedMpAttribute extends MalformedAttribute {
  override readonly name: string = 'MalformedMpAttribute';
  constructor(
    message: string,
    readonly afi: number | undefined,
    readonly safi: number | undefined,
    offset = -1,
  ) {
    super(message, UpdateSub.OPTIONAL_ATTRIBUTE_ERROR, offset);
  }
}

export function lengthError(name: string, got: number, want: string, offset: number): MalformedAttribute {
  return new MalformedAttribute(`${name} length ${got}, expected ${want}`, UpdateSub.ATTRIBUTE_LENGTH_ERROR, offset);
}

export function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} must be an integer 0..${max}, got ${v}`);
}
