import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ipNs } from '../../support/netns';
import { pollUntil } from '../../../src/util/poll';

/**
 * TEST-ONLY pieces of the L3 (symmetric IRB) labs: namespaces of prefix
 * `ir`, veth pairs created straight inside them (nothing gets an address in
 * the test's own namespace), and `evpn-vtep run` as a real process.
 */

export const REPO = path.resolve(__dirname, '../../..');

/** A veth pair with one end in each namespace, both up. */
export function veth(a: { ns: string; name: string }, b: { ns: string; name: string }): void {
  execFileSync('ip', ['link', 'add', a.name, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.name, 'netns', b.ns]);
  ipNs(a.ns, ['link', 'set', a.name, 'up']);
  ipNs(b.ns, ['link', 'set', b.name, 'up']);
}

export function sh(ns: string, argv: string[], timeoutMs = 20_000): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${x.stdout ?? ''}${x.stderr ?? ''}${x.message}` };
  }
}

/** Bounded async poll (see src/util/poll.ts). */
export function until<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30000, everyMs = 200): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

/** One `evpn-vtep run --config FILE` in a namespace: the VTEP suites' runner. */
export { RunProcess as VtepRun } from '../vtep/support';

/** A test host: its address and a MAC unique to this run (`tag` keeps the tests' MACs apart). */
export function hostMaker(tag: string): (n: number, ip: string) => { ip: string; mac: string } {
  const salt = (Math.floor(Math.random() * 200) + 16).toString(16);
  return (n, ip) => ({ ip, mac: `02:${tag}${n}:${salt}:00:00:${n.toString(16).padStart(2, '0')}` });
}

/** An evpn-vtep leaf's config with routed L2VNIs: one anycast gateway MAC, tenants `red` (L3VNI 1000) and optionally `blue` (2000). */
export function irbLeafConfig(
  o: { self: string; peer: string; as: number; rmacByte: string; uplink: string; gwMac: string; blue?: boolean },
  ports: { vni: number; port: string; vrf?: string; gw: string }[],
): string {
  return `router-id: ${o.self}
as: ${o.as}
underlay: { address: ${o.self}, interface: ${o.uplink} }
control-socket: "@SOCKET@"
neighbors:
  - { address: ${o.peer}, remote-as: ${o.as} }
l2vnis:
${ports.map((p) => `  - { vni: ${p.vni}, interface: ${p.port}, vrf: ${p.vrf ?? 'red'}, gateway: { ip: ${p.gw}, mac: "${o.gwMac}" } }`).join('\n')}
vrfs:
  - { name: red, l3vni: 1000, router-mac: "02:${o.rmacByte}:00:00:10:00" }
${o.blue ? `  - { name: blue, l3vni: 2000, router-mac: "02:${o.rmacByte}:00:00:20:00" }\n` : ''}`;
}
