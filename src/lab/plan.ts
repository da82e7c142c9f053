/**
 * The lab's topology as data: names, addresses and the YAML configs of every
 * daemon, for a spine (route reflector) and N leaves with hosts in two
 * L2VNIs behind each. Pure: `lab.ts` turns it into namespaces and processes.
 *
 *            spine (evpn-vtep bgp, RR)  10.255.0.254
 *                 │ underlay bridge 10.255.0.0/24
 *      ┌──────────┼──────────┐
 *   leaf1 .1    leaf2 .2   leaf3 .3      (evpn-vtep run)
 *    │   │       │   │
 *   acc1 (br100, br200)  … one access switch namespace per leaf
 *    │    │
 *   h1a  h1b   hosts: VNI 100 → 10.100.0.0/16, VNI 200 → 10.200.0.0/16
 *
 * With `routing` (the interactive lab) the evpn-vtep leaves route between
 * the two VNIs in tenant "red" (L3VNI 1000, symmetric IRB): each VNI has
 * the anycast gateway 10.V.255.254 and the hosts a default route through it.
 *
 * With `--with-frr` a leaf (and/or the spine) is FRR instead: bgpd + zebra,
 * one Linux bridge and one kernel vxlan device (`dstport 4789 nolearning`)
 * per VNI in the leaf's namespace, the access-switch link enslaved to the
 * bridge, `advertise-all-vni` (../shared/design/REAL-PEERS.md).
 */

export const LAB_AS = 65000;
export const VNIS = [100, 200] as const;
export const SPINE_IP = '10.255.0.254';

export interface LabHost {
  /** Namespace of the host. */
  ns: string;
  leaf: number;
  vni: number;
  mac: string;
  ip: string;
  /** Interface inside the host namespace. */
  ifname: string;
}

/** Who runs a node: evpn-vtep (`run` on a leaf, `bgp` on the spine) or FRR. */
export type NodeKind = 'evpn' | 'frr';

export interface LabLeaf {
  index: number;
  kind: NodeKind;
  ns: string;
  /** Access switch namespace holding one bridge per VNI. */
  accessNs: string;
  underlayIp: string;
  uplink: string;
  /** Access interface (in the leaf) per VNI. */
  access: Record<number, string>;
  socket: string;
  config: string;
}

export interface LabPlan {
  id: string;
  prefix: string;
  dir: string;
  spine: { ns: string; bridge: string; socket: string; config: string; kind: NodeKind };
  leaves: LabLeaf[];
  hosts: LabHost[];
  timers: LabTimers;
  /** Extra top-level YAML of the spine's config. */
  spineExtra?: string;
  /** `evpn-vtep run --dataplane` of the evpn-vtep leaves (absent: the daemon's default, auto). */
  dataplane?: 'native' | 'portable';
  /** The evpn-vtep leaves route between the VNIs (tenant TENANT, anycast gateways); hosts route through them. */
  routing?: boolean;
}

/** Knobs the tests and benchmarks turn; the defaults are the interactive lab's. */
export interface LabTimers {
  /** BGP hold time on every session (keepalive = hold/3). */
  holdTime: number;
  /** The evpn-vtep leaves' `migration.probe-timeout-ms`. */
  probeTimeoutMs: number;
  /** The evpn-vtep leaves' duplicate address detection. */
  dad: { maxMoves: number; windowSeconds: number };
  logLevel: 'debug' | 'info' | 'warn';
  /** The evpn-vtep leaves serve /metrics and /api (the scale bench turns it off: FRR runs no exporter either). */
  metrics: boolean;
}

export const DEFAULT_TIMERS: LabTimers = { holdTime: 9, probeTimeoutMs: 1000, dad: { maxMoves: 5, windowSeconds: 180 }, logLevel: 'info', metrics: true };

