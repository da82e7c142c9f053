import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { AttrInit } from '../bgp/wire/update';
import { ethernetAdRoute, ethernetSegmentRoute, imetRoute, ipPrefixRoute, macIpRoute } from '../bgp/wire/evpn/builders';
import { parseEsi } from '../bgp/wire/evpn/esi';
import { parseRd } from '../bgp/wire/evpn/rd';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import { parseRouteTarget, type ExtCommunity } from '../bgp/wire/ext-community';
import { AttrType, PmsiTunnelType, TunnelEncap } from '../bgp/wire/iana';
import { ConfigError, type LoadResult } from '../config/errors';
import { closest, Diagnostics, Field, MapReader } from '../config/reader';
import { fromHex } from '../util/bytes';
import type { Ip } from '../util/ip';
import { isMac } from '../util/mac';
import { FAULT_NAMES, type FaultName } from './faults';

/*
 * The route file of `evpn-vtep inject`: YAML, kebab-case keys, every route
 * one mapping whose `type` (1..5) says which keys it takes. Errors are
 * reported as FILE:LINE:COL: reason, all in one pass (the config loader's
 * Diagnostics). Example:
 *
 *   routes:
 *     - type: 2
 *       rd: 10.0.0.9:100
 *       mac: 02:aa:bb:cc:dd:01
 *       ip: 10.100.0.77            # optional: MAC-only route without it
 *       labels: [100, 1000]        # L2VNI, then optional L3VNI
 *       next-hop: 10.0.0.9
 *       route-targets: [65000:100, 65000:1000]
 *       encap: vxlan
 *       router-mac: 02:aa:00:00:10:00
 *       mac-mobility: { seq: 3, sticky: false }
 *     - type: 3
 *       rd: 10.0.0.9:100
 *       originator: 10.0.0.9
 *       pmsi: { type: ingress-replication, vni: 100, tunnel: 10.0.0.9 }
 *     - type: 5
 *       rd: 10.0.0.9:1
 *       prefix: 10.250.0.0/24
 *       gateway: 0.0.0.0
 *       label: 1000
 *   withdraw-after-ms: 5000        # optional: withdraw every route after this long
 *   malformed:                     # optional: see faults.ts for the names
 *     - { route: 0, fault: ext-community-length }
 *
 * Keys by route type (RFC 7432 §7, RFC 9136 §3):
 *   1  rd, esi (required), eth-tag, label
 *   2  rd, mac (required), ip, labels | label, esi, eth-tag
 *   3  rd, originator (required), eth-tag
 *   4  rd, esi (required), originator (required)
 *   5  rd, prefix (required), gateway, label, esi, eth-tag
 * Attributes, any type:
 *   next-hop             VTEP address (default: --next-hop, else the session's local address)
 *   origin               igp (default), egp, incomplete
 *   as-path              list of ASNs (for eBGP our AS is put in front, RFC 4271 §5.1.2)
 *   med, local-pref      integers, sent as given (an iBGP peer gets LOCAL_PREF 100 when absent)
 *   communities          ["65000:1", ...]
 *   route-targets        ["65000:100", "10.0.0.1:5", "4200000000:5"]
 *   encap                vxlan (default for 2, 3, 5; "none" leaves it out), nvgre, mpls, vxlan-gpe, geneve, or a number
 *   router-mac           MAC (RFC 9135 §9.1)
 *   mac-mobility         { seq: N, sticky: bool } (RFC 7432 §7.7)
 *   default-gateway      true (RFC 7432 §7.8)
 *   esi-label            { label: N, single-active: bool } (RFC 7432 §7.5)
 *   es-import            MAC (RFC 7432 §7.6)
 *   pmsi                 { type: ingress-replication | number, vni: N, tunnel: IP, leaf-info-required: bool }
 *   originator-id, cluster-list   (RFC 4456)
 *   raw-attributes       [{ type: N, flags: N, value: "hex" }] sent as given
 */

export interface InjectRoute {
  /** 1-based line of the route in the file, for messages. */
  line: number;
  route: EvpnRoute;
  nextHop?: Ip;
  /** Path attributes other than MP_REACH_NLRI; ORIGIN and AS_PATH always present (AS_PATH without our AS). */
  attributes: AttrInit[];
}

export interface InjectFault {
  route: number;
  fault: FaultName;
}

export interface InjectSpec {
  routes: InjectRoute[];
  withdrawAfterMs?: number;
  malformed: InjectFault[];
}

