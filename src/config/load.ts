import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { canonicalIp, ipFamily, isIpv4, isIpv6, type Ip } from '../util/ip';
import { isMac, isMulticastMac, macBytes, macToString } from '../util/mac';
import { parseRd, rdToString } from '../bgp/wire/evpn/rd';
import { formatRouteTarget, parseRouteTarget } from '../bgp/wire/ext-community';
import { resolveL2vni, resolveVrf } from './derive';
import { lastOf, networkOf, nextAddress, overlaps, parsePrefix, prefixText } from './prefix';
import { ConfigError, type LoadResult } from './errors';
import { closest, Diagnostics, Field, MapReader } from './reader';
import {
  ADDRESS_FAMILIES,
  DEFAULTS,
  LOG_LEVELS,
  RD_RT_MODES,
  type AddressFamily,
  type BgpConfig,
  type L2vniConfig,
  type PortLimitsConfig,
  type NeighborConfig,
  type RouteDistinguisher,
  type RouteTarget,
  type UnderlayConfig,
  type VrfConfig,
  type VtepConfig,
} from './schema';

/**
 * Loading: YAML text → typed config, or every problem found as
 * FILE:LINE:COL: reason. Syntax errors stop before validation (the tree
 * would be guesswork); validation errors are all collected in one pass.
 */

/** `run` requires an underlay; `bgp` (speaker only) does not. */
export type ConfigMode = 'run' | 'bgp';

const TOP_KEYS = [
  'router-id',
  'as',
  'listen',
  'underlay',
  'neighbors',
  'route-reflector',
  'l2vnis',
  'vrfs',
  'rd-rt-mode',
  'migration',
  'graceful-restart',
  'control-socket',
  'log',
  'metrics',
  'tables',
  'mrt',
] as const;
const LISTEN_KEYS = ['address', 'port'];
const UNDERLAY_KEYS = ['address', 'interface', 'udp-port'];
const NEIGHBOR_KEYS = [
  'address',
  'remote-as',
  'local-address',
  'passive',
  'hold-time',
  'keepalive',
  'route-reflector-client',
  'password',
  'ttl-security',
  'description',
  'address-families',
  'max-prefixes',
  'connect-retry',
  'idle-hold',
  'refused-retry',
];
const L2VNI_KEYS = [
  'vni',
  'interface',
  'vlan',
  'rd',
  'route-targets',
  'arp-suppression',
  'mac-aging-seconds',
  'max-macs',
  'port-limits',
  'gateway',
  'vrf',
];
const VRF_KEYS = ['name', 'l3vni', 'router-mac', 'rd', 'route-targets', 'prefixes'];

const AS_WHAT = 'an AS number 1..4294967295';
const MAX_U32 = 0xffffffff;

/** asplain (number or quoted digits) or asdot "X.Y" (RFC 5396). */
function asNumber(f: Field): number | undefined {
  const v = f.scalar();
  if (typeof v === 'string') {
    const m = /^(\d{1,5})\.(\d{1,5})$/.exec(v);
    if (m) {
      const hi = Number(m[1]);
      const lo = Number(m[2]);
      const as = hi * 65536 + lo;
      if (hi <= 0xffff && lo <= 0xffff && as >= 1) return as;
      return f.expected(AS_WHAT);
    }
  }
  if (typeof v === 'number' && !Number.isInteger(v)) {
    return f.error(`expected ${AS_WHAT}, got ${v} (YAML read a decimal number: quote asdot notation, e.g. "1.10")`);
  }
  return f.int(1, MAX_U32, AS_WHAT);
}

/** Linux interface names: 1..15 bytes, no '/', ':' is allowed (aliases are not interfaces, but names may hold it), no spaces. */
function ifName(f: Field): string | undefined {
  const s = f.str('an interface name');
  if (s === undefined) return undefined;
  if (s.length > 15 || /[\s/]/.test(s) || s === '.' || s === '..') {
    return f.error(`"${s}" is not a valid Linux interface name (at most 15 characters, no spaces or "/")`);
  }
  return s;
}

/** Runs one of the BGP layer's text parsers (they throw RangeError) and reports its complaint at the field. */
function parsed<T>(f: Field, what: string, parse: (s: string) => T): T | undefined {
  const s = f.scalar();
  if (typeof s !== 'string') return f.expected(`${what} like 65001:100 or 10.0.0.1:5`);
  try {
    return parse(s);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return f.error(e.message);
  }
}

