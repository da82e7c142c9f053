import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../control/client';
import type { ControlRequest, ControlResponse } from '../control/protocol';
import { Topology, ipNs } from './netns';
import { leafConfig, makePlan, spineConfig, VNIS, type LabHost, type LabPlan } from './plan';

/**
 * `evpn-vtep lab`: builds the plan of plan.ts in network namespaces, runs
 * evpn-vtep in them (a `bgp` route reflector on the spine, `run` on every
 * leaf), and removes everything it made — on `down`, at the end of a tour,
 * and on Ctrl-C or failure. State lives in one JSON file so `up`, `tour`
 * and `down` can be separate invocations.
 */

export const DEFAULT_DIR = '/run/evpn-vtep-lab';

interface LabState {
  plan: LabPlan;
  topology: ReturnType<Topology['state']>;
  pids: { name: string; pid: number }[];
}

export interface LabOut {
  write(s: string): unknown;
}

function stateFile(dir: string): string {
  return path.join(dir, 'lab.json');
}

export function readState(dir = DEFAULT_DIR): LabState | null {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

/** The command line that runs this CLI again (from dist/ or, under tsx, from src/). */
function selfCommand(args: string[]): string[] {
  const entry = path.resolve(__dirname, '..', 'cli', `main${path.extname(__filename)}`);
  return [process.execPath, ...process.execArgv, entry, ...args];
}

function sh(ns: string, argv: string[], timeoutMs = 15_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(200);
  }
  throw new Error(`lab: timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${last})` : ''}`);
}

export async function ask(socket: string, req: ControlRequest): Promise<ControlResponse & { ok: true }> {
  const r = await request(socket, req);
  if (!r.ok) throw new Error(`${socket}: ${r.error}`);
  return r as ControlResponse & { ok: true };
}

/** Creates a veth with one end in each namespace, renaming ends (names must be unique only while in the root namespace). */
function veth(topo: Topology, a: { ns: string; tmp: string; name: string }, b: { ns: string; tmp: string; name: string }): void {
  topo.addVeth({ ns: a.ns, name: a.tmp }, { ns: b.ns, name: b.tmp });
  for (const end of [a, b]) {
    if (end.tmp === end.name) continue;
    ipNs(end.ns, ['link', 'set', end.tmp, 'down']);
    ipNs(end.ns, ['link', 'set', end.tmp, 'name', end.name]);
    ipNs(end.ns, ['link', 'set', end.name, 'up']);
  }
}

function attachHost(topo: Topology, plan: LabPlan, h: LabHost, leaf: number, ifname: string, tag: string): void {
  const acc = plan.leaves[leaf - 1]!.accessNs;
  const swPort = `${plan.prefix}${plan.id}${tag}`;
  veth(topo, { ns: h.ns, tmp: `${swPort}x`, name: ifname }, { ns: acc, tmp: swPort, name: swPort });
  ipNs(acc, ['link', 'set', swPort, 'master', `br${h.vni}`]);
  ipNs(h.ns, ['link', 'set', ifname, 'down']);
  ipNs(h.ns, ['link', 'set', ifname, 'address', h.mac]);
  ipNs(h.ns, ['addr', 'add', `${h.ip}/24`, 'dev', ifname]);
  ipNs(h.ns, ['link', 'set', ifname, 'up']);
}

export class Lab {
  private constructor(
    readonly plan: LabPlan,
    private readonly topo: Topology,
    private readonly pids: { name: string; pid: number }[],
    private readonly out: LabOut,
  ) {}

  static async up(opts: { leaves: number; dir?: string; out: LabOut }): Promise<Lab> {
    const dir = opts.dir ?? DEFAULT_DIR;
    if (readState(dir)) throw new Error(`a lab is already up (${stateFile(dir)}): run "evpn-vtep lab down" first`);
    mkdirSync(dir, { recursive: true });
    const plan = makePlan(randomBytes(2).toString('hex'), opts.leaves, dir);
    const topo = new Topology(plan.prefix, plan.id);
    const lab = new Lab(plan, topo, [], opts.out);
    try {
      lab.build();
      await lab.startDaemons();
    } catch (e) {
      lab.down();
      throw e;
    }
    return lab;
  }

  static adopt(out: LabOut, dir = DEFAULT_DIR): Lab {
    const s = readState(dir);
    if (!s) throw new Error(`no lab is up (${stateFile(dir)} not found)`);
    return new Lab(s.plan, Topology.adopt(s.topology), s.pids, out);
  }

  private save(): void {
    const s: LabState = { plan: this.plan, topology: this.topo.state(), pids: this.pids };
    writeFileSync(stateFile(this.plan.dir), JSON.stringify(s, null, 2));
  }

  private say(s: string): void {
    this.out.write(s + '\n');
  }

  private build(): void {
    const { plan, topo } = this;
    const p = (role: string): string => `${plan.prefix}${plan.id}${role}`;
    this.say(`lab ${plan.id}: spine + ${plan.leaves.length} leaves, hosts in VNIs ${VNIS.join(' and ')} behind each`);
    topo.addNs('sp');
    for (const k of ['all', 'default']) sh(plan.spine.ns, ['sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    ipNs(plan.spine.ns, ['link', 'add', 'br0', 'type', 'bridge']);
    ipNs(plan.spine.ns, ['addr', 'add', '10.255.0.254/24', 'dev', 'br0']);
    ipNs(plan.spine.ns, ['link', 'set', 'br0', 'up']);
    this.save();
    for (const l of plan.leaves) {
      topo.addNs(`l${l.index}`);
      topo.addNs(`a${l.index}`);
      this.save();
      // No IPv6 chatter (router solicitations, MLD) from the switches' and leaves' own interfaces.
      for (const ns of [l.ns, l.accessNs]) for (const k of ['all', 'default']) sh(ns, ['sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
      // Underlay: the leaf's uplink to the spine's bridge.
      veth(topo, { ns: l.ns, tmp: l.uplink, name: l.uplink }, { ns: plan.spine.ns, tmp: p(`s${l.index}`), name: p(`s${l.index}`) });
      ipNs(plan.spine.ns, ['link', 'set', p(`s${l.index}`), 'master', 'br0']);
      ipNs(l.ns, ['addr', 'add', `${l.underlayIp}/24`, 'dev', l.uplink]);
      // Access side: one bridge per VNI in the access switch, one access interface per VNI in the leaf.
      for (const v of VNIS) {
        ipNs(l.accessNs, ['link', 'add', `br${v}`, 'type', 'bridge']);
        ipNs(l.accessNs, ['link', 'set', `br${v}`, 'up']);
        veth(topo, { ns: l.ns, tmp: l.access[v]!, name: l.access[v]! }, { ns: l.accessNs, tmp: p(`a${l.index}p${v}`), name: p(`a${l.index}p${v}`) });
        ipNs(l.accessNs, ['link', 'set', p(`a${l.index}p${v}`), 'master', `br${v}`]);
      }
    }
    for (const h of plan.hosts) {
      topo.addNs(`h${h.leaf}v${h.vni}`);
      this.save();
      // Quiet, predictable hosts (REAL-PEERS.md): answer ARP only for their own address, no IPv6 noise.
      for (const [k, val] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2'], ['net.ipv6.conf.all.disable_ipv6', '1'], ['net.ipv6.conf.default.disable_ipv6', '1']]) {
        sh(h.ns, ['sysctl', '-qw', `${k}=${val}`]);
      }
      attachHost(topo, plan, h, h.leaf, h.ifname, `h${h.leaf}v${h.vni}`);
    }
    writeFileSync(plan.spine.config, spineConfig(plan));
    for (const l of plan.leaves) writeFileSync(l.config, leafConfig(l));
    this.save();
  }

  private spawnDaemon(name: string, ns: string, args: string[]): void {
    const log = openSync(path.join(this.plan.dir, `${name}.log`), 'a');
    const child = spawn('ip', ['netns', 'exec', ns, ...selfCommand(args)], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    if (!child.pid) throw new Error(`could not start ${name}`);
    this.pids.push({ name, pid: child.pid });
    this.save();
  }

  private async startDaemons(): Promise<void> {
    const { plan } = this;
    this.say('starting evpn-vtep: spine as route reflector (bgp), leaves as VTEPs (run)');
    this.spawnDaemon('spine', plan.spine.ns, ['bgp', '--config', plan.spine.config]);
    for (const l of plan.leaves) this.spawnDaemon(`leaf${l.index}`, l.ns, ['run', '--config', l.config]);
    await waitFor('every leaf to establish its session with the spine', async () => {
      const r = await ask(plan.spine.socket, { cmd: 'show', what: 'peers' });
      return 'peers' in r && r.peers.length === plan.leaves.length && r.peers.every((p) => p.state === 'Established');
    }, 60_000);
    this.say('  all BGP sessions Established');
  }

  /** Stops the daemons and removes every namespace and link the lab made. Never throws. */
  down(): void {
    for (const { pid } of this.pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    const until = Date.now() + 3000;
    while (Date.now() < until && this.pids.some(({ pid }) => alive(pid))) spawnSync('sleep', ['0.1']);
    for (const { pid } of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.topo.destroy();
    rmSync(stateFile(this.plan.dir), { force: true });
    for (const f of [this.plan.spine.socket, ...this.plan.leaves.map((l) => l.socket)]) rmSync(f, { force: true });
  }

  /** Moves a host's link to another leaf's access switch: attach the new link first, then remove the old one. */
  moveHost(h: LabHost, toLeaf: number): LabHost {
    const moved: LabHost = { ...h, leaf: toLeaf, ifname: h.ifname === 'eth0' ? 'eth1' : 'eth0' };
    attachHost(this.topo, this.plan, moved, toLeaf, moved.ifname, `m${h.leaf}v${h.vni}${toLeaf}`);
    ipNs(h.ns, ['link', 'del', h.ifname]);
    this.save();
    return moved;
  }

  host(leaf: number, vni: number): LabHost {
    const h = this.plan.hosts.find((x) => x.leaf === leaf && x.vni === vni);
    if (!h) throw new Error(`no host at leaf ${leaf} in VNI ${vni}`);
    return h;
  }

  exec(ns: string, argv: string[], timeoutMs = 15_000): { ok: boolean; out: string } {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
    return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }

  logOf(name: string): string {
    const f = path.join(this.plan.dir, `${name}.log`);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { waitFor };
