import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PeerStatus } from '../../../src/bgp/session';
import type { RouteRow, ViewRow } from '../../../src/control/protocol';
import { ipNs, Topology } from '../../support/netns';
import { FrrInstance, waitFor } from '../../support/peers';
import { RunProcess } from '../vtep/support';

/**
 * A two-VTEP fabric for the graceful-restart tests (prefix `rel`): an
 * `evpn-vtep run` leaf (native data plane) and an FRR leaf (zebra + bgpd,
 * Linux bridge + kernel vxlan, advertise-all-vni) or a second evpn-vtep
 * leaf, peering directly over one underlay link (iBGP, graceful restart),
 * VNIs 100 and 200, host A behind our leaf and host B behind the other. Every address
 * lives inside the namespaces: a random /30 of 100.64.0.0/10 for the
 * underlay, 10.77.0.0/24 for the hosts.
 */

export const AS = 65077;
export const VNI = 100;
/** A second VNI on both leaves, without hosts: only its type-3 routes. */
export const VNI2 = 200;

export interface Host {
  ns: string;
  ifname: string;
  mac: string;
  ip: string;
}

export interface GrFabricOptions {
  /** Extra YAML lines under our neighbor entry (indented by the caller's 4 spaces). */
  neighborExtra?: string[];
  /** Extra top-level YAML lines of our config. */
  configExtra?: string[];
  /** Who runs the other leaf: FRR (default) or a second `evpn-vtep run` (same config extras). */
  peer?: 'frr' | 'evpn';
  /**
   * A namespace `c` on its own link to our leaf, for a raw test peer (iBGP,
   * passive neighbor of ours); routes for 10.250.0.0/24 (fake VTEPs) point at it.
   */
  churnPeer?: boolean;
  /** FRR's restart time (bgp graceful-restart restart-time), seconds. */
  frrRestartTime?: number;
  /** Keepalive/hold of both sides. */
  holdTime?: number;
}

function mac(): string {
  // Locally administered unicast, fresh per run (FRR's duplicate detection remembers moves).
  return ['02', 'a7', ...Array.from({ length: 4 }, () => randomInt(0, 256).toString(16).padStart(2, '0'))].join(':');
}