function routeTargetList(f: Field): RouteTarget[] | undefined {
  const items = f.list();
  if (!items) return undefined;
  const out: RouteTarget[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const rt = parsed(item, 'route target', parseRouteTarget);
    if (!rt) continue;
    const k = formatRouteTarget(rt);
    const first = seen.get(k);
    if (first !== undefined) item.error(`duplicate route target ${k} (first on line ${first})`);
    else seen.set(k, item.line);
    out.push(rt);
  }
  return out;
}

function listen(f: Field | undefined): BgpConfig['listen'] {
  const m = f?.map(LISTEN_KEYS);
  return {
    address: m?.get('address')?.ip() ?? DEFAULTS.listenAddress,
    port: m?.get('port')?.int(0, 65535, 'a TCP port 0..65535') ?? DEFAULTS.bgpPort,
  };
}

function underlay(f: Field): UnderlayConfig | undefined {
  const m = f.map(UNDERLAY_KEYS);
  if (!m) return undefined;
  const address = m.required('address')?.ip();
  const u: UnderlayConfig = {
    address: address ?? '',
    udpPort: m.get('udp-port')?.int(1, 65535, 'a UDP port 1..65535') ?? DEFAULTS.vxlanPort,
  };
  const ifn = m.get('interface');
  if (ifn) {
    const name = ifName(ifn);
    if (name !== undefined) u.interface = name;
  }
  return u;
}

function addressFamilies(f: Field): AddressFamily[] {
  const items = f.list();
  if (!items) return [...DEFAULTS.addressFamilies];
  if (items.length === 0) {
    f.error('must list at least one address family');
    return [];
  }
  const out: AddressFamily[] = [];
  for (const item of items) {
    const af = item.oneOf(ADDRESS_FAMILIES);
    if (af === undefined) continue;
    if (out.includes(af)) item.error(`"${af}" is listed twice`);
    else out.push(af);
  }
  return out;
}

function neighbor(f: Field, localAs: number | undefined): { value: NeighborConfig; address: Field } | undefined {
  const m = f.map(NEIGHBOR_KEYS);
  if (!m) return undefined;
  const address = m.required('address')?.ip();
  const remoteAsField = m.required('remote-as');
  const remoteAs = remoteAsField ? asNumber(remoteAsField) : undefined;

  const holdField = m.get('hold-time');
  const holdTime = holdField?.int(0, 65535, 'a hold time of 0 or 3..65535 seconds') ?? DEFAULTS.holdTime;
  // RFC 4271 §4.2: the Hold Time MUST be either zero or at least three seconds.
  if (holdField && (holdTime === 1 || holdTime === 2)) {
    holdField.error(`expected a hold time of 0 or 3..65535 seconds, got ${holdTime} (RFC 4271 §4.2)`);
  }
  const kaField = m.get('keepalive');
  let keepalive: number;
  if (kaField) {
    keepalive = kaField.int(1, 21845, 'a keepalive interval 1..21845 seconds') ?? DEFAULTS.keepalive;
    if (holdTime > 0 && keepalive > Math.floor(holdTime / 3)) {
      kaField.error(`${keepalive} s is more than a third of hold-time ${holdTime} s (RFC 4271 §10)`);
    }
  } else {
    keepalive = holdField ? Math.max(1, Math.floor(holdTime / 3)) : DEFAULTS.keepalive;
  }

  const n: NeighborConfig = {
    address: address ?? '',
    remoteAs: remoteAs ?? 0,
    passive: m.get('passive')?.bool() ?? false,
    holdTime,
    keepalive,
    routeReflectorClient: m.get('route-reflector-client')?.bool() ?? false,
    addressFamilies: [...DEFAULTS.addressFamilies],
  };
  const afs = m.get('address-families');
  if (afs) n.addressFamilies = addressFamilies(afs);

  const la = m.get('local-address');
  if (la) {
    const ip = la.ip();
    if (ip !== undefined && address !== undefined && ipFamily(ip) !== ipFamily(address)) {
      la.error(`${ip} is not of the same address family as the neighbor address ${address}`);
    } else if (ip !== undefined) n.localAddress = ip;
  }

  const rrc = m.get('route-reflector-client');
  if (n.routeReflectorClient && rrc && remoteAs !== undefined && localAs !== undefined && remoteAs !== localAs) {
    rrc.error(`route reflection is for iBGP peers, but remote-as ${remoteAs} differs from as ${localAs} (RFC 4456)`);
  }

  const pw = m.get('password');
  if (pw) {
    const s = pw.str('a password');
    // Linux TCP_MD5SIG_MAXKEYLEN.
    if (s !== undefined && Buffer.byteLength(s) > 80) pw.error('a TCP MD5 key is at most 80 bytes');
    else if (s !== undefined) n.password = s;
  }

  const ttl = m.get('ttl-security');
  if (ttl) {
    const tm = ttl.map(['hops']);
    const hops = tm?.required('hops')?.int(1, 254, 'a hop count 1..254');
    if (hops !== undefined) n.ttlSecurityHops = hops;
  }

  const desc = m.get('description');
  if (desc) {
    const s = desc.str();
    if (s !== undefined) n.description = s;
  }

  const mp = m.get('max-prefixes');
  if (mp) {
    const pm = mp.map(['limit', 'action']);
    const limit = pm?.required('limit')?.int(1, MAX_U32, 'a prefix count 1..4294967295');
    const action = pm?.get('action')?.oneOf(['warn', 'teardown'] as const) ?? DEFAULTS.maxPrefixAction;
    if (limit !== undefined) n.maxPrefixes = { limit, action };
  }

  const cr = m.get('connect-retry')?.int(1, 65535, 'a ConnectRetryTime 1..65535 seconds');
  if (cr !== undefined) n.connectRetryTime = cr;
  const ih = m.get('idle-hold')?.map(['first-seconds', 'max-seconds']);
  if (ih) {
    const firstSeconds = ih.get('first-seconds')?.int(1, 3600, 'a first IdleHoldTime 1..3600 seconds') ?? 1;
    const maxSeconds = ih.get('max-seconds')?.int(firstSeconds, 3600, `a longest IdleHoldTime ${firstSeconds}..3600 seconds (at least first-seconds)`) ?? Math.max(firstSeconds, 120);
    n.idleHold = { firstSeconds, maxSeconds };
  }
  const rr = m.get('refused-retry')?.map(['first-ms', 'max-ms']);
  if (rr) {
    const firstMs = rr.get('first-ms')?.int(1, 600_000, 'a wait 1..600000 ms') ?? DEFAULTS.refusedRetry.firstMs;
    const maxMs = rr.get('max-ms')?.int(firstMs, 600_000, `a wait ${firstMs}..600000 ms (at least first-ms)`) ?? Math.max(firstMs, DEFAULTS.refusedRetry.maxMs);
    n.refusedRetry = { firstMs, maxMs };
  }
  return { value: n, address: m.get('address') ?? f };
}

