import type { PeerStatus } from '../bgp/session';
import type { PathAttribute } from '../bgp/wire/attributes/types';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import type { Ip } from '../util/ip';
import { parseClear, type ClearRequest } from './clear';

/**
 * The control API between a running speaker and `evpn-vtep show`: a UNIX
 * stream socket carrying newline-delimited JSON, one request per line and
 * one response line per request, in order.
 *
 *   → {"cmd":"show","what":"peers"}
 *   ← {"ok":true,"peers":[...]}
 *   → {"cmd":"show","what":"routes","filters":{"type":2,"vni":100}}
 *   ← {"ok":true,"routes":[...]}
 *   ← {"ok":false,"error":"..."}
 */

export interface RouteFilter {
  /** EVPN route type 1..5. */
  type?: number;
  /** The VNI the route belongs to (see vniOf in routes.ts). */
  vni?: number;
}

/**
 * VTEP tables (`evpn-vtep run` only): plain rows, one object per line of the
 * table. `vrfs` lists the tenants; `vrf-routes` is a tenant's prefix table
 * (`show routes --vrf NAME`, filters.vrf required).
 */
export const VTEP_VIEWS = ['macs', 'arp', 'vteps', 'vnis', 'counters', 'vrfs', 'vrf-routes'] as const;
export type VtepView = (typeof VTEP_VIEWS)[number];
export type ViewRow = Record<string, string | number | boolean | null>;

/** Filters of the VTEP tables: `vni` (the L2 tables), `vrf` (the tenant tables). */
export interface ViewFilter {
  vni?: number;
  vrf?: string;
}

/**
 * `evpn-vtep capture`: after its request line the connection changes mode.
 *   → {"cmd":"capture","port":"eth1","vni":100,"snaplen":65535}
 *   ← {"ok":true,"capture":{"port":"eth1","snaplen":65535,"linkType":1}}
 *   ← pcap records (16-octet little-endian header + frame), back to back,
 *     until the client closes the connection, which stops the tap.
 * `port` is an access port's interface name or "underlay".
 */
export interface CaptureRequest {
  cmd: 'capture';
  port: string;
  vni?: number;
  snaplen?: number;
}

export interface CaptureAck {
  ok: true;
  capture: { port: string; vni?: number; snaplen: number; linkType: number };
}

/** Validates a capture request object; returns an error text or the request. */
export function parseCaptureRequest(v: unknown): CaptureRequest | string {
  if (typeof v !== 'object' || v === null) return 'request must be a JSON object';
  const o = v as Record<string, unknown>;
  if (o.cmd !== 'capture') return `unknown cmd ${JSON.stringify(o.cmd)}`;
  if (typeof o.port !== 'string' || o.port.length === 0 || o.port.length > 64) return 'capture needs "port": an interface name or "underlay"';
  const req: CaptureRequest = { cmd: 'capture', port: o.port };
  if (o.vni !== undefined) {
    if (typeof o.vni !== 'number' || !Number.isInteger(o.vni) || o.vni < 0 || o.vni > 0xffffff) return 'vni must be 0..16777215';
    req.vni = o.vni;
  }
  if (o.snaplen !== undefined) {
    if (typeof o.snaplen !== 'number' || !Number.isInteger(o.snaplen) || o.snaplen < 64 || o.snaplen > 262144) return 'snaplen must be 64..262144';
    req.snaplen = o.snaplen;
  }
  return req;
}

export type ControlRequest =
  | { cmd: 'show'; what: 'peers' }
  | { cmd: 'show'; what: 'routes'; filters?: RouteFilter }
  | { cmd: 'show'; what: VtepView; filters?: ViewFilter }
  | ClearRequest;

