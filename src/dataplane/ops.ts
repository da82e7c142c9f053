/**
 * Control-plane → data-plane operations, packed for `applyOps()`: the
 * TypeScript mirror of native/src/ops.h (keep the two in step; the tests
 * compare the record lengths with the addon's).
 *
 * Every record starts with a 4-octet header, integers are big-endian:
 *
 *   0      1      2             4
 *   +------+------+-------------+----------------------- ... ---+
 *   | type |length|  reserved   |  body (length - 4 octets)       |
 *   +------+------+-------------+----------------------- ... ---+
 *
 *  type  name            len  body (offset from record start)
 *   1    RemoteVtepAdd    32  4 vtepIdx u32 | 8 family u8 | 9 rsvd | 10 nextHopMac[6] (0 = default) | 16 ip[16]
 *   2    RemoteVtepDel     8  4 vtepIdx u32
 *   3    RemoteMacAdd     24  4 vni | 8 vtepIdx | 12 seq u32 | 16 mac[6] | 22 flags u8 | 23 rsvd
 *   4    RemoteMacDel     16  4 vni | 8 mac[6] | 14 rsvd[2]
 *   5    LocalMacStatic   20  4 vni | 8 port u32 | 12 mac[6] | 18 rsvd[2]
 *   6    LocalMacDel      16  4 vni | 8 mac[6] | 14 rsvd[2]
 *   7    ArpAdd           32  4 vni | 8 family | 9 flags u8 | 10 mac[6] | 16 ip[16]
 *   8    ArpDel           28  4 vni | 8 family | 9 rsvd[3] | 12 ip[16]
 *   9    FloodAdd         12  4 vni | 8 vtepIdx
 *  10    FloodDel         12  4 vni | 8 vtepIdx
 *  11    PortAdd          16  4 port u32 | 8 vni | 12 vid u16 (0 = untagged) | 14 rsvd[2]
 *  12    VniAdd            8  4 vni
 *  13    ArpProbe         24  4 port u32 | 8 vni | 12 targetMac[6] | 18 rsvd[2] | 20 ipv4[4]
 *  14    PortLimits       20  4 port u32 | 8 maxMacs u32 | 12 arpRate u32 | 16 arpBurst u32
 *  15    VniLimits        12  4 vni | 8 maxMacs u32
 *  16    VrfAdd           20  4 tenant u32 | 8 l3vni | 12 routerMac[6] | 18 rsvd[2]
 *  17    VrfDel            8  4 tenant u32      (flushes its routes, unbinds its VNIs)
 *  18    VniVrf           12  4 vni | 8 tenant u32 (0xffffffff = not routed)
 *  19    GatewayAdd       32  4 vni | 8 family | 9 prefixLen u8 | 10 mac[6] | 16 ip[16]
 *  20    GatewayDel       12  4 vni | 8 family | 9 rsvd[3]
 *  21    RouteAdd         44  4 tenant | 8 family | 9 prefixLen | 10 flags u8 | 11 rsvd | 12 vtepIdx u32
 *                             | 16 vni | 20 routerMac[6] | 26 rsvd[2] | 28 prefix[16]
 *  22    RouteDel         28  4 tenant | 8 family | 9 prefixLen | 10 rsvd[2] | 12 prefix[16]
 *
 * Routing (symmetric IRB, RFC 9135; RFC 9136 prefixes): a tenant is a dense
 * index; VrfAdd gives it its L3VNI and Router's MAC, VniVrf routes an L2VNI
 * in it, GatewayAdd sets the L2VNI's anycast gateway (ARP/ND answered,
 * frames to its MAC routed). RouteAdd flags bit 0: 0 = remote (rewrite to
 * routerMac, VXLAN with `vni` to vtepIdx), 1 = connected subnet of L2VNI
 * `vni` (hosts from its ARP/ND table). Host bits of a prefix are ignored.
 *
 * IPs take 16 octets with IPv4 in the first four. MAC entries point at VTEPs
 * by index (ARCHITECTURE guideline 7) so a VTEP change is one record.
 */