/** A unicast MAC in any accepted spelling, normalised; errors at the field otherwise. */
function unicastMac(f: Field, role: string): string | undefined {
  const s = f.str('a MAC address');
  if (s === undefined) return undefined;
  if (!isMac(s)) return f.expected('a MAC address like 00:00:5e:00:01:01');
  const mac = macToString(macBytes(s.replace(/-/g, ':')), 0);
  if (isMulticastMac(mac)) return f.error(`${mac} is a multicast MAC; ${role} needs a unicast one`);
  if (mac === '00:00:00:00:00:00') return f.error(`00:00:00:00:00:00 cannot be ${role}`);
  return mac;
}

/**
 * `gateway.ip`: "10.100.0.1/24" (address and subnet) or a bare address. The
 * address must be a usable host address of its subnet: not the network
 * address (for IPv6 the Subnet-Router anycast address, RFC 4291 §2.6.1), not
 * the IPv4 broadcast address, and the subnet must leave room for hosts.
 */
function gatewayIp(f: Field): { ip: string; prefixLength?: number } | undefined {
  const text = f.scalar();
  if (typeof text !== 'string' || !text.includes('/')) {
    const ip = f.ip('an address with its subnet, like 10.100.0.1/24');
    return ip === undefined ? undefined : { ip };
  }
  let p;
  try {
    p = parsePrefix(text);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return f.error(e.message);
  }
  const v4 = !p.ip.includes(':');
  const max = v4 ? 32 : 128;
  if (p.length >= max - (v4 ? 1 : 0) && !(v4 && p.length === 31)) {
    return f.error(`a /${p.length} gateway subnet leaves no room for hosts`);
  }
  const hasBroadcast = v4 && p.length <= 30;
  if (networkOf(p.ip, p.length) === p.ip && (v4 ? hasBroadcast : true)) {
    return f.error(`${p.ip} is the network address of ${prefixText(p.ip, p.length)}; the gateway needs a host address inside it (e.g. ${nextAddress(p.ip)})`);
  }
  if (hasBroadcast && lastOf(p.ip, p.length) === p.ip) return f.error(`${p.ip} is the broadcast address of ${prefixText(p.ip, p.length)}; the gateway needs a host address inside it`);
  return { ip: p.ip, prefixLength: p.length };
}