const TOP_KEYS = ['routes', 'withdraw-after-ms', 'malformed'];
const ATTR_KEYS = [
  'next-hop',
  'origin',
  'as-path',
  'med',
  'local-pref',
  'communities',
  'route-targets',
  'encap',
  'router-mac',
  'mac-mobility',
  'default-gateway',
  'esi-label',
  'es-import',
  'pmsi',
  'originator-id',
  'cluster-list',
  'raw-attributes',
];
const ROUTE_KEYS: Record<number, string[]> = {
  1: ['rd', 'esi', 'eth-tag', 'label'],
  2: ['rd', 'mac', 'ip', 'labels', 'label', 'esi', 'eth-tag'],
  3: ['rd', 'originator', 'eth-tag'],
  4: ['rd', 'esi', 'originator'],
  5: ['rd', 'prefix', 'gateway', 'label', 'esi', 'eth-tag'],
};

const ENCAPS: Record<string, number> = {
  vxlan: TunnelEncap.VXLAN,
  nvgre: TunnelEncap.NVGRE,
  mpls: TunnelEncap.MPLS,
  'vxlan-gpe': TunnelEncap.VXLAN_GPE,
  geneve: TunnelEncap.GENEVE,
};

const MAX_U32 = 0xffffffff;
const ALL_KEYS = [...new Set([...Object.values(ROUTE_KEYS).flat(), ...ATTR_KEYS, 'type'])];

/** Runs a builder that throws RangeError and reports its complaint at the field. */
function attempt<T>(f: Field, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return f.error(e.message);
  }
}

function text(f: Field | undefined): string | undefined {
  if (!f) return undefined;
  const v = f.scalar();
  // Unquoted "65000:100" may be read by YAML 1.1 rules as a number; the yaml package uses 1.2, but be safe.
  if (typeof v === 'number') return String(v);
  return f.str();
}

function mac(f: Field | undefined): string | undefined {
  const s = text(f);
  if (s === undefined) return undefined;
  if (!isMac(s)) return f!.expected('a MAC address like 02:aa:bb:cc:dd:01');
  return s.toLowerCase().replace(/-/g, ':');
}

function esi(f: Field | undefined): string | undefined {
  if (!f) return undefined;
  if (f.scalar() === 0) return '00:00:00:00:00:00:00:00:00:00';
  const s = text(f);
  return s === undefined ? undefined : attempt(f, () => parseEsi(s));
}

function label(f: Field | undefined, what = 'a label / VNI 0..16777215'): number | undefined {
  return f?.int(0, 0xffffff, what);
}

function evpnRoute(type: number, m: MapReader, f: Field): EvpnRoute | undefined {
  const rdField = m.required('rd');
  const rdText = text(rdField);
  const rd = rdText === undefined ? undefined : attempt(rdField!, () => parseRd(rdText));
  const ethTag = m.get('eth-tag')?.int(0, MAX_U32, 'an Ethernet Tag 0..4294967295');
  const esiValue = esi(m.get('esi'));
  const opt = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  if (rd === undefined) return undefined;
  switch (type) {
    case 1: {
      const e = esi(m.required('esi'));
      if (e === undefined) return undefined;
      return attempt(f, () => ethernetAdRoute(opt({ rd, esi: e, ethTag, label: label(m.get('label')) })));
    }
    case 2: {
      const macValue = mac(m.required('mac'));
      const ip = m.get('ip')?.ip();
      const labelsField = m.get('labels');
      const single = m.get('label');
      if (labelsField && single) single.error('give "labels" or "label", not both');
      let labels: number[] = [];
      if (labelsField) {
        const items = labelsField.list() ?? [];
        if (items.length < 1 || items.length > 2) labelsField.error('expected 1 or 2 labels: [L2VNI] or [L2VNI, L3VNI]');
        labels = items.map((i) => label(i)).filter((x): x is number => x !== undefined);
      } else if (single) {
        const l = label(single);
        if (l !== undefined) labels = [l];
      } else {
        m.required('labels');
      }
      if (macValue === undefined || labels.length === 0) return undefined;
      return attempt(f, () => macIpRoute(opt({ rd, mac: macValue, ip, label1: labels[0]!, label2: labels[1], esi: esiValue, ethTag })));
    }
    case 3: {
      const originator = m.required('originator')?.ip();
      if (originator === undefined) return undefined;
      return attempt(f, () => imetRoute(opt({ rd, originatorIp: originator, ethTag })));
    }
    case 4: {
      const e = esi(m.required('esi'));
      const originator = m.required('originator')?.ip();
      if (e === undefined || originator === undefined) return undefined;
      return attempt(f, () => ethernetSegmentRoute({ rd, esi: e, originatorIp: originator }));
    }
    case 5: {
      const pf = m.required('prefix');
      const prefix = text(pf);
      const gw = m.get('gateway')?.ip();
      const l = label(m.get('label')) ?? 0;
      if (prefix === undefined) return undefined;
      return attempt(pf!, () => ipPrefixRoute(opt({ rd, prefix, gatewayIp: gw, label: l, esi: esiValue, ethTag })));
    }
  }
  return undefined;
}