import { put16, put32, put8 } from '../util/bytes';
import { DecodeError } from '../util/errors';
import { ipFamily, ipv4ToString, ipv6ToString, writeIp, type Ip } from '../util/ip';
import { isMulticastMac, macToString, writeMac, type Mac } from '../util/mac';
import { Reader } from '../util/reader';

export const OpType = {
  RemoteVtepAdd: 1,
  RemoteVtepDel: 2,
  RemoteMacAdd: 3,
  RemoteMacDel: 4,
  LocalMacStatic: 5,
  LocalMacDel: 6,
  ArpAdd: 7,
  ArpDel: 8,
  FloodAdd: 9,
  FloodDel: 10,
  PortAdd: 11,
  VniAdd: 12,
  ArpProbe: 13,
  PortLimits: 14,
  VniLimits: 15,
  VrfAdd: 16,
  VrfDel: 17,
  VniVrf: 18,
  GatewayAdd: 19,
  GatewayDel: 20,
  RouteAdd: 21,
  RouteDel: 22,
} as const;
export type OpTypeCode = (typeof OpType)[keyof typeof OpType];

/** Record length per type code (index 0 unused), as in ops.h kOpLength. */
export const OP_LENGTH: readonly number[] = [0, 32, 8, 24, 16, 20, 16, 32, 28, 12, 12, 16, 8, 24, 20, 12, 20, 8, 12, 32, 12, 44, 28];

/** VniVrf tenant value: the VNI is not routed. */
export const NO_TENANT = 0xffffffff;

/** Why the addon rejected a record (ops.h OpStatus). */
export const OP_STATUS = [
  'ok',
  'truncated',
  'unknown-type',
  'bad-length',
  'bad-index',
  'unknown-vni',
  'unknown-vtep',
  'table-full',
  'bad-family',
  'bad-value',
  'conflict',
  'unknown-tenant',
] as const;
export type OpStatusName = (typeof OP_STATUS)[number];

export type DataplaneOp =
  | { op: 'remoteVtepAdd'; vtepIdx: number; ip: Ip; nextHopMac?: Mac }
  | { op: 'remoteVtepDel'; vtepIdx: number }
  /** `sticky`: the MAC Mobility extended community's sticky bit (RFC 7432 §15.2). */
  | { op: 'remoteMacAdd'; vni: number; mac: Mac; vtepIdx: number; seq?: number; sticky?: boolean }
  | { op: 'remoteMacDel'; vni: number; mac: Mac }
  | { op: 'localMacStatic'; vni: number; port: number; mac: Mac }
  | { op: 'localMacDel'; vni: number; mac: Mac }
  /** `router`/`override`: the R and O flags to answer NS with (RFC 9047, RFC 9161 §3.2). */
  | { op: 'arpAdd'; vni: number; ip: Ip; mac: Mac; router?: boolean; override?: boolean; static?: boolean }
  | { op: 'arpDel'; vni: number; ip: Ip }
  | { op: 'floodAdd'; vni: number; vtepIdx: number }
  | { op: 'floodDel'; vni: number; vtepIdx: number }
  /** Port membership: `vid` 0 or absent = untagged. One call per VLAN on a trunk. */
  | { op: 'portAdd'; port: number; vni: number; vid?: number }
  | { op: 'vniAdd'; vni: number }
  /**
   * Sends an RFC 5227 §2.1.1 ARP probe (sender IP 0.0.0.0) for `ip`, unicast
   * to `mac` on `port`, from the pipeline's probeMac: the VM-migration check.
   * An answer comes back as a `probeReply` event.
   */
  | { op: 'arpProbe'; port: number; vni: number; ip: Ip; mac: Mac }
  /**
   * Limits of an access port (0 or absent = none): at most `maxMacs` learned
   * MACs (more are not learned, counter learn_limit, but still forwarded);
   * `arpRate` ARP/ND (NS, NA) frames per second with bursts of `arpBurst`
   * (default arpRate), the rest dropped (arp_rate_limited).
   */
  | { op: 'portLimits'; port: number; maxMacs?: number; arpRate?: number; arpBurst?: number }
  /** At most `maxMacs` learned MACs in the VNI (0 = no limit); static and remote MACs do not count. */
  | { op: 'vniLimits'; vni: number; maxMacs: number }
  /** A tenant (IP-VRF) at index `tenant`: its L3VNI and the Router's MAC routed frames to us carry. */
  | { op: 'vrfAdd'; tenant: number; l3vni: number; routerMac: Mac }
  | { op: 'vrfDel'; tenant: number }
  /** Routes the L2VNI in `tenant` (NO_TENANT: no longer routed). */
  | { op: 'vniVrf'; vni: number; tenant: number }
  /** The L2VNI's distributed anycast gateway for the family of `ip`. */
  | { op: 'gatewayAdd'; vni: number; ip: Ip; prefixLength: number; mac: Mac }
  | { op: 'gatewayDel'; vni: number; family: 4 | 6 }
  /**
   * A prefix of the tenant's table: remote (`vtepIdx`, `routerMac`, VXLAN
   * with `vni`), or `local`: the connected subnet of L2VNI `vni`.
   */
  | { op: 'routeAdd'; tenant: number; ip: Ip; prefixLength: number; vni: number; local?: boolean; vtepIdx?: number; routerMac?: Mac }
  | { op: 'routeDel'; tenant: number; ip: Ip; prefixLength: number };