function gateway(f: Field): { value: NonNullable<L2vniConfig['gateway']>; ip: Field } | undefined {
  const m = f.map(['ip', 'mac']);
  if (!m) return undefined;
  const ipField = m.required('ip');
  const ip = ipField ? gatewayIp(ipField) : undefined;
  const macField = m.required('mac');
  const mac = macField ? unicastMac(macField, 'a gateway') : undefined;
  if (ip === undefined || mac === undefined) return undefined;
  return { value: { ...ip, mac }, ip: ipField ?? f };
}

interface L2Item {
  value: L2vniConfig;
  /** Where to point duplicate errors. */
  vni: Field;
  interface: Field;
  rd: Field;
  vrf?: Field;
  gatewayIp?: Field;
  /** The `port-limits` key, when written. */
  portLimits?: Field;
}

function portLimits(f: Field | undefined): PortLimitsConfig {
  const m = f?.map(['max-macs', 'arp-rate', 'arp-burst']);
  return {
    maxMacs: m?.get('max-macs')?.int(0, MAX_U32, 'a MAC count (0 = no limit)') ?? DEFAULTS.portMaxMacs,
    arpRate: m?.get('arp-rate')?.int(0, 1_000_000, 'ARP/ND frames per second 0..1000000 (0 = no limit)') ?? DEFAULTS.portArpRate,
    arpBurst: m?.get('arp-burst')?.int(0, 10_000_000, 'a burst of ARP/ND frames 0..10000000') ?? DEFAULTS.portArpBurst,
  };
}

function l2vni(f: Field): L2Item | undefined {
  const m = f.map(L2VNI_KEYS);
  if (!m) return undefined;
  const vni = m.required('vni')?.int(1, 0xffffff, 'a VNI 1..16777215');
  const ifField = m.required('interface');
  const iface = ifField ? ifName(ifField) : undefined;
  const l: L2vniConfig = {
    vni: vni ?? 0,
    interface: iface ?? '',
    rd: 'auto',
    routeTargets: { import: 'auto', export: 'auto' },
    arpSuppression: m.get('arp-suppression')?.bool() ?? DEFAULTS.arpSuppression,
    macAgingSeconds: m.get('mac-aging-seconds')?.int(0, 86400 * 365, 'a number of seconds (0 = never age)') ?? DEFAULTS.macAgingSeconds,
    portLimits: portLimits(m.get('port-limits')),
  };
  const vlan = m.get('vlan')?.int(1, 4094, 'a VLAN ID 1..4094');
  if (vlan !== undefined) l.vlan = vlan;

  const rd = m.get('rd');
  if (rd && !(rd.scalar() === 'auto')) {
    const v: RouteDistinguisher | undefined = parsed(rd, 'route distinguisher', parseRd);
    if (v) l.rd = v;
  }

  l.routeTargets = routeTargets(m.get('route-targets'));

  const mm = m.get('max-macs')?.int(1, MAX_U32, 'a MAC count 1..4294967295');
  if (mm !== undefined) l.maxMacs = mm;
  const item: L2Item = { value: l, vni: m.get('vni') ?? f, interface: m.get('interface') ?? f, rd: m.get('rd') ?? f };
  const plField = m.get('port-limits');
  if (plField) item.portLimits = plField;
  const gw = m.get('gateway');
  if (gw) {
    const g = gateway(gw);
    if (g) {
      l.gateway = g.value;
      item.gatewayIp = g.ip;
    }
  }
  const vrfField = m.get('vrf');
  if (vrfField) {
    const name = vrfName(vrfField);
    if (name !== undefined) {
      l.vrf = name;
      item.vrf = vrfField;
    }
  }
  return item;
}

/** `route-targets`: "auto" or {import, export}; a missing side stays auto. */
function routeTargets(rts: Field | undefined): L2vniConfig['routeTargets'] {
  const out: L2vniConfig['routeTargets'] = { import: 'auto', export: 'auto' };
  if (!rts || rts.scalar() === 'auto') return out;
  const rm = rts.map(['import', 'export']);
  if (rm) {
    const imp = rm.get('import');
    const exp = rm.get('export');
    if (!imp && !exp) rts.error('give "import", "export" or both, or write route-targets: auto');
    if (imp) out.import = routeTargetList(imp) ?? 'auto';
    if (exp) out.export = routeTargetList(exp) ?? 'auto';
  }
  return out;
}

