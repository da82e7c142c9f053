import type { Reader } from '../../util/reader';
import { put16, put24, put32, put8, putBytes } from '../../util/bytes';
import { BgpError, ErrCode, OpenSub } from './errors';
import { CapCode } from './iana';

/**
 * BGP capabilities (RFC 5492 §4), each a TLV inside a Capabilities optional
 * parameter of the OPEN message:
 *
 *   +------------------------------+
 *   | Capability Code (1 octet)    |
 *   +------------------------------+
 *   | Capability Length (1 octet)  |
 *   +------------------------------+
 *   | Capability Value (variable)  |
 *   +------------------------------+
 *
 * Known capabilities decode to typed values; anything else is kept byte for
 * byte as {kind: 'unknown', code, value} (RFC 5492 §5: an unrecognised
 * capability is ignored, and keeping it lets us re-encode the OPEN exactly).
 *
 * A recognised capability with a malformed value raises NOTIFICATION 2/0
 * (OPEN Message Error, Unspecific): RFC 4271 §6.2 "If one of the Optional
 * Parameters in the OPEN message is recognized, but is malformed, then the
 * Error Subcode MUST be set to 0 (Unspecific)." FRR does the same.
 */

export interface AfiSafi {
  afi: number;
  safi: number;
}

/** RFC 7911 §4 Send/Receive field. */
export const enum AddPathMode {
  RECEIVE = 1,
  SEND = 2,
  BOTH = 3,
}

export interface MultiprotocolCap extends AfiSafi {
  kind: 'multiprotocol';
}
export interface RouteRefreshCap {
  kind: 'route-refresh';
}
/** Code 128: the pre-standard Cisco route refresh, same meaning as code 2. */
export interface RouteRefreshCiscoCap {
  kind: 'route-refresh-cisco';
}
export interface EnhancedRouteRefreshCap {
  kind: 'enhanced-route-refresh';
}
export interface ExtendedNextHopEntry extends AfiSafi {
  /** AFI of the next hop that may be used for NLRI of afi/safi (RFC 8950 §3). */
  nhAfi: number;
}
export interface ExtendedNextHopCap {
  kind: 'extended-next-hop';
  entries: ExtendedNextHopEntry[];
}
export interface ExtendedMessageCap {
  kind: 'extended-message';
}
export interface GrFamily extends AfiSafi {
  /** F bit: forwarding state was preserved across the restart (RFC 4724 §3). */
  forwardingPreserved: boolean;
}
export interface GracefulRestartCap {
  kind: 'graceful-restart';
  /** R bit (RFC 4724 §3): the sender has restarted. */
  restarting: boolean;
  /** N bit (RFC 8538 §2): graceful restart also covers NOTIFICATION. */
  notification: boolean;
  /** Restart Time in seconds, 12 bits. */
  restartTime: number;
  families: GrFamily[];
}
export interface FourOctetAsCap {
  kind: 'four-octet-as';
  asn: number;
}
export interface AddPathFamily extends AfiSafi {
  sendReceive: AddPathMode;
}
export interface AddPathCap {
  kind: 'add-path';
  families: AddPathFamily[];
}
export interface LlgrFamily extends AfiSafi {
  /** F bit (RFC 9494 §3): forwarding state preserved. */
  forwardingPreserved: boolean;
  /** Long-lived Stale Time in seconds, 24 bits. */
  staleTime: number;
}
export interface LlgrCap {
  kind: 'llgr';
  families: LlgrFamily[];
}
/** draft-walton-bgp-hostname-capability: host and domain name, UTF-8. */
export interface FqdnCap {
  kind: 'fqdn';
  hostname: string;
  domainName: string;
}
export interface UnknownCap {
  kind: 'unknown';
  code: number;
  value: Uint8Array;
}

export type Capability =
  | MultiprotocolCap
  | RouteRefreshCap
  | RouteRefreshCiscoCap
  | EnhancedRouteRefreshCap
  | ExtendedNextHopCap
  | ExtendedMessageCap
  | GracefulRestartCap
  | FourOctetAsCap
  | AddPathCap
  | LlgrCap
  | FqdnCap
  | UnknownCap;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The capability code a value is sent with. */
export function capabilityCode(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol':
      return CapCode.MULTIPROTOCOL;
    case 'route-refresh':
      return CapCode.ROUTE_REFRESH;
    case 'route-refresh-cisco':
      return CapCode.ROUTE_REFRESH_CISCO;
    case 'enhanced-route-refresh':
      return CapCode.ENHANCED_ROUTE_REFRESH;
    case 'extended-next-hop':
      return CapCode.EXTENDED_NEXT_HOP;
    case 'extended-message':
      return CapCode.EXTENDED_MESSAGE;
    case 'graceful-restart':
      return CapCode.GRACEFUL_RESTART;
    case 'four-octet-as':
      return CapCode.FOUR_OCTET_AS;
    case 'add-path':
      return CapCode.ADD_PATH;
    case 'llgr':
      return CapCode.LLGR;
    case 'fqdn':
      return CapCode.FQDN;
    case 'unknown':
      return c.code;
  }
}