const TYPE_OF: Record<DataplaneOp['op'], OpTypeCode> = {
  remoteVtepAdd: OpType.RemoteVtepAdd,
  remoteVtepDel: OpType.RemoteVtepDel,
  remoteMacAdd: OpType.RemoteMacAdd,
  remoteMacDel: OpType.RemoteMacDel,
  localMacStatic: OpType.LocalMacStatic,
  localMacDel: OpType.LocalMacDel,
  arpAdd: OpType.ArpAdd,
  arpDel: OpType.ArpDel,
  floodAdd: OpType.FloodAdd,
  floodDel: OpType.FloodDel,
  portAdd: OpType.PortAdd,
  vniAdd: OpType.VniAdd,
  arpProbe: OpType.ArpProbe,
  portLimits: OpType.PortLimits,
  vniLimits: OpType.VniLimits,
  vrfAdd: OpType.VrfAdd,
  vrfDel: OpType.VrfDel,
  vniVrf: OpType.VniVrf,
  gatewayAdd: OpType.GatewayAdd,
  gatewayDel: OpType.GatewayDel,
  routeAdd: OpType.RouteAdd,
  routeDel: OpType.RouteDel,
};

function prefixLength(ip: Ip, len: number): number {
  if (!Number.isInteger(len) || len < 0 || len > (ipFamily(ip) === 4 ? 32 : 128)) throw new RangeError(`bad prefix length ${len} for ${ip}`);
  return len;
}

const STICKY = 0x02;
const ARP_ROUTER = 0x01;
const ARP_OVERRIDE = 0x02;
const ARP_STATIC = 0x04;
const ROUTE_LOCAL = 0x01;

