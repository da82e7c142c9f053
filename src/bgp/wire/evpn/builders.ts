import { canonicalIp } from '../../../util/ip';
import { isMac } from '../../../util/mac';
import { ZERO_ESI, type Esi, type EthernetAdRoute, type EthernetSegmentRoute, type InclusiveMulticastRoute, type IpPrefixRoute, type MacIpRoute, type RouteDistinguisher } from './types';
import { parseEsi } from './esi';
import { toRd } from './rd';

/*
 * Typed constructors for the routes a VTEP originates. They fill the usual
 * defaults (zero ESI = single-homed, Ethernet Tag 0 = VLAN-based service,
 * RFC 7432 §6.1 / RFC 8365 §5.1.2), accept text for the RD, ESI, MAC and
 * addresses, and normalise them so that values built here compare equal to
 * decoded ones. Invalid input is a RangeError.
 */

type RdInput = RouteDistinguisher | string;

function esiOf(esi: Esi | undefined): Esi {
  return esi === undefined || esi === ZERO_ESI ? ZERO_ESI : parseEsi(esi);
}

function macOf(mac: string): string {
  if (!isMac(mac)) throw new RangeError(`not a MAC address: ${mac}`);
  return mac.toLowerCase().replace(/-/g, ':');
}

function u32(v: number | undefined, what: string): number {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${what} must be an integer 0..4294967295, got ${n}`);
  return n;
}

function label(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffff) throw new RangeError(`${what} must be an integer 0..16777215, got ${v}`);
  return v;
}

export interface MacIpInput {
  rd: RdInput;
  mac: string;
  /** Omit for a MAC-only route. */
  ip?: string;
  /** The L2VNI. */
  label1: number;
  /** The L3VNI (symmetric IRB); omit when not routing. */
  label2?: number;
  esi?: Esi;
  ethTag?: number;
}

export function macIpRoute(i: MacIpInput): MacIpRoute {
  // Same property order as the decoder produces, so values print identically.
  const r: MacIpRoute = {
    routeType: 2,
    rd: toRd(i.rd),
    esi: esiOf(i.esi),
    ethTag: u32(i.ethTag, 'Ethernet Tag ID'),
    mac: macOf(i.mac),
    ...(i.ip === undefined ? {} : { ip: canonicalIp(i.ip) }),
    label1: label(i.label1, 'label1'),
  };
  if (i.label2 !== undefined) r.label2 = label(i.label2, 'label2');
  return r;
}

export interface ImetInput {
  rd: RdInput;
  /** The VTEP address (ingress replication target). */
  originatorIp: string;
  ethTag?: number;
}

export function imetRoute(i: ImetInput): InclusiveMulticastRoute {
  return { routeType: 3, rd: toRd(i.rd), ethTag: u32(i.ethTag, 'Ethernet Tag ID'), originatorIp: canonicalIp(i.originatorIp) };
}

export interface IpPrefixInput {
  rd: RdInput;
  /** "10.100.0.0/24", or an address with `prefixLength`. */
  prefix: string;
  prefixLength?: number;
  /** The L3VNI. */
  label: number;
  /** Defaults to the zero address of the prefix family (no overlay index, RFC 9136 §3.2). */
  gatewayIp?: string;
  esi?: Esi;
  ethTag?: number;
}

export function ipPrefixRoute(i: IpPrefixInput): IpPrefixRoute {
  let addr = i.prefix;
  let len = i.prefixLength;
  const slash = addr.indexOf('/');
  if (slash >= 0) {
    const l = addr.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l)) throw new RangeError(`bad prefix: ${i.prefix}`);
    if (len !== undefined && len !== Number(l)) throw new RangeError(`prefix ${i.prefix} disagrees with prefixLength ${len}`);
    len = Number(l);
    addr = addr.slice(0, slash);
  }
  if (len === undefined) throw new RangeError(`prefix ${i.prefix} needs a length`);
  const prefix = canonicalIp(addr);
  const v6 = prefix.includes(':');
  if (!Number.isInteger(len) || len < 0 || len > (v6 ? 128 : 32)) throw new RangeError(`prefix length ${len} out of range for ${prefix}`);
  const gatewayIp = canonicalIp(i.gatewayIp ?? (v6 ? '::' : '0.0.0.0'));
  if (gatewayIp.includes(':') !== v6) throw new RangeError(`gateway ${gatewayIp} and prefix ${prefix} must be the same family`);
  return {
    routeType: 5,
    rd: toRd(i.rd),
    esi: esiOf(i.esi),
    ethTag: u32(i.ethTag, 'Ethernet Tag ID'),
    prefix,
    prefixLength: len,
    gatewayIp,
    label: label(i.label, 'label'),
  };
}

export interface EthernetAdInput {
  rd: RdInput;
  esi: Esi;
  /** MAX-ET (0xFFFFFFFF) for the per-ES route (RFC 7432 §8.2.1). */
  ethTag?: number;
  label?: number;
}

export function ethernetAdRoute(i: EthernetAdInput): EthernetAdRoute {
  return { routeType: 1, rd: toRd(i.rd), esi: esiOf(i.esi), ethTag: u32(i.ethTag, 'Ethernet Tag ID'), label: label(i.label ?? 0, 'label') };
}

export interface EthernetSegmentInput {
  rd: RdInput;
  esi: Esi;
  originatorIp: string;
}

export function ethernetSegmentRoute(i: EthernetSegmentInput): EthernetSegmentRoute {
  return { routeType: 4, rd: toRd(i.rd), esi: esiOf(i.esi), originatorIp: canonicalIp(i.originatorIp) };
}

/** MAX-ET, the Ethernet Tag of per-ES Ethernet A-D routes (RFC 7432 §8.2.1). */
export const MAX_ET = 0xffffffff;