function valueLength(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol':
      return 4;
    case 'route-refresh':
    case 'route-refresh-cisco':
    case 'enhanced-route-refresh':
    case 'extended-message':
      return 0;
    case 'extended-next-hop':
      return 6 * c.entries.length;
    case 'graceful-restart':
      return 2 + 4 * c.families.length;
    case 'four-octet-as':
      return 4;
    case 'add-path':
      return 4 * c.families.length;
    case 'llgr':
      return 7 * c.families.length;
    case 'fqdn':
      return 2 + utf8.encode(c.hostname).length + utf8.encode(c.domainName).length;
    case 'unknown':
      return c.value.length;
  }
}

export function encodingLength(c: Capability): number {
  return 2 + valueLength(c);
}

function checkRange(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
}

export function encode(c: Capability, buf: Uint8Array, offset: number): number {
  const len = valueLength(c);
  checkRange('capability length', len, 255);
  const code = capabilityCode(c);
  checkRange('capability code', code, 255);
  let o = put8(buf, offset, code);
  o = put8(buf, o, len);
  switch (c.kind) {
    case 'multiprotocol':
      // RFC 4760 §8: AFI, a reserved octet (0), SAFI.
      checkRange('AFI', c.afi, 0xffff);
      checkRange('SAFI', c.safi, 0xff);
      o = put16(buf, o, c.afi);
      o = put8(buf, o, 0);
      return put8(buf, o, c.safi);
    case 'route-refresh':
    case 'route-refresh-cisco':
    case 'enhanced-route-refresh':
    case 'extended-message':
      return o;
    case 'extended-next-hop':
      for (const e of c.entries) {
        // RFC 8950 §3: the SAFI is two octets here.
        checkRange('AFI', e.afi, 0xffff);
        checkRange('SAFI', e.safi, 0xffff);
        checkRange('next-hop AFI', e.nhAfi, 0xffff);
        o = put16(buf, o, e.afi);
        o = put16(buf, o, e.safi);
        o = put16(buf, o, e.nhAfi);
      }
      return o;
    case 'graceful-restart': {
      checkRange('restart time', c.restartTime, 0xfff);
      const flags = (c.restarting ? 0x8 : 0) | (c.notification ? 0x4 : 0);
      o = put16(buf, o, (flags << 12) | c.restartTime);
      for (const f of c.families) {
        checkRange('AFI', f.afi, 0xffff);
        checkRange('SAFI', f.safi, 0xff);
        o = put16(buf, o, f.afi);
        o = put8(buf, o, f.safi);
        o = put8(buf, o, f.forwardingPreserved ? 0x80 : 0);
      }
      return o;
    }
    case 'four-octet-as':
      checkRange('ASN', c.asn, 0xffffffff);
      return put32(buf, o, c.asn);
    case 'add-path':
      for (const f of c.families) {
        checkRange('AFI', f.afi, 0xffff);
        checkRange('SAFI', f.safi, 0xff);
        if (f.sendReceive < 1 || f.sendReceive > 3 || !Number.isInteger(f.sendReceive)) {
          throw new RangeError(`ADD-PATH send/receive out of range: ${f.sendReceive}`);
        }
        o = put16(buf, o, f.afi);
        o = put8(buf, o, f.safi);
        o = put8(buf, o, f.sendReceive);
      }
      return o;
    case 'llgr':
      for (const f of c.families) {
        checkRange('AFI', f.afi, 0xffff);
        checkRange('SAFI', f.safi, 0xff);
        checkRange('long-lived stale time', f.staleTime, 0xffffff);
        o = put16(buf, o, f.afi);
        o = put8(buf, o, f.safi);
        o = put8(buf, o, f.forwardingPreserved ? 0x80 : 0);
        o = put24(buf, o, f.staleTime);
      }
      return o;
    case 'fqdn': {
      const host = utf8.encode(c.hostname);
      const domain = utf8.encode(c.domainName);
      o = put8(buf, o, host.length);
      o = putBytes(buf, o, host);
      o = put8(buf, o, domain.length);
      return putBytes(buf, o, domain);
    }
    case 'unknown':
      return putBytes(buf, o, c.value);
  }
}

function malformed(what: string, code: number, length: number, at: number): BgpError {
  return new BgpError(
    `malformed capability ${code} (length ${length}): ${what}`,
    ErrCode.OPEN_MESSAGE,
    0,
    new Uint8Array(0),
    at,
  );
}