export class GrFabric {
  readonly topo = new Topology(process.env.LAB_PREFIX ?? 'rel');
  private readonly base = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}.${4 * randomInt(0, 60)}`;
  vNs = '';
  fNs = '';
  ours!: RunProcess;
  frr!: FrrInstance;
  oursIp = '';
  frrIp = '';
  underlayIf = '';
  accessIf = '';
  accessIf2 = '';
  a!: Host;
  b!: Host;
  /** The churn peer's namespace and address, and our address on its link. */
  cNs = '';
  cIp = '';
  /** The other leaf when it is evpn-vtep. */
  other: RunProcess | null = null;

  constructor(readonly o: GrFabricOptions = {}) {}

  private addr(k: number): string {
    const p = this.base.split('.').map(Number);
    return `${p[0]}.${p[1]}.${p[2]}.${p[3]! + k}`;
  }

  /** Keepalive/hold of both sides. */
  private timers(): { hold: number; keep: number } {
    const hold = this.o.holdTime ?? 9;
    return { hold, keep: Math.max(1, Math.floor(hold / 3)) };
  }

  /** A veth between two namespaces, an address of the /30 on each end, both up. */
  private link30(aNs: string, aIf: string, aIp: string, bNs: string, bIf: string, bIp: string): void {
    execFileSync('ip', ['link', 'add', aIf, 'netns', aNs, 'type', 'veth', 'peer', 'name', bIf, 'netns', bNs]);
    ipNs(aNs, ['addr', 'add', `${aIp}/30`, 'dev', aIf]);
    ipNs(bNs, ['addr', 'add', `${bIp}/30`, 'dev', bIf]);
    ipNs(aNs, ['link', 'set', aIf, 'up']);
    ipNs(bNs, ['link', 'set', bIf, 'up']);
  }

  /** Builds the namespaces and links, starts FRR, then our leaf; waits for the session. */
  async up(): Promise<void> {
    const t = this.topo;
    this.vNs = t.addNs('v');
    this.fNs = t.addNs('f');
    this.oursIp = this.addr(1);
    this.frrIp = this.addr(2);
    this.underlayIf = t.name('u');
    const fu = t.name('U');
    this.link30(this.vNs, this.underlayIf, this.oursIp, this.fNs, fu, this.frrIp);
    const { hold, keep } = this.timers();
    if (this.o.churnPeer) {
      this.cNs = t.addNs('c');
      const vc = t.name('k');
      const cv = t.name('K');
      this.cIp = this.addr(6);
      this.link30(this.vNs, vc, this.addr(5), this.cNs, cv, this.cIp);
      ipNs(this.vNs, ['route', 'add', '10.250.0.0/24', 'via', this.cIp]);
      // Our BGP listener is on the underlay address: reach it through the churn link.
      ipNs(this.cNs, ['route', 'add', `${this.oursIp}/32`, 'via', this.addr(5)]);
    }
    // Our VNI 200 access port: a veth whose other end stays unused in our namespace.
    this.accessIf2 = t.name('q');
    execFileSync('ip', ['link', 'add', this.accessIf2, 'netns', this.vNs, 'type', 'veth', 'peer', 'name', t.name('Q'), 'netns', this.vNs]);
    ipNs(this.vNs, ['link', 'set', this.accessIf2, 'up']);
    ipNs(this.vNs, ['link', 'set', t.name('Q'), 'up']);
    this.a = this.host('a', 1);
    this.accessIf = t.name('p');
    execFileSync('ip', ['link', 'add', this.accessIf, 'netns', this.vNs, 'type', 'veth', 'peer', 'name', this.a.ifname, 'netns', this.a.ns]);
    ipNs(this.vNs, ['link', 'set', this.accessIf, 'up']);
    this.hostUp(this.a);
    this.b = this.host('b', 2);
    if (this.o.peer === 'evpn') {
      // The other leaf is evpn-vtep too: host B on its access port, VNI 200 on a spare veth.
      const pb = t.name('pb');
      execFileSync('ip', ['link', 'add', pb, 'netns', this.fNs, 'type', 'veth', 'peer', 'name', this.b.ifname, 'netns', this.b.ns]);
      ipNs(this.fNs, ['link', 'set', pb, 'up']);
      this.hostUp(this.b);
      const q = t.name('r');
      execFileSync('ip', ['link', 'add', q, 'netns', this.fNs, 'type', 'veth', 'peer', 'name', t.name('R'), 'netns', this.fNs]);
      ipNs(this.fNs, ['link', 'set', q, 'up']);
      ipNs(this.fNs, ['link', 'set', t.name('R'), 'up']);
      this.other = new RunProcess(this.fNs, this.config(hold, keep, { self: this.frrIp, peer: this.oursIp, underlay: fu, access: pb, access2: q }));
      this.ours = new RunProcess(this.vNs, this.config(hold, keep));
      await Promise.all([this.other.start(), this.ours.start()]);
    } else {
      // FRR's kernel VTEP: bridge + vxlan (REAL-PEERS.md).
      const f = (args: string[]): string => ipNs(this.fNs, args);
      for (const v of [VNI, VNI2]) {
        f(['link', 'add', `br${v}`, 'type', 'bridge']);
        f(['link', 'add', `vx${v}`, 'type', 'vxlan', 'id', String(v), 'local', this.frrIp, 'dstport', '4789', 'nolearning']);
        f(['link', 'set', `vx${v}`, 'master', `br${v}`]);
        f(['link', 'set', 'dev', `vx${v}`, 'type', 'bridge_slave', 'learning', 'off', 'neigh_suppress', 'off']);
        f(['link', 'set', `br${v}`, 'up']);
        f(['link', 'set', `vx${v}`, 'up']);
      }
      this.attachToFrr(this.b, t.name('pb'));
      this.frr = new FrrInstance(this.fNs, this.frrBgpd(hold, keep), 'hostname zebra\n');
      await this.frr.start();
      this.ours = new RunProcess(this.vNs, this.config(hold, keep));
      await this.ours.start();
    }
    await this.waitEstablished();
  }

  /**
   * FRR's bgpd.conf. `rd2` gives VNI 200 an explicit RD instead of the auto
   * one: a bgpd restarted with it announces VNI 200's routes under new keys
   * and never refreshes the old ones.
   */
  frrBgpd(hold: number, keep: number, rd2?: string): string {
    return [
      'hostname frrgr',
      `router bgp ${AS}`,
      ` bgp router-id ${this.frrIp}`,
      ' no bgp default ipv4-unicast',
      ' no bgp ebgp-requires-policy',
      // RFC 4724 on FRR: restarting speaker and helper; the F bit (forwarding state preserved) for its families.
      ' bgp graceful-restart',
      ' bgp graceful-restart preserve-fw-state',
      ` bgp graceful-restart restart-time ${this.o.frrRestartTime ?? 120}`,
      ` neighbor ${this.oursIp} remote-as ${AS}`,
      ` neighbor ${this.oursIp} timers ${keep} ${hold}`,
      ` neighbor ${this.oursIp} timers connect 1`,
      ' address-family l2vpn evpn',
      `  neighbor ${this.oursIp} activate`,
      '  advertise-all-vni',
      ...(rd2 !== undefined ? [`  vni ${VNI2}`, `   rd ${rd2}`, '  exit-vni'] : []),
      ' exit-address-family',
      '',
    ].join('\n');
  }

  config(hold: number, keep: number, me?: { self: string; peer: string; underlay: string; access: string; access2: string }): string {
    const m = me ?? { self: this.oursIp, peer: this.frrIp, underlay: this.underlayIf, access: this.accessIf, access2: this.accessIf2 };
    return [
      `router-id: ${m.self}`,
      `as: ${AS}`,
      `listen: { address: ${m.self}, port: 179 }`,
      `underlay: { address: ${m.self}, interface: ${m.underlay} }`,
      'neighbors:',
      `  - address: ${m.peer}`,
      `    remote-as: ${AS}`,
      `    hold-time: ${hold}`,
      `    keepalive: ${keep}`,
      ...(this.o.neighborExtra ?? []).map((l) => `    ${l}`),
      ...(this.o.churnPeer && !me ? [`  - { address: ${this.cIp}, remote-as: ${AS}, passive: true, hold-time: ${hold}, keepalive: ${keep}, description: churn }`] : []),
      'l2vnis:',
      `  - { vni: ${VNI}, interface: ${m.access}, arp-suppression: true, mac-aging-seconds: 300 }`,
      `  - { vni: ${VNI2}, interface: ${m.access2} }`,
      ...(this.o.configExtra ?? []),
      'control-socket: @SOCKET@',
      'log: { level: info }',
      '',
    ].join('\n');
  }

  private host(role: string, n: number): Host {
    const ns = this.topo.addNs(role);
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
    return { ns, ifname: this.topo.name(`${role}0`), mac: mac(), ip: `10.77.0.${n}` };
  }

  private hostUp(h: Host): void {
    ipNs(h.ns, ['link', 'set', h.ifname, 'address', h.mac]);
    ipNs(h.ns, ['addr', 'add', `${h.ip}/24`, 'dev', h.ifname]);
    ipNs(h.ns, ['link', 'set', h.ifname, 'up']);
  }

  private attachToFrr(h: Host, port: string): void {
    execFileSync('ip', ['link', 'add', port, 'netns', this.fNs, 'type', 'veth', 'peer', 'name', h.ifname, 'netns', h.ns]);
    ipNs(this.fNs, ['link', 'set', port, 'master', `br${VNI}`]);
    ipNs(this.fNs, ['link', 'set', port, 'up']);
    this.hostUp(h);
  }

  async waitEstablished(timeoutMs = 60_000): Promise<void> {
    await waitFor('both sides Established', async () => (await this.peer())?.state === 'Established' && (this.other ? (await this.peer(this.other))?.state === 'Established' : this.frrState() === 'Established'), timeoutMs, 200);
  }

  async peer(p: RunProcess = this.ours, address?: string): Promise<PeerStatus | undefined> {
    const r = await p.ask({ cmd: 'show', what: 'peers' }).catch(() => null);
    if (!r || !('peers' in r)) return undefined;
    return address === undefined ? r.peers[0] : r.peers.find((x) => x.address === address);
  }

  frrState(): string | undefined {
    try {
      return this.frr.vtyshJson<{ peers?: Record<string, { state?: string }> }>('show bgp l2vpn evpn summary json').peers?.[this.oursIp]?.state;
    } catch {
      return undefined;
    }
  }

  async routes(): Promise<RouteRow[]> {
    const r = await this.ours.ask({ cmd: 'show', what: 'routes' });
    return 'routes' in r ? r.routes : [];
  }

  async macs(): Promise<ViewRow[]> {
    return this.ours.view('macs');
  }

  /** Our flood list: VTEPs per VNI (from type-3 routes). */
  async floodsTo(vni: number, vtep: string): Promise<boolean> {
    return (await this.ours.view('vteps')).some((r) => r.vni === vni && r.vtep === vtep && r.flood === true);
  }

  /** One ping from host `from` to `to` (ARP warm-up, reachability). */
  ping(from: Host, to: Host, count = 3): boolean {
    try {
      execFileSync('ip', ['netns', 'exec', from.ns, 'ping', '-c', String(count), '-i', '0.2', '-W', '1', to.ip], { stdio: 'ignore', timeout: 15_000 });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Static neighbor entries on both hosts, so that the ping stream measures
   * only the VTEPs' forwarding, not ARP retries timed by the hosts' kernels.
   */
  pinNeighbors(x: Host, y: Host): void {
    ipNs(x.ns, ['neigh', 'replace', y.ip, 'lladdr', y.mac, 'dev', x.ifname, 'nud', 'permanent']);
    ipNs(y.ns, ['neigh', 'replace', x.ip, 'lladdr', x.mac, 'dev', y.ifname, 'nud', 'permanent']);
  }

  /** PIDs of the processes in our leaf's namespace: the evpn-vtep process (ip netns exec execs node). */
  oursPids(): number[] {
    return execFileSync('ip', ['netns', 'pids', this.vNs], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
  }

  /** The PID of FRR's bgpd, from its pid file. */
  bgpdPid(): number {
    const f = path.join(this.frr.dir, 'bgpd.pid');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
  }

  /** Kills bgpd (SIGKILL: no NOTIFICATION, no goodbye) and waits until it is gone. */
  async killBgpd(): Promise<void> {
    const pid = this.bgpdPid();
    if (pid <= 1) throw new Error('bgpd pid unknown');
    process.kill(pid, 'SIGKILL');
    await waitFor('bgpd gone', () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000, 20);
    const d = this.frr.dir;
    for (const f of ['bgpd.vty', 'bgpd.pid']) execFileSync('rm', ['-f', path.join(d, f)]);
  }

  /** Starts bgpd again (zebra kept running), with the same configuration or with VNI 200 under the RD `rd2`. */
  async startBgpd(rd2?: string): Promise<void> {
    const d = this.frr.dir;
    const { hold, keep } = this.timers();
    writeFileSync(path.join(d, 'bgpd.conf'), this.frrBgpd(hold, keep, rd2));
    execFileSync('ip', ['netns', 'exec', this.fNs, '/usr/lib/frr/bgpd', '-d', '-f', `${d}/bgpd.conf`, '-i', `${d}/bgpd.pid`,
      '-z', `${d}/zserv.api`, '--vty_socket', d, '--log', `file:${d}/bgpd.log`], { timeout: 15_000 });
    await waitFor('bgpd vty', () => existsSync(`${d}/bgpd.vty`), 10_000);
  }

  /** The kernel's bridge fdb entries of FRR's vxlan device (what its data plane forwards on). */
  frrFdb(): string {
    return execFileSync('bridge', ['-n', this.fNs, 'fdb', 'show', 'dev', `vx${VNI}`], { encoding: 'utf8' });
  }

  frrLog(): string {
    const f = path.join(this.frr.dir, 'bgpd.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  async destroy(): Promise<void> {
    await this.ours?.destroy().catch(() => undefined);
    await this.other?.destroy().catch(() => undefined);
    this.frr?.destroy();
    this.topo.destroy();
  }
}

/** An ICMP counter of a host's namespace (nstat, absolute): e.g. IcmpInEchos = echo requests that reached it. */
export function icmpCounter(h: Host, name: 'IcmpInEchos' | 'IcmpOutEchoReps' | 'IcmpInEchoReps'): number {
  const out = execFileSync('ip', ['netns', 'exec', h.ns, 'nstat', '-asz', name], { encoding: 'utf8' });
  const m = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(out);
  return m ? Number(m[1]) : 0;
}

export interface PingResult {
  sent: number;
  received: number;
  out: string;
}

/**
 * A bounded ping stream from one host to another: `count` echo requests
 * every `intervalMs`, each waited for at most 1 s, the whole run capped at
 * `2 × count × intervalMs + 10 s`. Resolves with ping's own sent/received count.
 */
export function pingStream(from: Host, to: Host, count: number, intervalMs = 20): { done: Promise<PingResult>; stop: () => void } {
  // Generous: a busy box sends slower than asked, and a deadline hit with a request in flight would count it as lost.
  const deadline = Math.ceil((2 * count * intervalMs) / 1000) + 10;
  const child = spawn('ip', ['netns', 'exec', from.ns, 'ping', '-q', '-c', String(count), '-i', String(intervalMs / 1000), '-W', '1', '-w', String(deadline), to.ip], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<PingResult>((resolve) => {
    child.once('exit', () => {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      resolve({ sent: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : 0, out });
    });
  });
  return {
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    },
  };
}