const VRF_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

function vrfName(f: Field): string | undefined {
  const s = f.str('a VRF name');
  if (s === undefined) return undefined;
  if (!VRF_NAME.test(s)) return f.error(`"${s}" is not a valid VRF name (1..32 letters, digits, "-", "_", ".", starting with a letter or digit)`);
  return s;
}

interface VrfItem {
  value: VrfConfig;
  name: Field;
  l3vni: Field;
  rd: Field;
}

function vrf(f: Field): VrfItem | undefined {
  const m = f.map(VRF_KEYS);
  if (!m) return undefined;
  const nameField = m.required('name');
  const name = nameField ? vrfName(nameField) : undefined;
  const l3vni = m.required('l3vni')?.int(1, 0xffffff, 'an L3VNI 1..16777215');
  const v: VrfConfig = { name: name ?? '', l3vni: l3vni ?? 0, routerMac: 'auto', rd: 'auto', routeTargets: routeTargets(m.get('route-targets')), prefixes: [] };
  const rm = m.get('router-mac');
  if (rm && rm.scalar() !== 'auto') {
    const mac = unicastMac(rm, 'a router MAC');
    if (mac !== undefined) v.routerMac = mac;
  }
  const rd = m.get('rd');
  if (rd && rd.scalar() !== 'auto') {
    const x: RouteDistinguisher | undefined = parsed(rd, 'route distinguisher', parseRd);
    if (x) v.rd = x;
  }
  const seen = new Map<string, number>();
  for (const item of m.get('prefixes')?.list() ?? []) {
    const text = item.str('a prefix like 10.0.0.0/8 or 0.0.0.0/0');
    if (text === undefined) continue;
    let p;
    try {
      p = parsePrefix(text);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      item.error(e.message);
      continue;
    }
    const canonical = prefixText(p.ip, p.length);
    if (networkOf(p.ip, p.length) !== p.ip) {
      item.error(`${text} has host bits set; did you mean ${canonical}?`);
      continue;
    }
    const first = seen.get(canonical);
    if (first !== undefined) item.error(`duplicate prefix ${canonical} (first on line ${first})`);
    else {
      seen.set(canonical, item.line);
      v.prefixes.push(canonical);
    }
  }
  return { value: v, name: nameField ?? f, l3vni: m.get('l3vni') ?? f, rd: m.get('rd') ?? f };
}

/**
 * Checks between tenants and L2VNIs: names and L3VNIs unique, an L3VNI is
 * not also an L2VNI (one VNI, one service), every `l2vnis[].vrf` names a
 * tenant, a routed VNI's gateway has a subnet, and the gateway subnets of
 * one tenant do not overlap (they would make its routing ambiguous).
 */
function checkTenants(l2: readonly L2Item[], vrfs: readonly VrfItem[]): void {
  unique(
    vrfs.map((x) => ({ value: x.value, field: x.name })),
    (v) => v.name || undefined,
    (k) => `duplicate VRF name "${k}"`,
  );
  unique(
    vrfs.map((x) => ({ value: x.value, field: x.l3vni })),
    (v) => (v.l3vni ? String(v.l3vni) : undefined),
    (k) => `duplicate L3VNI ${k}`,
  );
  const l2Line = new Map(l2.map((x) => [x.value.vni, x.vni.line]));
  for (const x of vrfs) {
    const line = l2Line.get(x.value.l3vni);
    if (x.value.l3vni && line !== undefined) x.l3vni.error(`L3VNI ${x.value.l3vni} is also an L2VNI (line ${line}); a VNI is either bridged or routed`);
  }
  const names = vrfs.map((x) => x.value.name).filter(Boolean);
  const subnets = new Map<string, { prefix: { ip: string; length: number }; vni: number; field: Field }[]>();
  for (const x of l2) {
    const name = x.value.vrf;
    if (name === undefined || !x.vrf) continue;
    if (!names.includes(name)) {
      const near = closest(name, names);
      x.vrf.error(`unknown VRF "${name}"${near ? ` (did you mean "${near}"?)` : names.length ? `; vrfs: ${names.join(', ')}` : '; no vrfs are configured'}`);
      continue;
    }
    const gw = x.value.gateway;
    if (!gw || !x.gatewayIp) continue;
    if (gw.prefixLength === undefined) {
      x.gatewayIp.error(`VNI ${x.value.vni} routes in VRF "${name}": write the gateway with its subnet, e.g. ${gw.ip}/24, so that the subnet can be advertised`);
      continue;
    }
    const mine = { prefix: { ip: gw.ip, length: gw.prefixLength }, vni: x.value.vni, field: x.gatewayIp };
    const list = subnets.get(name) ?? [];
    const clash = list.find((o) => overlaps(o.prefix, mine.prefix));
    if (clash) {
      x.gatewayIp.error(
        `gateway subnet ${prefixText(gw.ip, gw.prefixLength)} overlaps ${prefixText(clash.prefix.ip, clash.prefix.length)} of VNI ${clash.vni} in VRF "${name}" (line ${clash.field.line})`,
      );
    }
    list.push(mine);
    subnets.set(name, list);
  }
}