function communityValue(f: Field): number | undefined {
  const s = text(f);
  const m = s === undefined ? null : /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff) return f.expected('a community like "65000:1"');
  return ((Number(m[1]) << 16) >>> 0) + Number(m[2]);
}

function attributes(type: number, m: MapReader): { attrs: AttrInit[]; nextHop?: Ip } {
  const attrs: AttrInit[] = [];
  const originName = m.get('origin')?.oneOf(['igp', 'egp', 'incomplete'] as const) ?? 'igp';
  attrs.push({ type: AttrType.ORIGIN, origin: ['igp', 'egp', 'incomplete'].indexOf(originName) as 0 | 1 | 2 });
  const asns = (m.get('as-path')?.list() ?? []).map((i) => i.int(1, MAX_U32, 'an AS number 1..4294967295')).filter((x): x is number => x !== undefined);
  attrs.push({ type: AttrType.AS_PATH, segments: asns.length ? [{ type: 2, asns }] : [] });
  const med = m.get('med')?.int(0, MAX_U32);
  if (med !== undefined) attrs.push({ type: AttrType.MULTI_EXIT_DISC, med });
  const lp = m.get('local-pref')?.int(0, MAX_U32);
  if (lp !== undefined) attrs.push({ type: AttrType.LOCAL_PREF, localPref: lp });
  const comms = (m.get('communities')?.list() ?? []).map(communityValue).filter((x): x is number => x !== undefined);
  if (comms.length) attrs.push({ type: AttrType.COMMUNITIES, communities: comms });
  const oid = m.get('originator-id')?.ipv4();
  if (oid !== undefined) attrs.push({ type: AttrType.ORIGINATOR_ID, originatorId: oid });
  const cl = (m.get('cluster-list')?.list() ?? []).map((i) => i.ipv4()).filter((x): x is string => x !== undefined);
  if (cl.length) attrs.push({ type: AttrType.CLUSTER_LIST, clusterList: cl });

  const ext: ExtCommunity[] = [];
  for (const item of m.get('route-targets')?.list() ?? []) {
    const s = text(item);
    if (s === undefined) continue;
    const rt = attempt(item, () => parseRouteTarget(s));
    if (rt) ext.push({ kind: 'route-target', ...rt });
  }
  const encField = m.get('encap');
  let encap: number | null = type === 2 || type === 3 || type === 5 ? TunnelEncap.VXLAN : null;
  if (encField) {
    const v = encField.scalar();
    if (v === 'none') encap = null;
    else if (typeof v === 'number') encap = encField.int(0, 0xffff, 'a tunnel type 0..65535') ?? null;
    else {
      const name = encField.oneOf([...Object.keys(ENCAPS), 'none']);
      encap = name === undefined || name === 'none' ? null : ENCAPS[name]!;
    }
  }
  if (encap !== null) ext.push({ kind: 'encapsulation', tunnelType: encap });
  const rmac = mac(m.get('router-mac'));
  if (rmac !== undefined) ext.push({ kind: 'router-mac', mac: rmac });
  const mm = m.get('mac-mobility')?.map(['seq', 'sticky']);
  if (mm) {
    const seq = mm.get('seq')?.int(0, MAX_U32, 'a sequence number 0..4294967295') ?? 0;
    ext.push({ kind: 'mac-mobility', flags: mm.get('sticky')?.bool() ? 1 : 0, seq });
  }
  if (m.get('default-gateway')?.bool()) ext.push({ kind: 'default-gateway' });
  const el = m.get('esi-label')?.map(['label', 'single-active']);
  if (el) ext.push({ kind: 'esi-label', flags: el.get('single-active')?.bool() ? 1 : 0, label: label(el.required('label')) ?? 0 });
  const imp = mac(m.get('es-import'));
  if (imp !== undefined) ext.push({ kind: 'es-import', mac: imp });
  if (ext.length) attrs.push({ type: AttrType.EXTENDED_COMMUNITIES, communities: ext });

  const pm = m.get('pmsi')?.map(['type', 'vni', 'label', 'tunnel', 'leaf-info-required']);
  if (pm) {
    const tf = pm.get('type');
    let tunnelType: number = PmsiTunnelType.INGRESS_REPLICATION;
    if (tf && typeof tf.scalar() === 'number') tunnelType = tf.int(0, 255, 'a PMSI tunnel type 0..255') ?? tunnelType;
    else if (tf) tf.oneOf(['ingress-replication']);
    const vni = label(pm.get('vni') ?? pm.get('label')) ?? 0;
    const tunnel = pm.required('tunnel')?.ip();
    if (tunnel !== undefined) {
      attrs.push({ type: AttrType.PMSI_TUNNEL, tunnelFlags: pm.get('leaf-info-required')?.bool() ? 1 : 0, tunnelType, label: vni, tunnelId: tunnel });
    }
  }

  for (const item of m.get('raw-attributes')?.list() ?? []) {
    const rm = item.map(['type', 'flags', 'value']);
    if (!rm) continue;
    const t = rm.required('type')?.int(0, 255, 'an attribute type 0..255');
    const flags = rm.get('flags')?.int(0, 255, 'attribute flags 0..255') ?? 0xc0;
    const vf = rm.get('value');
    const hex = vf ? text(vf) ?? '' : '';
    if (vf && !/^([0-9a-fA-F]{2}[\s:]?)*$/.test(hex)) {
      vf.expected('hex octets like "0a0b0c"');
      continue;
    }
    if (t !== undefined) attrs.push({ type: t, flags, raw: fromHex(hex) } as AttrInit);
  }
  const nh = m.get('next-hop')?.ip();
  return nh === undefined ? { attrs } : { attrs, nextHop: nh };
}

