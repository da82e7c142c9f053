import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { canonicalIp, ipFamily, isIpv4, isIpv6, type Ip } from '../util/ip';
import { isMac, isMulticastMac, macBytes, macToString } from '../util/mac';
import { parseRd, rdToString } from '../bgp/wire/evpn/rd';
import { formatRouteTarget, parseRouteTarget } from '../bgp/wire/ext-community';
import { resolveL2vni } from './derive';
import { ConfigError, type LoadResult } from './errors';
import { Diagnostics, Field, MapReader } from './reader';
import {
  ADDRESS_FAMILIES,
  DEFAULTS,
  LOG_LEVELS,
  RD_RT_MODES,
  type AddressFamily,
  type BgpConfig,
  type L2vniConfig,
  type NeighborConfig,
  type RouteDistinguisher,
  type RouteTarget,
  type UnderlayConfig,
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
  'rd-rt-mode',
  'migration',
  'control-socket',
  'log',
  'metrics',
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
  'gateway',
];

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
  return { value: n, address: m.get('address') ?? f };
}

function gateway(f: Field): L2vniConfig['gateway'] {
  const m = f.map(['ip', 'mac']);
  if (!m) return undefined;
  const ip = m.required('ip')?.ip();
  const macField = m.required('mac');
  let mac: string | undefined;
  if (macField) {
    const s = macField.str('a MAC address');
    if (s !== undefined && !isMac(s)) macField.expected('a MAC address like 00:00:5e:00:01:01');
    else if (s !== undefined) {
      mac = macToString(macBytes(s.replace(/-/g, ':')), 0);
      if (isMulticastMac(mac)) {
        macField.error(`${mac} is a multicast MAC; a gateway needs a unicast one`);
        mac = undefined;
      }
    }
  }
  return ip !== undefined && mac !== undefined ? { ip, mac } : undefined;
}

interface L2Item {
  value: L2vniConfig;
  /** Where to point duplicate errors. */
  vni: Field;
  interface: Field;
  rd: Field;
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
  };
  const vlan = m.get('vlan')?.int(1, 4094, 'a VLAN ID 1..4094');
  if (vlan !== undefined) l.vlan = vlan;

  const rd = m.get('rd');
  if (rd && !(rd.scalar() === 'auto')) {
    const v: RouteDistinguisher | undefined = parsed(rd, 'route distinguisher', parseRd);
    if (v) l.rd = v;
  }

  const rts = m.get('route-targets');
  if (rts && !(rts.scalar() === 'auto')) {
    const rm = rts.map(['import', 'export']);
    if (rm) {
      const imp = rm.get('import');
      const exp = rm.get('export');
      if (!imp && !exp) rts.error('give "import", "export" or both, or write route-targets: auto');
      if (imp) l.routeTargets.import = routeTargetList(imp) ?? 'auto';
      if (exp) l.routeTargets.export = routeTargetList(exp) ?? 'auto';
    }
  }

  const mm = m.get('max-macs')?.int(1, MAX_U32, 'a MAC count 1..4294967295');
  if (mm !== undefined) l.maxMacs = mm;
  const gw = m.get('gateway');
  if (gw) {
    const g = gateway(gw);
    if (g) l.gateway = g;
  }
  return { value: l, vni: m.get('vni') ?? f, interface: m.get('interface') ?? f, rd: m.get('rd') ?? f };
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
  cfg.l2vnis = l2.map((x) => x.value);

  const rr = top.get('route-reflector');
  if (rr) {
    const cid = rr.map(['cluster-id'])?.get('cluster-id');
    cfg.routeReflector = { clusterId: cid ? clusterId(cid) ?? '' : cfg.routerId };
  } else if (cfg.neighbors.some((n) => n.routeReflectorClient)) {
    cfg.routeReflector = { clusterId: cfg.routerId };
  }

  if (d.errors.length === 0) {
    // RDs must differ between VNIs, auto-derived ones included.
    unique(
      l2.map((x) => ({ value: x.value, field: x.rd })),
      (v) => rdToString(resolveL2vni(cfg, v).rd),
      (k) => `route distinguisher ${k} is also used by another VNI`,
    );
  }
  if (d.errors.length > 0) return { ok: false, errors: sortErrors(d.errors) };
  return { ok: true, config: cfg };
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