/** Reports the second and later occurrences of a key among list items. */
function unique<T>(items: readonly { value: T; field: Field }[], key: (v: T) => string | undefined, what: (k: string) => string): void {
  const first = new Map<string, number>();
  for (const { value, field } of items) {
    const k = key(value);
    if (k === undefined) continue;
    const line = first.get(k);
    if (line !== undefined) field.error(`${what(k)} (first on line ${line})`);
    else first.set(k, field.line);
  }
}

/** Validates a parsed document. Exposed for tests and for configs that do not come from a file. */
export function parseConfig(text: string, file: string, mode: 'bgp'): LoadResult<BgpConfig>;
export function parseConfig(text: string, file: string, mode?: 'run'): LoadResult<VtepConfig>;
export function parseConfig(text: string, file: string, mode: ConfigMode = 'run'): LoadResult<BgpConfig> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const d = new Diagnostics(file, lines, doc);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) d.at(e.pos[0], '', `YAML syntax error: ${e.message.split('\n')[0]}`);
    return { ok: false, errors: d.errors };
  }
  const root = new Field(d, doc.contents, '', 0);
  if (root.isNull()) {
    d.at(0, '', 'the file is empty; expected a mapping with at least router-id and as');
    return { ok: false, errors: d.errors };
  }
  const top = root.map(TOP_KEYS);
  if (!top) return { ok: false, errors: d.errors };

  const routerId = top.required('router-id')?.ipv4('an IPv4 address (the BGP identifier)');
  const asField = top.required('as');
  const as = asField ? asNumber(asField) : undefined;

  const cfg: BgpConfig = {
    routerId: routerId ?? '',
    as: as ?? 0,
    listen: listen(top.get('listen')),
    neighbors: [],
    l2vnis: [],
    rdRtMode: top.get('rd-rt-mode')?.oneOf(RD_RT_MODES) ?? DEFAULTS.rdRtMode,
    migration: migration(top),
    gracefulRestart: gracefulRestart(top),
    controlSocket: top.get('control-socket')?.str('a socket path') ?? DEFAULTS.controlSocket,
    log: { level: top.get('log')?.map(['level'])?.get('level')?.oneOf(LOG_LEVELS) ?? DEFAULTS.logLevel },
  };

  const mf = top.get('metrics');
  if (mf) {
    const listenField = mf.map(['listen'])?.required('listen');
    const text = listenField?.str('an ADDRESS:PORT like "127.0.0.1:9179"');
    if (listenField && text !== undefined) {
      try {
        cfg.metrics = { listen: parseListen(text) };
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        listenField.error(e.message);
      }
    }
  }

  const tf = top.get('tables');
  if (tf) {
    const tm = tf.map(['macs', 'arp', 'vteps', 'routes']);
    const t: NonNullable<BgpConfig['tables']> = {};
    const macs = tm?.get('macs')?.int(64, 1 << 26, 'a MAC table size 64..67108864');
    const arp = tm?.get('arp')?.int(64, 1 << 26, 'an ARP/ND table size 64..67108864');
    const vteps = tm?.get('vteps')?.int(1, 1 << 20, 'a remote VTEP count 1..1048576');
    if (macs !== undefined) t.macs = macs;
    if (arp !== undefined) t.arp = arp;
    if (vteps !== undefined) t.vteps = vteps;
    const routes = tm?.get('routes')?.int(16, 1 << 24, 'a tenant route count 16..16777216');
    if (routes !== undefined) t.routes = routes;
    cfg.tables = t;
  }

  const mrtField = top.get('mrt');
  if (mrtField) {
    const mm = mrtField.map(['updates', 'table']);
    const mrt: NonNullable<BgpConfig['mrt']> = {};
    const uf = mm?.get('updates')?.map(['file', 'interval', 'all-messages', 'state-changes']);
    if (uf) {
      const file = mrtFile(uf.required('file'));
      const intervalSeconds = uf.get('interval')?.int(0, 86400, 'an interval 0..86400 seconds (0: one file)') ?? 0;
      if (file !== undefined) mrt.updates = { file, intervalSeconds, allMessages: uf.get('all-messages')?.bool() ?? false, stateChanges: uf.get('state-changes')?.bool() ?? true };
    }
    const tbf = mm?.get('table')?.map(['file', 'interval']);
    if (tbf) {
      const file = mrtFile(tbf.required('file'));
      const intervalSeconds = tbf.get('interval')?.int(60, 86400, 'an interval 60..86400 seconds') ?? DEFAULTS.mrtTableInterval;
      if (file !== undefined) mrt.table = { file, intervalSeconds };
    }
    cfg.mrt = mrt;
  }

  const ul = top.get('underlay');
  if (ul) {
    const u = underlay(ul);
    if (u) cfg.underlay = u;
  } else if (mode === 'run') {
    d.at(top.offset, '', 'missing required key "underlay" (evpn-vtep run needs the VTEP address: underlay: {address: ...})');
  }

  const neighbors: { value: NeighborConfig; field: Field }[] = [];
  for (const f of top.get('neighbors')?.list() ?? []) {
    const n = neighbor(f, as);
    if (n) neighbors.push({ value: n.value, field: n.address });
  }
  unique(neighbors, (n) => n.address || undefined, (k) => `duplicate neighbor ${k}`);
  cfg.neighbors = neighbors.map((x) => x.value);

  const l2: L2Item[] = [];
  for (const f of top.get('l2vnis')?.list() ?? []) {
    const v = l2vni(f);
    if (v) l2.push(v);
  }
  unique(
    l2.map((x) => ({ value: x.value, field: x.vni })),
    (v) => (v.vni ? String(v.vni) : undefined),
    (k) => `duplicate VNI ${k}`,
  );
  unique(
    l2.map((x) => ({ value: x.value, field: x.interface })),
    (v) => (v.interface ? `${v.interface}/${v.vlan ?? 'untagged'}` : undefined),
    (k) => `interface ${k.replace('/', ' vlan ')} is already bound to another VNI`,
  );
  // One access port per interface: VNIs on VLANs of the same interface share
  // its limits. Those written on one entry apply to all; two must agree.
  const limitsOf = new Map<string, { value: PortLimitsConfig; text: string; line: number }>();
  for (const x of l2) {
    const pl = x.value.portLimits;
    if (!x.value.interface || !pl || x.portLimits === undefined) continue;
    const text = `max-macs ${pl.maxMacs}, arp-rate ${pl.arpRate}, arp-burst ${pl.arpBurst}`;
    const first = limitsOf.get(x.value.interface);
    if (!first) limitsOf.set(x.value.interface, { value: pl, text, line: x.portLimits.line });
    else if (first.text !== text) x.portLimits.error(`port-limits of interface ${x.value.interface} differ from those on line ${first.line} (${first.text}): the VNIs share one port`);
  }
  for (const x of l2) {
    const shared = limitsOf.get(x.value.interface);
    if (shared) x.value.portLimits = { ...shared.value };
  }
  cfg.l2vnis = l2.map((x) => x.value);

  const vrfField = top.get('vrfs');
  const vrfs: VrfItem[] = [];
  for (const f of vrfField?.list() ?? []) {
    const v = vrf(f);
    if (v) vrfs.push(v);
  }
  checkTenants(l2, vrfs);
  if (vrfField) cfg.vrfs = vrfs.map((x) => x.value);

  const rr = top.get('route-reflector');
  if (rr) {
    const cid = rr.map(['cluster-id'])?.get('cluster-id');
    cfg.routeReflector = { clusterId: cid ? clusterId(cid) ?? '' : cfg.routerId };
  } else if (cfg.neighbors.some((n) => n.routeReflectorClient)) {
    cfg.routeReflector = { clusterId: cfg.routerId };
  }

  if (d.errors.length === 0) {
    // RDs must differ between VNIs and tenants, auto-derived ones included.
    unique(
      [
        ...l2.map((x) => ({ value: rdToString(resolveL2vni(cfg, x.value).rd), field: x.rd })),
        ...vrfs.map((x) => ({ value: rdToString(resolveVrf(cfg, x.value).rd), field: x.rd })),
      ],
      (v) => v,
      (k) => `route distinguisher ${k} is also used by another VNI`,
    );
  }
  if (d.errors.length > 0) return { ok: false, errors: sortErrors(d.errors) };
  return { ok: true, config: cfg };
}

