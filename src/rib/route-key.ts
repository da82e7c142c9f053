import { evpnRouteKey } from '../bgp/wire/evpn/key';
import { encode as encodeRd } from '../bgp/wire/evpn/rd';
import type { EvpnRoute, MacIpRoute, RouteDistinguisher } from '../bgp/wire/evpn/types';

/*
 * The RIB key of a route, exactly evpnRouteKey (../bgp/wire/evpn/key.ts),
 * with a fast path for MAC/IP routes, which are nearly all of a large table:
 * evpnRouteKey encodes the whole NLRI and copies the key fields out, this
 * writes only the key fields
 *
 *   type(1) RD(8) Ethernet Tag(4) MAC length(1) MAC(6) IP length(1) IP(0|4)
 *
 * and reuses the RD octets while consecutive routes share one (frozen) RD
 * object, as the decoder hands them out. IPv6 and anything unusual take the
 * general path.
 */

const KEY = Buffer.alloc(32);
const RD = new Uint8Array(8);
let lastRd: RouteDistinguisher | null = null;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Writes the 6 octets of "xx:xx:xx:xx:xx:xx" at KEY[p]; false if the text is not in that form. */
function putMac(p: number, mac: string): boolean {
  if (mac.length !== 17) return false;
  for (let i = 0; i < 6; i++) {
    const hi = hexVal(mac.charCodeAt(3 * i));
    const lo = hexVal(mac.charCodeAt(3 * i + 1));
    if (hi < 0 || lo < 0 || (i < 5 && mac.charCodeAt(3 * i + 2) !== 58)) return false;
    KEY[p + i] = (hi << 4) | lo;
  }
  return true;
}

/** Writes dotted-quad IPv4 at KEY[p]; false if `ip` is not one. */
function putIpv4(p: number, ip: string): boolean {
  let part = 0;
  let digits = 0;
  let k = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || k === 3) return false;
      KEY[p + k++] = part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return false;
    } else return false;
  }
  if (digits === 0 || k !== 3) return false;
  KEY[p + 3] = part;
  return true;
}

function macIpKey(r: MacIpRoute): string | null {
  if (r.rd !== lastRd) {
    encodeRd(r.rd, RD, 0);
    lastRd = Object.isFrozen(r.rd) ? r.rd : null;
  }
  KEY[0] = 2;
  KEY.set(RD, 1);
  const t = r.ethTag;
  KEY[9] = t >>> 24;
  KEY[10] = (t >>> 16) & 0xff;
  KEY[11] = (t >>> 8) & 0xff;
  KEY[12] = t & 0xff;
  KEY[13] = 48;
  if (!putMac(14, r.mac)) return null;
  if (r.ip === undefined) {
    KEY[20] = 0;
    return KEY.toString('latin1', 0, 21);
  }
  KEY[20] = 32;
  if (!putIpv4(21, r.ip)) return null;
  return KEY.toString('latin1', 0, 25);
}

export function routeKey(route: EvpnRoute): string {
  if (route.routeType === 2 && !('unknown' in route)) {
    const k = macIpKey(route as MacIpRoute);
    if (k !== null) return k;
  }
  return evpnRouteKey(route);
}