/** One path as `show routes` prints it: plain JSON values only. */
export interface RouteRow {
  type: number;
  rd: string;
  /** FRR's bracket form of the key fields, e.g. [2]:[0]:[48]:[aa:bb:cc:dd:ee:ff]:[32]:[10.0.0.1]. */
  prefix: string;
  vni?: number;
  mac?: string;
  ip?: string;
  esi?: string;
  /** Ethernet Tag ID (types 1, 2, 3, 5). */
  ethTag?: number;
  /** Originating router's IP (types 3, 4). */
  originatorIp?: string;
  /** Gateway IP (type 5). */
  gatewayIp?: string;
  nextHop: Ip | null;
  /** Neighbor address, or "local". */
  from: string;
  best: boolean;
  /** Kept from a peer that is restarting (RFC 4724 §4.2), until its End-of-RIB or the restart time. */
  stale?: boolean;
  routeTargets: string[];
  /** MAC mobility sequence number (RFC 7432 §7.7), when the community is present. */
  mobilitySeq?: number;
  sticky?: boolean;
  routerMac?: string;
  /** Tunnel types of the BGP Encapsulation extended communities (RFC 9012 §4.1; 8 = VXLAN). */
  encapsulation?: number[];
  /** The PMSI Tunnel attribute (RFC 6514 §5; type 6 = ingress replication). */
  pmsi?: { tunnelType: number; label: number; tunnelId: string; flags: number };
  label1?: number;
  label2?: number;
  originatorId?: string;
  clusterList?: string[];
  asPath: string;
  localPref?: number;
}

export type ControlResponse =
  | { ok: true; peers: PeerStatus[] }
  | { ok: true; routes: RouteRow[] }
  | { ok: true; rows: ViewRow[] }
  | { ok: false; error: string };

/**
 * One path of the RIB for listing. The RibApi has no listing method; a RIB
 * that implements RibListing (an optional `routes` method) makes
 * `show routes` work.
 */
export interface RibRouteEntry {
  route: EvpnRoute;
  attrs: readonly PathAttribute[];
  nextHop: Ip | null;
  /** Peer id (neighbor address) or "local". */
  from: string;
  best: boolean;
  /** A graceful-restart stale path (RFC 4724 §4.2). */
  stale?: boolean;
}

/**
 * What `show routes` asks of the RIB, duck-typed: every path (`routes`), or
 * failing that the best path of every key (`bestPaths`, as Rib has it).
 */
export interface RibListing {
  routes?(filter?: RouteFilter): Iterable<RibRouteEntry>;
  bestPaths?(): Iterable<Omit<RibRouteEntry, 'best'>>;
}

export const EVPN_ROUTE_TYPES = [1, 2, 3, 4, 5] as const;

/** Validates a parsed request line; returns an error text or the request. */
export function parseRequest(v: unknown): ControlRequest | string {
  if (typeof v !== 'object' || v === null) return 'request must be a JSON object';
  const o = v as Record<string, unknown>;
  if (o.cmd === 'clear') return parseClear(o);
  if (o.cmd !== 'show') return `unknown cmd ${JSON.stringify(o.cmd)}`;
  if (o.what === 'peers') return { cmd: 'show', what: 'peers' };
  if ((VTEP_VIEWS as readonly unknown[]).includes(o.what)) {
    const vni = (o.filters as { vni?: unknown } | undefined)?.vni;
    if (vni !== undefined && (typeof vni !== 'number' || !Number.isInteger(vni) || vni < 0 || vni > 0xffffff)) return 'filters.vni must be 0..16777215';
    const vrf = (o.filters as { vrf?: unknown } | undefined)?.vrf;
    if (vrf !== undefined && (typeof vrf !== 'string' || vrf.length === 0 || vrf.length > 64)) return 'filters.vrf must be a VRF name';
    if (o.what === 'vrf-routes' && vrf === undefined) return '"vrf-routes" needs filters.vrf';
    const filters: ViewFilter = { ...(vni === undefined ? {} : { vni }), ...(vrf === undefined ? {} : { vrf }) };
    return { cmd: 'show', what: o.what as VtepView, ...(vni === undefined && vrf === undefined ? {} : { filters }) };
  }
  if (o.what !== 'routes') return `unknown "what" ${JSON.stringify(o.what)}: peers, routes, ${VTEP_VIEWS.join(', ')}`;
  const f = o.filters;
  if (f === undefined) return { cmd: 'show', what: 'routes' };
  if (typeof f !== 'object' || f === null) return 'filters must be an object';
  const fo = f as Record<string, unknown>;
  const filters: RouteFilter = {};
  if (fo.type !== undefined) {
    if (typeof fo.type !== 'number' || !(EVPN_ROUTE_TYPES as readonly number[]).includes(fo.type)) return 'filters.type must be 1..5';
    filters.type = fo.type;
  }
  if (fo.vni !== undefined) {
    if (typeof fo.vni !== 'number' || !Number.isInteger(fo.vni) || fo.vni < 0 || fo.vni > 0xffffff) return 'filters.vni must be 0..16777215';
    filters.vni = fo.vni;
  }
  return { cmd: 'show', what: 'routes', filters };
}