/** An MRT file name: a non-empty path whose % conversions are ones mrtFileName (src/mrt/live.ts) knows. */
function mrtFile(f: Field | undefined): string | undefined {
  const s = f?.str('a file path');
  if (f === undefined || s === undefined) return undefined;
  if (s === '') return f.error('expected a file path, got an empty string');
  const bad = /%[^YmdHMS%]|%$/.exec(s);
  if (bad) return f.error(`unknown conversion "${bad[0]}" in the file name (known: %Y %m %d %H %M %S %%)`);
  return s;
}

/** "127.0.0.1:9179", "[::1]:9179", ":9179" (every IPv4 address); port 0 takes any free port. Throws RangeError. */
function parseListen(s: string): { address: Ip; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([0-9.]*):(\d{1,5})$/.exec(s);
  if (!m) throw new RangeError(`expected ADDRESS:PORT like 127.0.0.1:9179 or [::1]:9179, got "${s}"`);
  const address = m[1] || '0.0.0.0';
  if (!isIpv4(address) && !isIpv6(address)) throw new RangeError(`"${address}" is not an IP address`);
  const port = Number(m[2]);
  if (port > 65535) throw new RangeError(`port ${port} out of range 0..65535`);
  return { address: canonicalIp(address), port };
}

function migration(top: MapReader): BgpConfig['migration'] {
  const m = top.get('migration')?.map(['probe-timeout-ms', 'dad']);
  const dad = m?.get('dad')?.map(['max-moves', 'window-seconds']);
  return {
    probeTimeoutMs: m?.get('probe-timeout-ms')?.int(1, 600_000, 'a timeout 1..600000 ms') ?? DEFAULTS.probeTimeoutMs,
    dad: {
      maxMoves: dad?.get('max-moves')?.int(1, 1000, 'a move count 1..1000') ?? DEFAULTS.dadMaxMoves,
      windowSeconds: dad?.get('window-seconds')?.int(1, 86400, 'a window 1..86400 seconds') ?? DEFAULTS.dadWindowSeconds,
    },
  };
}