export function parseSpec(textIn: string, file: string): LoadResult<InjectSpec> {
  const lines = new LineCounter();
  const doc = parseDocument(textIn, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const d = new Diagnostics(file, lines, doc);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) d.at(e.pos[0], '', `YAML syntax error: ${e.message.split('\n')[0]}`);
    return { ok: false, errors: d.errors };
  }
  const root = new Field(d, doc.contents, '', 0);
  const top = root.isNull() ? undefined : root.map(TOP_KEYS);
  if (!top) {
    if (root.isNull()) d.at(0, '', 'the file is empty; expected a mapping with "routes"');
    return { ok: false, errors: d.errors };
  }
  const spec: InjectSpec = { routes: [], malformed: [] };
  const items = top.required('routes')?.list() ?? [];
  items.forEach((item) => {
    // `type` decides which keys are valid: read it with a reader that knows every key, silently.
    const before = d.errors.length;
    const probe = item.map(ALL_KEYS);
    d.errors.splice(before);
    if (!probe) {
      item.map(ALL_KEYS);
      return;
    }
    const type = probe.required('type')?.int(1, 5, 'an EVPN route type 1..5');
    if (type === undefined) return;
    const allowed = [...ROUTE_KEYS[type]!, ...ATTR_KEYS, 'type'];
    const at = d.errors.length;
    const m = new MapReader(d, item.node!, item.path, allowed, item.offset);
    for (const [i, e] of d.errors.entries()) {
      if (i < at) continue;
      const key = /\.([\w-]+): unknown key/.exec(e.message)?.[1];
      if (key && ALL_KEYS.includes(key)) {
        d.errors[i] = new ConfigError(e.file, e.line, e.col, e.message.replace(/unknown key.*$/, `not a key of a type-${type} route (its keys: ${ROUTE_KEYS[type]!.join(', ')})`));
      }
    }
    const route = evpnRoute(type, m, item);
    const { attrs, nextHop } = attributes(type, m);
    if (route) spec.routes.push({ line: item.line, route, attributes: attrs, ...(nextHop === undefined ? {} : { nextHop }) });
  });
  const w = top.get('withdraw-after-ms')?.int(0, 86_400_000, 'milliseconds 0..86400000');
  if (w !== undefined) spec.withdrawAfterMs = w;
  for (const item of top.get('malformed')?.list() ?? []) {
    const m = item.map(['route', 'fault']);
    if (!m) continue;
    const idx = m.required('route')?.int(0, Math.max(0, items.length - 1), `a route index 0..${Math.max(0, items.length - 1)}`);
    const ff = m.required('fault');
    const name = ff?.scalar();
    let fault: FaultName | undefined;
    if (typeof name === 'string' && (FAULT_NAMES as string[]).includes(name)) fault = name as FaultName;
    else if (ff) {
      const near = typeof name === 'string' ? closest(name, FAULT_NAMES) : undefined;
      ff.error(`unknown fault${near ? ` (did you mean "${near}"?)` : ''}; known: ${FAULT_NAMES.join(', ')}`);
    }
    if (idx !== undefined && fault !== undefined) spec.malformed.push({ route: idx, fault });
  }
  if (d.errors.length) return { ok: false, errors: [...d.errors].sort((a, b) => a.line - b.line || a.col - b.col) };
  return { ok: true, config: spec };
}

export function loadSpec(path: string): LoadResult<InjectSpec> {
  let t: string;
  try {
    t = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, errors: [new ConfigError(path, 0, 0, `cannot read the file: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  return parseSpec(t, path);
}