export function encodingLength(op: DataplaneOp): number {
  return OP_LENGTH[TYPE_OF[op.op]]!;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} must be a u32: ${v}`);
  return v;
}

function vniOf(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffff) throw new RangeError(`VNI must be 24 bits: ${v}`);
  return v;
}

function family(ip: Ip): number {
  return ipFamily(ip);
}

function putUnicastMac(buf: Uint8Array, off: number, mac: Mac): number {
  if (isMulticastMac(mac)) throw new RangeError(`not a unicast MAC: ${mac}`);
  return writeMac(buf, off, mac);
}

/** Writes one record at `off`; returns the offset after it. Throws RangeError on invalid values. */
export function encode(op: DataplaneOp, buf: Uint8Array, off: number): number {
  const type = TYPE_OF[op.op];
  const len = OP_LENGTH[type]!;
  if (off < 0 || off + len > buf.length) throw new RangeError('ops.encode: buffer too small');
  buf.fill(0, off, off + len);
  put8(buf, off, type);
  put8(buf, off + 1, len);
  switch (op.op) {
    case 'remoteVtepAdd':
      put32(buf, off + 4, u32(op.vtepIdx, 'vtepIdx'));
      put8(buf, off + 8, family(op.ip));
      if (op.nextHopMac !== undefined) putUnicastMac(buf, off + 10, op.nextHopMac);
      writeIp(buf, off + 16, op.ip);
      break;
    case 'remoteVtepDel':
      put32(buf, off + 4, u32(op.vtepIdx, 'vtepIdx'));
      break;
    case 'remoteMacAdd':
      put32(buf, off + 4, vniOf(op.vni));
      put32(buf, off + 8, u32(op.vtepIdx, 'vtepIdx'));
      put32(buf, off + 12, u32(op.seq ?? 0, 'seq'));
      putUnicastMac(buf, off + 16, op.mac);
      put8(buf, off + 22, op.sticky ? STICKY : 0);
      break;
    case 'remoteMacDel':
    case 'localMacDel':
      put32(buf, off + 4, vniOf(op.vni));
      writeMac(buf, off + 8, op.mac);
      break;
    case 'localMacStatic':
      put32(buf, off + 4, vniOf(op.vni));
      put32(buf, off + 8, u32(op.port, 'port'));
      putUnicastMac(buf, off + 12, op.mac);
      break;
    case 'arpAdd':
      put32(buf, off + 4, vniOf(op.vni));
      put8(buf, off + 8, family(op.ip));
      put8(buf, off + 9, (op.router ? ARP_ROUTER : 0) | (op.override ? ARP_OVERRIDE : 0) | (op.static ? ARP_STATIC : 0));
      putUnicastMac(buf, off + 10, op.mac);
      writeIp(buf, off + 16, op.ip);
      break;
    case 'arpDel':
      put32(buf, off + 4, vniOf(op.vni));
      put8(buf, off + 8, family(op.ip));
      writeIp(buf, off + 12, op.ip);
      break;
    case 'floodAdd':
    case 'floodDel':
      put32(buf, off + 4, vniOf(op.vni));
      put32(buf, off + 8, u32(op.vtepIdx, 'vtepIdx'));
      break;
    case 'portAdd': {
      const vid = op.vid ?? 0;
      if (!Number.isInteger(vid) || vid < 0 || vid > 4094) throw new RangeError(`VID must be 0..4094: ${vid}`);
      put32(buf, off + 4, u32(op.port, 'port'));
      put32(buf, off + 8, vniOf(op.vni));
      put16(buf, off + 12, vid);
      break;
    }
    case 'vniAdd':
      put32(buf, off + 4, vniOf(op.vni));
      break;
    case 'arpProbe':
      if (ipFamily(op.ip) !== 4) throw new RangeError(`ARP probes are IPv4 only: ${op.ip}`);
      put32(buf, off + 4, u32(op.port, 'port'));
      put32(buf, off + 8, vniOf(op.vni));
      putUnicastMac(buf, off + 12, op.mac);
      writeIp(buf, off + 20, op.ip);
      break;
    case 'portLimits':
      put32(buf, off + 4, u32(op.port, 'port'));
      put32(buf, off + 8, u32(op.maxMacs ?? 0, 'maxMacs'));
      put32(buf, off + 12, u32(op.arpRate ?? 0, 'arpRate'));
      put32(buf, off + 16, u32(op.arpBurst ?? 0, 'arpBurst'));
      break;
    case 'vniLimits':
      put32(buf, off + 4, vniOf(op.vni));
      put32(buf, off + 8, u32(op.maxMacs, 'maxMacs'));
      break;
    case 'vrfAdd':
      put32(buf, off + 4, u32(op.tenant, 'tenant'));
      put32(buf, off + 8, vniOf(op.l3vni));
      putUnicastMac(buf, off + 12, op.routerMac);
      break;
    case 'vrfDel':
      put32(buf, off + 4, u32(op.tenant, 'tenant'));
      break;
    case 'vniVrf':
      put32(buf, off + 4, vniOf(op.vni));
      put32(buf, off + 8, u32(op.tenant, 'tenant'));
      break;
    case 'gatewayAdd':
      put32(buf, off + 4, vniOf(op.vni));
      put8(buf, off + 8, family(op.ip));
      put8(buf, off + 9, prefixLength(op.ip, op.prefixLength));
      putUnicastMac(buf, off + 10, op.mac);
      writeIp(buf, off + 16, op.ip);
      break;
    case 'gatewayDel':
      put32(buf, off + 4, vniOf(op.vni));
      put8(buf, off + 8, op.family);
      break;
    case 'routeAdd':
      put32(buf, off + 4, u32(op.tenant, 'tenant'));
      put8(buf, off + 8, family(op.ip));
      put8(buf, off + 9, prefixLength(op.ip, op.prefixLength));
      put32(buf, off + 16, vniOf(op.vni));
      if (op.local) {
        put8(buf, off + 10, ROUTE_LOCAL);
      } else {
        if (op.vtepIdx === undefined || op.routerMac === undefined) throw new RangeError('a remote route needs vtepIdx and routerMac');
        put32(buf, off + 12, u32(op.vtepIdx, 'vtepIdx'));
        putUnicastMac(buf, off + 20, op.routerMac);
      }
      writeIp(buf, off + 28, op.ip);
      break;
    case 'routeDel':
      put32(buf, off + 4, u32(op.tenant, 'tenant'));
      put8(buf, off + 8, family(op.ip));
      put8(buf, off + 9, prefixLength(op.ip, op.prefixLength));
      writeIp(buf, off + 12, op.ip);
      break;
  }
  return off + len;
}

/** Packs a batch for one applyOps() call. */
export function encodeOps(ops: readonly DataplaneOp[]): Uint8Array {
  let n = 0;
  for (const op of ops) n += encodingLength(op);
  const buf = new Uint8Array(n);
  let off = 0;
  for (const op of ops) off = encode(op, buf, off);
  return buf;
}

function readIp(r: Reader, fam: number): Ip {
  const b = r.view(16, 'IP address');
  if (fam === 4) return ipv4ToString(b, 0);
  if (fam === 6) return ipv6ToString(b, 0);
  throw new DecodeError(`bad address family ${fam}`, r.pos - 16);
}

function readMacAt(r: Reader): Mac {
  return macToString(r.view(6, 'MAC address'), 0);
}

/** Decodes one record (for the fake data plane, logs and tests). */
export function decode(r: Reader): DataplaneOp {
  const start = r.pos;
  const type = r.u8('op type');
  const len = r.u8('op length');
  if (type < 1 || type >= OP_LENGTH.length) throw new DecodeError(`unknown op type ${type}`, start);
  if (len !== OP_LENGTH[type]) throw new DecodeError(`op type ${type}: length ${len}, want ${OP_LENGTH[type]}`, start);
  r.pos = start;
  const body = r.sub(len, 'op record');
  body.skip(4);
  switch (type) {
    case OpType.RemoteVtepAdd: {
      const vtepIdx = body.u32();
      const fam = body.u8();
      body.skip(1);
      const nh = readMacAt(body);
      const ip = readIp(body, fam);
      return nh === '00:00:00:00:00:00' ? { op: 'remoteVtepAdd', vtepIdx, ip } : { op: 'remoteVtepAdd', vtepIdx, ip, nextHopMac: nh };
    }
    case OpType.RemoteVtepDel:
      return { op: 'remoteVtepDel', vtepIdx: body.u32() };
    case OpType.RemoteMacAdd: {
      const vni = body.u32();
      const vtepIdx = body.u32();
      const seq = body.u32();
      const mac = readMacAt(body);
      const sticky = (body.u8() & STICKY) !== 0;
      return { op: 'remoteMacAdd', vni, mac, vtepIdx, seq, sticky };
    }
    case OpType.RemoteMacDel:
    case OpType.LocalMacDel: {
      const vni = body.u32();
      const mac = readMacAt(body);
      return { op: type === OpType.RemoteMacDel ? 'remoteMacDel' : 'localMacDel', vni, mac };
    }
    case OpType.LocalMacStatic: {
      const vni = body.u32();
      const port = body.u32();
      return { op: 'localMacStatic', vni, port, mac: readMacAt(body) };
    }
    case OpType.ArpAdd: {
      const vni = body.u32();
      const fam = body.u8();
      const flags = body.u8();
      const mac = readMacAt(body);
      const ip = readIp(body, fam);
      return {
        op: 'arpAdd',
        vni,
        ip,
        mac,
        router: (flags & ARP_ROUTER) !== 0,
        override: (flags & ARP_OVERRIDE) !== 0,
        static: (flags & ARP_STATIC) !== 0,
      };
    }
    case OpType.ArpDel: {
      const vni = body.u32();
      const fam = body.u8();
      body.skip(3);
      return { op: 'arpDel', vni, ip: readIp(body, fam) };
    }
    case OpType.FloodAdd:
    case OpType.FloodDel: {
      const vni = body.u32();
      const vtepIdx = body.u32();
      return { op: type === OpType.FloodAdd ? 'floodAdd' : 'floodDel', vni, vtepIdx };
    }
    case OpType.PortAdd: {
      const port = body.u32();
      const vni = body.u32();
      return { op: 'portAdd', port, vni, vid: body.u16() };
    }
    case OpType.ArpProbe: {
      const port = body.u32();
      const vni = body.u32();
      const mac = readMacAt(body);
      body.skip(2);
      return { op: 'arpProbe', port, vni, mac, ip: ipv4ToString(body.view(4, 'IPv4 address'), 0) };
    }
    case OpType.PortLimits: {
      const port = body.u32();
      const maxMacs = body.u32();
      const arpRate = body.u32();
      return { op: 'portLimits', port, maxMacs, arpRate, arpBurst: body.u32() };
    }
    case OpType.VniLimits: {
      const vni = body.u32();
      return { op: 'vniLimits', vni, maxMacs: body.u32() };
    }
    case OpType.VrfAdd: {
      const tenant = body.u32();
      const l3vni = body.u32();
      return { op: 'vrfAdd', tenant, l3vni, routerMac: readMacAt(body) };
    }
    case OpType.VrfDel:
      return { op: 'vrfDel', tenant: body.u32() };
    case OpType.VniVrf: {
      const vni = body.u32();
      return { op: 'vniVrf', vni, tenant: body.u32() };
    }
    case OpType.GatewayAdd: {
      const vni = body.u32();
      const fam = body.u8();
      const len = body.u8();
      const mac = readMacAt(body);
      return { op: 'gatewayAdd', vni, ip: readIp(body, fam), prefixLength: len, mac };
    }
    case OpType.GatewayDel: {
      const vni = body.u32();
      const fam = body.u8();
      if (fam !== 4 && fam !== 6) throw new DecodeError(`bad address family ${fam}`, body.pos - 1);
      return { op: 'gatewayDel', vni, family: fam };
    }
    case OpType.RouteAdd: {
      const tenant = body.u32();
      const fam = body.u8();
      const prefixLength = body.u8();
      const flags = body.u8();
      body.skip(1);
      const vtepIdx = body.u32();
      const vni = body.u32();
      const routerMac = readMacAt(body);
      body.skip(2);
      const ip = readIp(body, fam);
      return flags & ROUTE_LOCAL
        ? { op: 'routeAdd', tenant, ip, prefixLength, vni, local: true }
        : { op: 'routeAdd', tenant, ip, prefixLength, vni, vtepIdx, routerMac };
    }
    case OpType.RouteDel: {
      const tenant = body.u32();
      const fam = body.u8();
      const prefixLength = body.u8();
      body.skip(2);
      return { op: 'routeDel', tenant, ip: readIp(body, fam), prefixLength };
    }
    default:
      return { op: 'vniAdd', vni: body.u32() };
  }
}

export function decodeOps(bytes: Uint8Array): DataplaneOp[] {
  const r = new Reader(bytes);
  const out: DataplaneOp[] = [];
  while (!r.atEnd) out.push(decode(r));
  return out;
}
