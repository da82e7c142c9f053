import { readIpv4, readIpv6, writeIp, ipLength, type Ip } from '../../../util/ip';
import type { Reader } from '../../../util/reader';
import { UpdateSub } from '../errors';
import { AttrType, PmsiTunnelType } from '../iana';
import { checkUint, lengthError, MalformedAttribute } from './attribute';

/*
 * PMSI_TUNNEL (type 22, optional transitive; RFC 6514 §5):
 *
 *   +---------------------------------+
 *   |  Flags (1 octet)                |  bit 0x01: Leaf Information Required
 *   +---------------------------------+
 *   |  Tunnel Type (1 octet)          |
 *   +---------------------------------+
 *   |  MPLS Label (3 octets)          |
 *   +---------------------------------+
 *   |  Tunnel Identifier (variable)   |
 *   +---------------------------------+
 *
 * EVPN (RFC 7432 §11.2) puts it on the Inclusive Multicast route; with
 * ingress replication (type 6) the identifier is the unicast address of the
 * replicating VTEP, 4 or 16 octets. For VXLAN the 3-octet label field carries
 * the whole 24-bit VNI (RFC 8365 §5.1.3), so `label` is the raw field.
 * Identifiers of other tunnel types are kept as raw octets.
 *
 * Neither RFC 6514 nor RFC 7606 gives a rule for a malformed PMSI_TUNNEL. It
 * decides how BUM traffic reaches the originator, so it affects route
 * installation and RFC 7606 §2 rules out attribute discard: a length below 5,
 * or an ingress-replication identifier that is not an IPv4/IPv6 address,
 * is treat-as-withdraw (decided by the attribute list).
 */

export interface PmsiTunnelAttr {
  type: AttrType.PMSI_TUNNEL;
  flags: number;
  tunnelFlags: number;
  tunnelType: number;
  /** Raw 24-bit label field: the VNI for VXLAN. */
  label: number;
  /** The tunnel endpoint address for ingress replication, otherwise the raw identifier. */
  tunnelId: Ip | Uint8Array;
}

export const PMSI_LEAF_INFO_REQUIRED = 0x01;

export function encodingLength(a: PmsiTunnelAttr): number {
  return 5 + (typeof a.tunnelId === 'string' ? ipLength(a.tunnelId) : a.tunnelId.length);
}

export function encode(a: PmsiTunnelAttr, buf: Uint8Array, off: number): number {
  checkUint(a.tunnelFlags, 0xff, 'PMSI tunnel flags');
  checkUint(a.tunnelType, 0xff, 'PMSI tunnel type');
  checkUint(a.label, 0xffffff, 'PMSI label');
  buf[off++] = a.tunnelFlags;
  buf[off++] = a.tunnelType;
  buf[off++] = a.label >>> 16;
  buf[off++] = (a.label >>> 8) & 0xff;
  buf[off++] = a.label & 0xff;
  if (typeof a.tunnelId === 'string') return writeIp(buf, off, a.tunnelId);
  buf.set(a.tunnelId, off);
  return off + a.tunnelId.length;
}

export function decode(r: Reader, flags: number): PmsiTunnelAttr {
  if (r.remaining < 5) throw lengthError('PMSI_TUNNEL', r.remaining, 'at least 5', r.pos);
  const tunnelFlags = r.u8();
  const tunnelType = r.u8();
  const label = r.u24();
  let tunnelId: Ip | Uint8Array;
  if (tunnelType === PmsiTunnelType.INGRESS_REPLICATION) {
    const at = r.pos;
    if (r.remaining === 4) tunnelId = readIpv4(r);
    else if (r.remaining === 16) tunnelId = readIpv6(r);
    else {
      throw new MalformedAttribute(
        `PMSI_TUNNEL: ingress replication identifier of ${r.remaining} octets is not an IPv4/IPv6 address`,
        UpdateSub.OPTIONAL_ATTRIBUTE_ERROR,
        at,
      );
    }
  } else {
    tunnelId = r.rest();
  }
  return { type: AttrType.PMSI_TUNNEL, flags, tunnelFlags, tunnelType, label, tunnelId };
}
