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
 *   h1a  h1b   hosts: VNI 100 → 10.100.0.0/24, VNI 200 → 10.200.0.0/24
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

export interface LabLeaf {
  index: number;
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
  spine: { ns: string; bridge: string; socket: string; config: string };
  leaves: LabLeaf[];
  hosts: LabHost[];
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export function hostMac(leaf: number, vni: number, n = 1): string {
  return `02:00:00:${hex2(vni === 100 ? 1 : 2)}:${hex2(leaf)}:${hex2(n)}`;
}

export function hostIp(leaf: number, vni: number, n = 1): string {
  return `10.${vni === 100 ? 100 : 200}.0.${leaf * 10 + n}`;
}

export function makePlan(id: string, leaves: number, dir: string, prefix = 'evl'): LabPlan {
  const nm = (role: string): string => {
    const n = `${prefix}${id}${role}`;
    if (n.length > 15) throw new RangeError(`name too long: ${n}`);
    return n;
  };
  const plan: LabPlan = {
    id,
    prefix,
    dir,
    spine: { ns: nm('sp'), bridge: 'br0', socket: `${dir}/spine.sock`, config: `${dir}/spine.yaml` },
    leaves: [],
    hosts: [],
  };
  for (let i = 1; i <= leaves; i++) {
    plan.leaves.push({
      index: i,
      ns: nm(`l${i}`),
      accessNs: nm(`a${i}`),
      underlayIp: `10.255.0.${i}`,
      uplink: nm(`u${i}`),
      access: Object.fromEntries(VNIS.map((v) => [v, nm(`l${i}v${v}`)])),
      socket: `${dir}/leaf${i}.sock`,
      config: `${dir}/leaf${i}.yaml`,
    });
    for (const v of VNIS) plan.hosts.push({ ns: nm(`h${i}v${v}`), leaf: i, vni: v, mac: hostMac(i, v), ip: hostIp(i, v), ifname: 'eth0' });
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
    ...p.leaves.map((l) => `  - { address: ${l.underlayIp}, remote-as: ${LAB_AS}, route-reflector-client: true, passive: true, hold-time: 9, description: leaf${l.index} }`),
    `control-socket: ${p.spine.socket}`,
    'log: { level: info }',
    '',
  ].join('\n');
}

export function leafConfig(l: LabLeaf): string {
  return [
    `router-id: ${l.underlayIp}`,
    `as: ${LAB_AS}`,
    `listen: { address: ${l.underlayIp}, port: 179 }`,
    `underlay: { address: ${l.underlayIp}, interface: ${l.uplink} }`,
    'neighbors:',
    `  - { address: ${SPINE_IP}, remote-as: ${LAB_AS}, hold-time: 9, description: spine }`,
    'l2vnis:',
    ...VNIS.map((v) => `  - { vni: ${v}, interface: ${l.access[v]}, arp-suppression: true, mac-aging-seconds: 300 }`),
    'migration: { probe-timeout-ms: 1000 }',
    `control-socket: ${l.socket}`,
    // Each leaf is its own namespace: the same loopback port serves every leaf's /metrics.
    'metrics: { listen: "127.0.0.1:9179" }',
    'log: { level: info }',
    '',
  ].join('\n');
}
