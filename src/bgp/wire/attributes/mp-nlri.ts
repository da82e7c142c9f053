import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import { evpnRouteKeyAt, rememberWireKeys } from '../evpn/key';
import { decodeEvpnNlri, encodeEvpnNlri, encodingLengthEvpnNlri, EvpnNlriError } from '../evpn/nlri';
import type { EvpnNlri } from '../evpn/types';
import { Afi, Safi } from '../iana';
import * as prefix from '../prefix';
import { MalformedMpAttribute } from './attribute';

/*
 * The NLRI list inside MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §3, §4): a
 * concatenation of NLRI whose format the AFI/SAFI decides.
 *
 *   25/70 (L2VPN EVPN)     EVPN routes, RFC 7432 §7 (codec in ../evpn/nlri.ts)
 *   1/1, 1/2, 2/1, 2/2     IPv4/IPv6 unicast/multicast prefixes (../prefix.ts)
 *   anything else          kept as raw octets, never interpreted
 *
 * A syntax error that loses an NLRI boundary makes the whole attribute
 * unusable (RFC 7606 §5.3): decoding throws DecodeError and the attribute
 * list turns that into an AFI/SAFI-disable or session-reset fault. An EVPN
 * route whose content is invalid but whose Length octet still delimits it
 * (type-5 prefix length 33, MAC length 40, ...) does not: the routes around
 * it are read exactly, so decoding goes on and throws WithdrawableNlri with
 * the well-formed routes; the UPDATE is then treat-as-withdraw, the least
 * disruptive action that is safe (RFC 7606 §2; §5.4 discards unusable typed
 * NLRI the same way).
 */

/**
 * Every NLRI boundary was intact but some NLRI were malformed: `nlri` holds
 * the well-formed ones (to be withdrawn), `error` the first fault.
 */
export class WithdrawableNlri extends DecodeError {
  override readonly name: string = 'WithdrawableNlri';
  constructor(
    readonly nlri: MpNlri,
    readonly error: DecodeError,
  ) {
    super(error.message, error.offset);
  }
}

/**
 * MP_REACH_NLRI / MP_UNREACH_NLRI whose NLRI boundaries are all intact but
 * some NLRI malformed: RFC 7606 §2/§5.4 treat-as-withdraw, not §5.3.
 * `attribute` is the attribute with the well-formed NLRI only, so that they
 * can be withdrawn; null when none is left, because an empty MP_UNREACH
 * would read as End-of-RIB and an empty MP_REACH as no reachable NLRI.
 */
export class WithdrawableMpAttribute<A> extends MalformedMpAttribute {
  override readonly name: string = 'WithdrawableMpAttribute';
  constructor(
    message: string,
    afi: number,
    safi: number,
    offset: number,
    readonly attribute: A | null,
  ) {
    super(message, afi, safi, offset);
  }
}

export type MpNlri =
  | { kind: 'evpn'; routes: EvpnNlri[] }
  | { kind: 'prefix'; prefixes: prefix.Prefix[] }
  | { kind: 'raw'; raw: Uint8Array };

export type MpNlriKind = MpNlri['kind'];

export function nlriKind(afi: number, safi: number): MpNlriKind {
  if (afi === Afi.L2VPN && safi === Safi.EVPN) return 'evpn';
  if ((afi === Afi.IPV4 || afi === Afi.IPV6) && (safi === Safi.UNICAST || safi === Safi.MULTICAST)) return 'prefix';
  return 'raw';
}

export function isEmptyNlri(n: MpNlri): boolean {
  switch (n.kind) {
    case 'evpn':
      return n.routes.length === 0;
    case 'prefix':
      return n.prefixes.length === 0;
    case 'raw':
      return n.raw.length === 0;
  }
}

/** An empty list of the right kind for a family. */
export function emptyNlri(afi: number, safi: number): MpNlri {
  switch (nlriKind(afi, safi)) {
    case 'evpn':
      return { kind: 'evpn', routes: [] };
    case 'prefix':
      return { kind: 'prefix', prefixes: [] };
    case 'raw':
      return { kind: 'raw', raw: new Uint8Array(0) };
  }
}

function checkKind(n: MpNlri, afi: number, safi: number): void {
  const want = nlriKind(afi, safi);
  if (n.kind !== want) throw new RangeError(`AFI/SAFI ${afi}/${safi} carries ${want} NLRI, got ${n.kind}`);
}

export function encodingLength(n: MpNlri, afi: number, safi: number, addPath: boolean): number {
  checkKind(n, afi, safi);
  switch (n.kind) {
    case 'evpn': {
      let len = 0;
      for (const x of n.routes) len += encodingLengthEvpnNlri(x, addPath);
      return len;
    }
    case 'prefix':
      return prefix.listEncodingLength(n.prefixes, addPath);
    case 'raw':
      return n.raw.length;
  }
}

export function encode(n: MpNlri, buf: Uint8Array, off: number, afi: number, safi: number, addPath: boolean): number {
  checkKind(n, afi, safi);
  switch (n.kind) {
    case 'evpn':
      for (const x of n.routes) off = encodeEvpnNlri(x, buf, off, addPath);
      return off;
    case 'prefix': {
      const family = afi === Afi.IPV4 ? 4 : 6;
      for (const p of n.prefixes) {
        if (p.prefix.includes(':') !== (family === 6)) throw new RangeError(`prefix ${p.prefix} does not belong to AFI ${afi}`);
        off = prefix.encode(p, buf, off, addPath);
      }
      return off;
    }
    case 'raw':
      buf.set(n.raw, off);
      return off + n.raw.length;
  }
}

// Per-route calls go through module-local bindings: run from source (tsx,
// esbuild's CommonJS output) every use of an imported binding is a getter
// call, which costs more than these small functions themselves.
const decodeOneEvpn = decodeEvpnNlri;
const evpnKeyAt = evpnRouteKeyAt;

/**
 * Decodes the NLRI list that fills `r`. Throws WithdrawableNlri when only
 * EVPN routes with intact boundaries are malformed, DecodeError on any other
 * syntax error.
 */
export function decode(r: Reader, afi: number, safi: number, addPath: boolean): MpNlri {
  switch (nlriKind(afi, safi)) {
    case 'evpn': {
      const routes: EvpnNlri[] = [];
      // The RIB keys, straight from the route octets while they are at hand (see evpn/key.ts).
      const keys: string[] = [];
      const tlv = addPath ? 4 : 0;
      let fault: EvpnNlriError | undefined;
      while (!r.atEnd) {
        const before = r.pos;
        let n: EvpnNlri;
        try {
          n = decodeOneEvpn(r, addPath);
        } catch (e) {
          // A broken boundary (RFC 7606 §5.3) ends the list; an intact one is skipped and remembered.
          if (!(e instanceof EvpnNlriError) || !e.boundaryIntact) throw e;
          if (r.pos <= before) throw new DecodeError('EVPN NLRI decoder made no progress', before);
          fault ??= e;
          continue;
        }
        if (r.pos <= before) throw new DecodeError('EVPN NLRI decoder made no progress', before);
        routes.push(n);
        keys.push(evpnKeyAt(r.buf, before + tlv));
      }
      rememberWireKeys(routes, keys);
      if (fault !== undefined) throw new WithdrawableNlri({ kind: 'evpn', routes }, fault);
      return { kind: 'evpn', routes };
    }
    case 'prefix':
      return { kind: 'prefix', prefixes: prefix.decodeList(r, afi === Afi.IPV4 ? 4 : 6, addPath) };
    case 'raw':
      return { kind: 'raw', raw: r.rest() };
  }
}