export interface PlanOptions {
  /** 1-based indexes of the leaves run by FRR. */
  frrLeaves?: readonly number[];
  frrSpine?: boolean;
  dataplane?: 'native' | 'portable';
  timers?: Partial<LabTimers>;
  /** Varies the hosts' MACs between runs (0..255), for peers that remember MACs (FRR's duplicate detection). */
  macSalt?: number;
  /** Tenant routing on the evpn-vtep leaves (default off: bridging only). */
  routing?: boolean;
  /** More top-level YAML for the evpn-vtep spine's config (tests: `mrt:` recording). */
  spineExtra?: string;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export function hostMac(leaf: number, vni: number, n = 1, salt = 0): string {
  return `02:00:${hex2(salt)}:${hex2(vni === 100 ? 1 : 2)}:${hex2(leaf)}:${hex2(n)}`;
}

/** Hosts of a VNI share one /16 (10.100/16, 10.200/16): leaf L's n-th host is 10.V.L.n, so up to MAX_LEAVES leaves fit. */
export const HOST_PREFIX_LEN = 16;

export function hostIp(leaf: number, vni: number, n = 1): string {
  return `10.${vni === 100 ? 100 : 200}.${leaf}.${n}`;
}

/** The tenant the evpn-vtep leaves route in, and each VNI's anycast gateway (the same on every leaf). */
export const TENANT = { name: 'red', l3vni: 1000 } as const;
export const GATEWAY_MAC = '00:00:5e:00:01:01';
export function gatewayIp(vni: number): string {
  return `10.${vni === 100 ? 100 : 200}.255.254`;
}

/** The most leaves a lab holds: names stay within 15 characters, underlay and host addresses within their subnets. */
export const MAX_LEAVES = 64;

export function makePlan(id: string, leaves: number, dir: string, prefix = 'evl', opts: PlanOptions = {}): LabPlan {
  if (!Number.isInteger(leaves) || leaves < 1 || leaves > MAX_LEAVES) throw new RangeError(`a lab has 1..${MAX_LEAVES} leaves, not ${leaves}`);
  const frr = new Set(opts.frrLeaves ?? []);
  for (const i of frr) if (!Number.isInteger(i) || i < 1 || i > leaves) throw new RangeError(`no leaf ${i} to run FRR on (leaves 1..${leaves})`);
  const nm = (role: string): string => {
    const n = `${prefix}${id}${role}`;
    if (n.length > 15) throw new RangeError(`name too long: ${n}`);
    return n;
  };
  const plan: LabPlan = {
    id,
    prefix,
    dir,
    spine: { ns: nm('sp'), bridge: 'br0', socket: `${dir}/spine.sock`, config: `${dir}/spine.yaml`, kind: opts.frrSpine ? 'frr' : 'evpn' },
    ...(opts.dataplane ? { dataplane: opts.dataplane } : {}),
    ...(opts.routing ? { routing: true } : {}),
    ...(opts.spineExtra ? { spineExtra: opts.spineExtra } : {}),
    leaves: [],
    hosts: [],
    timers: { ...DEFAULT_TIMERS, ...opts.timers },
  };
  for (let i = 1; i <= leaves; i++) {
    plan.leaves.push({
      index: i,
      kind: frr.has(i) ? 'frr' : 'evpn',
      ns: nm(`l${i}`),
      accessNs: nm(`a${i}`),
      underlayIp: `10.255.0.${i}`,
      uplink: nm(`u${i}`),
      access: Object.fromEntries(VNIS.map((v) => [v, nm(`l${i}v${v}`)])),
      socket: `${dir}/leaf${i}.sock`,
      config: `${dir}/leaf${i}.yaml`,
    });
    for (const v of VNIS) plan.hosts.push({ ns: nm(`h${i}v${v}`), leaf: i, vni: v, mac: hostMac(i, v, 1, opts.macSalt ?? 0), ip: hostIp(i, v), ifname: 'eth0' });
  }
  return plan;
}

export function spineConfig(p: LabPlan): string {
  return [
    `router-id: ${SPINE_IP}`,
    `as: ${LAB_AS}`,
    `listen: { address: ${SPINE_IP}, port: 179 }`,
    `route-reflector: { cluster-id: ${SPINE_IP} }`,
    'neighbors:',
    ...p.leaves.map((l) => `  - { address: ${l.underlayIp}, remote-as: ${LAB_AS}, route-reflector-client: true, passive: true, hold-time: ${p.timers.holdTime}, description: leaf${l.index} }`),
    `control-socket: ${p.spine.socket}`,
    `log: { level: ${p.timers.logLevel} }`,
    ...(p.spineExtra ? [p.spineExtra.trimEnd()] : []),
    '',
  ].join('\n');
}

export function leafConfig(l: LabLeaf, t: LabTimers = DEFAULT_TIMERS, routing = false): string {
  const l3 = (v: number): string => (routing ? `, vrf: ${TENANT.name}, gateway: { ip: ${gatewayIp(v)}/${HOST_PREFIX_LEN}, mac: "${GATEWAY_MAC}" }` : '');
  return [
    `router-id: ${l.underlayIp}`,
    `as: ${LAB_AS}`,
    `listen: { address: ${l.underlayIp}, port: 179 }`,
    `underlay: { address: ${l.underlayIp}, interface: ${l.uplink} }`,
    'neighbors:',
    `  - { address: ${SPINE_IP}, remote-as: ${LAB_AS}, hold-time: ${t.holdTime}, description: spine }`,
    'l2vnis:',
    ...VNIS.map((v) => `  - { vni: ${v}, interface: ${l.access[v]}, arp-suppression: true, mac-aging-seconds: 300${l3(v)} }`),
    ...(routing ? ['vrfs:', `  - { name: ${TENANT.name}, l3vni: ${TENANT.l3vni} }`] : []),
    `migration: { probe-timeout-ms: ${t.probeTimeoutMs}, dad: { max-moves: ${t.dad.maxMoves}, window-seconds: ${t.dad.windowSeconds} } }`,
    `control-socket: ${l.socket}`,
    // Each leaf is its own namespace: the same loopback port serves every leaf's /metrics.
    ...(t.metrics ? ['metrics: { listen: "127.0.0.1:9179" }'] : []),
    `log: { level: ${t.logLevel} }`,
    '',
  ].join('\n');
}

/** bgpd.conf of an FRR leaf: iBGP to the spine, every VNI zebra knows advertised (auto RD/RT, as ours). */
export function frrLeafBgpd(l: LabLeaf, t: LabTimers = DEFAULT_TIMERS): string {
  return [
    `hostname leaf${l.index}`,
    `router bgp ${LAB_AS}`,
    ` bgp router-id ${l.underlayIp}`,
    ' no bgp default ipv4-unicast',
    ' no bgp ebgp-requires-policy',
    ` neighbor ${SPINE_IP} remote-as ${LAB_AS}`,
    ` neighbor ${SPINE_IP} timers ${Math.max(1, Math.floor(t.holdTime / 3))} ${t.holdTime}`,
    ` neighbor ${SPINE_IP} timers connect 1`,
    ' address-family l2vpn evpn',
    `  neighbor ${SPINE_IP} activate`,
    '  advertise-all-vni',
    ' exit-address-family',
    '',
  ].join('\n');
}

/** bgpd.conf of an FRR spine: a BGP-only route reflector for l2vpn evpn. */
export function frrSpineBgpd(p: LabPlan): string {
  const t = p.timers;
  return [
    'hostname spine',
    `router bgp ${LAB_AS}`,
    ` bgp router-id ${SPINE_IP}`,
    ` bgp cluster-id ${SPINE_IP}`,
    ' no bgp default ipv4-unicast',
    ' no bgp ebgp-requires-policy',
    ...p.leaves.flatMap((l) => [` neighbor ${l.underlayIp} remote-as ${LAB_AS}`, ` neighbor ${l.underlayIp} timers ${Math.max(1, Math.floor(t.holdTime / 3))} ${t.holdTime}`]),
    ' address-family l2vpn evpn',
    ...p.leaves.flatMap((l) => [`  neighbor ${l.underlayIp} activate`, `  neighbor ${l.underlayIp} route-reflector-client`]),
    ' exit-address-family',
    '',
  ].join('\n');
}