function gracefulRestart(top: MapReader): BgpConfig['gracefulRestart'] {
  const m = top.get('graceful-restart')?.map(['restart-time', 'preserve-forwarding', 'stale-time', 'select-defer-time']);
  return {
    // RFC 4724 §3: the Restart Time field has 12 bits.
    restartTime: m?.get('restart-time')?.int(1, 4095, 'a restart time 1..4095 s') ?? DEFAULTS.grRestartTime,
    preserveForwarding: m?.get('preserve-forwarding')?.bool() ?? DEFAULTS.grPreserveForwarding,
    staleTime: m?.get('stale-time')?.int(1, 3600, 'a time 1..3600 s') ?? DEFAULTS.grStaleTime,
    selectDeferTime: m?.get('select-defer-time')?.int(1, 3600, 'a time 1..3600 s') ?? DEFAULTS.grSelectDeferTime,
  };
}

/** RFC 4456 CLUSTER_ID: 4 octets, written as a dotted quad or a number (FRR accepts both). */
function clusterId(f: Field): Ip | undefined {
  const v = f.scalar();
  if (typeof v === 'number') {
    const n = f.int(1, MAX_U32, 'a cluster ID (IPv4 address or 1..4294967295)');
    return n === undefined ? undefined : `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return f.ipv4('a cluster ID (IPv4 address or 1..4294967295)');
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * Reads and validates a configuration file. `mode` is the command that
 * will use it: `run` (default) needs an underlay; `bgp` does not.
 */
export function loadConfig(path: string, mode: 'bgp'): LoadResult<BgpConfig>;
export function loadConfig(path: string, mode?: 'run'): LoadResult<VtepConfig>;
export function loadConfig(path: string, mode: ConfigMode = 'run'): LoadResult<BgpConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = e instanceof Error && 'code' in e ? `${String((e as NodeJS.ErrnoException).code)}: ` : '';
    return { ok: false, errors: [new ConfigError(path, 0, 0, `cannot read the file: ${why}${e instanceof Error ? e.message : String(e)}`)] };
  }
  return mode === 'bgp' ? parseConfig(text, path, 'bgp') : parseConfig(text, path, 'run');
}