/** Decodes one capability TLV; `r` moves past it. */
export function decode(r: Reader): Capability {
  const at = r.pos;
  if (r.remaining < 2) throw malformed('truncated capability header', -1, r.remaining, at);
  const code = r.u8();
  const len = r.u8();
  if (len > r.remaining) throw malformed(`value runs past the parameter (${r.remaining} octets left)`, code, len, at);
  const v = r.sub(len);
  const need = (ok: boolean, what: string): void => {
    if (!ok) throw malformed(what, code, len, at);
  };
  switch (code) {
    case CapCode.MULTIPROTOCOL: {
      // RFC 4760 §8: the value is exactly 4 octets; the reserved octet is ignored on receipt.
      need(len === 4, 'length must be 4');
      const afi = v.u16();
      v.skip(1);
      return { kind: 'multiprotocol', afi, safi: v.u8() };
    }
    case CapCode.ROUTE_REFRESH:
      // RFC 2918 §2 (and RFC 7313 §3, RFC 8654 §3 below): Capability Length is 0.
      need(len === 0, 'length must be 0');
      return { kind: 'route-refresh' };
    case CapCode.ROUTE_REFRESH_CISCO:
      need(len === 0, 'length must be 0');
      return { kind: 'route-refresh-cisco' };
    case CapCode.ENHANCED_ROUTE_REFRESH:
      need(len === 0, 'length must be 0');
      return { kind: 'enhanced-route-refresh' };
    case CapCode.EXTENDED_MESSAGE:
      need(len === 0, 'length must be 0');
      return { kind: 'extended-message' };
    case CapCode.EXTENDED_NEXT_HOP: {
      // RFC 8950 §3: a list of <AFI (2), SAFI (2), Next Hop AFI (2)> triples.
      need(len % 6 === 0, 'length must be a multiple of 6');
      const entries: ExtendedNextHopEntry[] = [];
      while (!v.atEnd) entries.push({ afi: v.u16(), safi: v.u16(), nhAfi: v.u16() });
      return { kind: 'extended-next-hop', entries };
    }
    case CapCode.GRACEFUL_RESTART: {
      // RFC 4724 §3: Restart Flags (4 bits), Restart Time (12 bits), then
      // <AFI (2), SAFI (1), Flags (1)> tuples. Reserved bits are ignored.
      need(len >= 2 && (len - 2) % 4 === 0, 'length must be 2 + 4n');
      const ft = v.u16();
      const families: GrFamily[] = [];
      while (!v.atEnd) {
        const afi = v.u16();
        const safi = v.u8();
        families.push({ afi, safi, forwardingPreserved: (v.u8() & 0x80) !== 0 });
      }
      return {
        kind: 'graceful-restart',
        restarting: (ft & 0x8000) !== 0,
        notification: (ft & 0x4000) !== 0,
        restartTime: ft & 0x0fff,
        families,
      };
    }
    case CapCode.FOUR_OCTET_AS: {
      // RFC 6793 §3: the value is the 4-octet AS number.
      need(len === 4, 'length must be 4');
      const asn = v.u32();
      if (asn === 0) {
        // RFC 7607 §2: AS 0 as the peer AS is a Bad Peer AS.
        throw new BgpError('4-octet AS capability carries AS 0', ErrCode.OPEN_MESSAGE, OpenSub.BAD_PEER_AS, new Uint8Array(0), at);
      }
      return { kind: 'four-octet-as', asn };
    }
    case CapCode.ADD_PATH: {
      // RFC 7911 §4: <AFI (2), SAFI (1), Send/Receive (1)> tuples.
      need(len % 4 === 0, 'length must be a multiple of 4');
      const families: AddPathFamily[] = [];
      let understood = true;
      while (!v.atEnd) {
        const afi = v.u16();
        const safi = v.u8();
        const sr = v.u8();
        if (sr < 1 || sr > 3) understood = false;
        families.push({ afi, safi, sendReceive: sr as AddPathMode });
      }
      // RFC 7911 §4: any other Send/Receive value means the capability "SHOULD
      // be treated as not understood and ignored": keep it opaque.
      if (!understood) return { kind: 'unknown', code, value: v.buf.slice(at + 2, at + 2 + len) };
      return { kind: 'add-path', families };
    }
    case CapCode.LLGR: {
      // RFC 9494 §3: <AFI (2), SAFI (1), Flags (1), Long-lived Stale Time (3)> tuples.
      need(len % 7 === 0, 'length must be a multiple of 7');
      const families: LlgrFamily[] = [];
      while (!v.atEnd) {
        const afi = v.u16();
        const safi = v.u8();
        const forwardingPreserved = (v.u8() & 0x80) !== 0;
        families.push({ afi, safi, forwardingPreserved, staleTime: v.u24() });
      }
      return { kind: 'llgr', families };
    }
    case CapCode.FQDN: {
      // draft-walton-bgp-hostname-capability §3: hostname length (1), hostname,
      // domain name length (1), domain name.
      need(len >= 2, 'length must be at least 2');
      const hl = v.u8();
      need(hl + 2 <= len, 'hostname runs past the capability');
      const host = v.view(hl);
      const dl = v.u8();
      need(dl === v.remaining, 'domain name length does not match the capability length');
      const domain = v.view(dl);
      try {
        return { kind: 'fqdn', hostname: utf8Strict.decode(host), domainName: utf8Strict.decode(domain) };
      } catch {
        // Not UTF-8: purely informational, so keep the bytes instead of resetting the session.
        return { kind: 'unknown', code, value: v.buf.slice(at + 2, at + 2 + len) };
      }
    }
    default:
      return { kind: 'unknown', code, value: v.rest() };
  }
}
