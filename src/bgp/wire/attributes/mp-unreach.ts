import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import { afiSafiKey, type BgpCtx } from '../context';
import { AttrType } from '../iana';
import { checkUint, MalformedMpAttribute } from './attribute';
import * as mpNlri from './mp-nlri';

/*
 * MP_UNREACH_NLRI (type 15, optional non-transitive; RFC 4760 §4):
 *
 *   +---------------------------------------------------------+
 *   | Address Family Identifier (2 octets)                    |
 *   +---------------------------------------------------------+
 *   | Subsequent Address Family Identifier (1 octet)          |
 *   +---------------------------------------------------------+
 *   | Withdrawn Routes (variable)                             |
 *   +---------------------------------------------------------+
 *
 * With no withdrawn routes it is the End-of-RIB marker of its family
 * (RFC 4724 §2). A length below 3 or an NLRI syntax error that loses an
 * NLRI boundary is malformed: AFI/SAFI disable or session reset (RFC 7606
 * §5.3, §3 j, §7.12). A malformed EVPN route with an intact boundary is
 * WithdrawableMpAttribute instead: treat-as-withdraw (§2, §5.4; see mp-nlri.ts).
 */

export interface MpUnreachAttr {
  type: AttrType.MP_UNREACH_NLRI;
  flags: number;
  afi: number;
  safi: number;
  nlri: mpNlri.MpNlri;
}

export function encodingLength(a: MpUnreachAttr, ctx: BgpCtx): number {
  const addPath = ctx.addPathRx.has(afiSafiKey(a.afi, a.safi));
  return 3 + mpNlri.encodingLength(a.nlri, a.afi, a.safi, addPath);
}

export function encode(a: MpUnreachAttr, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  checkUint(a.afi, 0xffff, 'AFI');
  checkUint(a.safi, 0xff, 'SAFI');
  buf[off++] = a.afi >>> 8;
  buf[off++] = a.afi & 0xff;
  buf[off++] = a.safi;
  const addPath = ctx.addPathRx.has(afiSafiKey(a.afi, a.safi));
  return mpNlri.encode(a.nlri, buf, off, a.afi, a.safi, addPath);
}

export function decode(r: Reader, flags: number, ctx: BgpCtx): MpUnreachAttr {
  const start = r.pos;
  if (r.remaining < 3) {
    const afi = r.remaining >= 2 ? (r.buf[start]! << 8) | r.buf[start + 1]! : undefined;
    throw new MalformedMpAttribute(`MP_UNREACH_NLRI length ${r.remaining} is below 3`, afi, undefined, start);
  }
  const afi = r.u16();
  const safi = r.u8();
  const addPath = ctx.addPathRx.has(afiSafiKey(afi, safi));
  try {
    return { type: AttrType.MP_UNREACH_NLRI, flags, afi, safi, nlri: mpNlri.decode(r, afi, safi, addPath) };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const message = `MP_UNREACH_NLRI ${afi}/${safi} NLRI: ${e.message}`;
    if (e instanceof mpNlri.WithdrawableNlri) {
      const kept: MpUnreachAttr | null = mpNlri.isEmptyNlri(e.nlri) ? null : { type: AttrType.MP_UNREACH_NLRI, flags, afi, safi, nlri: e.nlri };
      throw new mpNlri.WithdrawableMpAttribute(message, afi, safi, e.offset, kept);
    }
    throw new MalformedMpAttribute(message, afi, safi, e.offset);
  }
}
