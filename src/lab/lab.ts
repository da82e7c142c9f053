import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { request } from '../control/client';
import type { ControlRequest, ControlResponse, RouteRow, ViewRow } from '../control/protocol';
import { FrrNode, frrMacRows, frrRemoteVteps, type MacRow } from './frr';
import { ensureNeighbourTable, neighbourEntriesNeeded } from './kernel';
import { Topology, ipNs } from './netns';
import { frrLeafBgpd, frrSpineBgpd, gatewayIp, HOST_PREFIX_LEN, leafConfig, makePlan, spineConfig, SPINE_IP, VNIS, type LabHost, type LabLeaf, type LabPlan, type PlanOptions } from './plan';
import { pollUntil } from '../util/poll';
import { DAEMON_NODE_FLAGS } from '../cli/flags';

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
  /** FRR instances: node name (spine, leafN) → directory. */
  frr: Record<string, string>;
  /** The command line that runs the evpn-vtep CLI for the daemons (default: this CLI again). */
  command?: string[];
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
  const ext = path.extname(__filename);
  const entry = path.resolve(__dirname, '..', 'cli', `main${ext}`);
  // From source, the child needs tsx even when this process got its loader another way (vitest).
  const loader = ext === '.ts' && !process.execArgv.includes('tsx') ? ['--import', 'tsx'] : [];
  return withLeafFlags([process.execPath, ...process.execArgv, ...loader, entry], args);
}

/**
 * A daemon's command line: VTEP leaves (`run`) get the daemon node flags
 * (src/cli/flags.ts) unless the command sets a young generation size itself;
 * the route reflector (`bgp`) keeps V8's defaults — it takes every leaf's
 * routes and a small young generation would cost it time in scavenges.
 */
function withLeafFlags(command: readonly string[], args: string[]): string[] {
  const node = command[0] === process.execPath;
  const flags = node && args[0] === 'run' && !command.some((f) => f.startsWith('--max-semi-space-size')) ? DAEMON_NODE_FLAGS : [];
  return [command[0]!, ...flags, ...command.slice(1), ...args];
}

function sh(ns: string, argv: string[], timeoutMs = 15_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
}

/** Bounded async poll (see src/util/poll.ts). */
function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30000, everyMs = 200): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
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

export interface LabUpOptions extends PlanOptions {
  leaves: number;
  dir?: string;
  out: LabOut;
  /** Name prefix of namespaces and links (tests use their own). */
  prefix?: string;
  /**
   * The command line that runs the evpn-vtep CLI for the daemons, e.g.
   * `[node, '--max-semi-space-size=1', 'dist/cli/main.js']` (benchmarks run
   * the compiled CLI); default: this CLI again, with this process's flags.
   */
  command?: string[];
}

function attachHost(topo: Topology, plan: LabPlan, h: LabHost, leaf: number, ifname: string, tag: string, withAddress = true): void {
  const acc = plan.leaves[leaf - 1]!.accessNs;
  const swPort = `${plan.prefix}${plan.id}${tag}`;
  veth(topo, { ns: h.ns, tmp: `${swPort}x`, name: ifname }, { ns: acc, tmp: swPort, name: swPort });
  ipNs(acc, ['link', 'set', swPort, 'master', `br${h.vni}`]);
  ipNs(h.ns, ['link', 'set', ifname, 'down']);
  ipNs(h.ns, ['link', 'set', ifname, 'address', h.mac]);
  if (withAddress) ipNs(h.ns, ['addr', 'add', `${h.ip}/${HOST_PREFIX_LEN}`, 'dev', ifname]);
  ipNs(h.ns, ['link', 'set', ifname, 'up']);
  // Other subnets through the anycast gateway (routed by the evpn-vtep leaves).
  if (withAddress && plan.routing) ipNs(h.ns, ['route', 'replace', 'default', 'via', gatewayIp(h.vni), 'dev', ifname]);
}

export class Lab {
  private constructor(
    readonly plan: LabPlan,
    private readonly topo: Topology,
    private readonly pids: { name: string; pid: number }[],
    private readonly out: LabOut,
    private readonly frrDirs: Record<string, string> = {},
    private readonly command?: string[],
  ) {}

  /** When each daemon (spine, leafN) was last started (Date.now()), for convergence timing. */
  readonly started: Record<string, number> = {};

  static async up(opts: LabUpOptions): Promise<Lab> {
    const lab = Lab.prepare(opts);
    await lab.start();
    return lab;
  }

  /** Builds the namespaces, links, hosts and configs without starting a daemon (then `start()`). */
  static prepare(opts: LabUpOptions): Lab {
    const dir = opts.dir ?? DEFAULT_DIR;
    if (readState(dir)) throw new Error(`a lab is already up (${stateFile(dir)}): run "evpn-vtep lab down" first`);
    mkdirSync(dir, { recursive: true });
    // EVPN_VTEP_LAB_PREFIX: a name prefix of one's own on a machine shared with other labs (tests, benchmarks).
    const plan = makePlan(randomBytes(2).toString('hex'), opts.leaves, dir, opts.prefix ?? (process.env.EVPN_VTEP_LAB_PREFIX || undefined), opts);
    const topo = new Topology(plan.prefix, plan.id);
    const lab = new Lab(plan, topo, [], opts.out, {}, opts.command);
    try {
      lab.build();
    } catch (e) {
      lab.down();
      throw e;
    }
    return lab;
  }

  /** Starts every daemon of a prepared lab and waits until every leaf's session is Established; removes the lab on failure. */
  async start(): Promise<void> {
    try {
      await this.startDaemons();
    } catch (e) {
      this.down();
      throw e;
    }
  }

  static adopt(out: LabOut, dir = DEFAULT_DIR): Lab {
    const s = readState(dir);
    if (!s) throw new Error(`no lab is up (${stateFile(dir)} not found)`);
    return new Lab(s.plan, Topology.adopt(s.topology), s.pids, out, s.frr ?? {}, s.command);
  }

  private save(): void {
    const s: LabState = { plan: this.plan, topology: this.topo.state(), pids: this.pids, frr: this.frrDirs, ...(this.command ? { command: this.command } : {}) };
    writeFileSync(stateFile(this.plan.dir), JSON.stringify(s, null, 2));
  }

  private say(s: string): void {
    this.out.write(s + '\n');
  }

  private build(): void {
    const { plan, topo } = this;
    const p = (role: string): string => `${plan.prefix}${plan.id}${role}`;
    const frr = [...(plan.spine.kind === 'frr' ? ['spine'] : []), ...plan.leaves.filter((l) => l.kind === 'frr').map((l) => `leaf${l.index}`)];
    this.say(`lab ${plan.id}: spine + ${plan.leaves.length} leaves, hosts in VNIs ${VNIS.join(' and ')} behind each${frr.length ? `; FRR on ${frr.join(', ')}` : ''}`);
    const raised = ensureNeighbourTable(neighbourEntriesNeeded(plan.leaves.length, VNIS.length));
    if (raised) this.say(`  kernel: ${raised} (every namespace shares one ARP table)`);
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
        if (l.kind === 'frr') this.kernelVtep(l, v);
      }
      // Progress of a large lab: a line per quarter of the leaves.
      const n = plan.leaves.length;
      if (n >= 8 && (l.index % Math.ceil(n / 4) === 0 || l.index === n)) this.say(`  leaves wired: ${l.index}/${n}`);
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
    for (const l of plan.leaves) writeFileSync(l.config, leafConfig(l, plan.timers, plan.routing === true));
    this.save();
  }

  /** An FRR leaf's data plane for one VNI: a Linux bridge, a kernel vxlan device on port 4789, the access link enslaved. */
  private kernelVtep(l: LabLeaf, v: number): void {
    ipNs(l.ns, ['link', 'add', `br${v}`, 'type', 'bridge']);
    ipNs(l.ns, ['link', 'add', `vx${v}`, 'type', 'vxlan', 'id', String(v), 'local', l.underlayIp, 'dstport', '4789', 'nolearning']);
    ipNs(l.ns, ['link', 'set', `vx${v}`, 'master', `br${v}`]);
    ipNs(l.ns, ['link', 'set', 'dev', `vx${v}`, 'type', 'bridge_slave', 'learning', 'off', 'neigh_suppress', 'off']);
    ipNs(l.ns, ['link', 'set', l.access[v]!, 'master', `br${v}`]);
    for (const dev of [`vx${v}`, `br${v}`]) ipNs(l.ns, ['link', 'set', dev, 'up']);
  }

  private spawnDaemon(name: string, ns: string, args: string[]): void {
    const log = openSync(path.join(this.plan.dir, `${name}.log`), 'a');
    const child = spawn('ip', ['netns', 'exec', ns, ...(this.command ? withLeafFlags(this.command, args) : selfCommand(args))], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    this.started[name] = Date.now();
    if (!child.pid) throw new Error(`could not start ${name}`);
    this.pids.push({ name, pid: child.pid });
    this.save();
  }

  private async startFrr(name: string, ns: string, bgpd: string): Promise<void> {
    const node = FrrNode.create(ns);
    this.frrDirs[name] = node.dir;
    this.save();
    this.started[name] = Date.now();
    for (const pid of await node.start(bgpd, `hostname ${name}\n`)) this.pids.push({ name, pid });
    this.save();
  }

  private async startDaemons(): Promise<void> {
    const { plan } = this;
    const kinds = (k: string): string => (k === 'frr' ? 'FRR' : 'evpn-vtep');
    this.say(`starting the spine (${kinds(plan.spine.kind)}, route reflector) and the leaves (${plan.leaves.map((l) => kinds(l.kind)).join(', ')})`);
    // Spawn everything, then wait once: FRR instances start side by side (each waits only for its own zebra socket).
    const frr: Promise<void>[] = [];
    if (plan.spine.kind === 'frr') frr.push(this.startFrr('spine', plan.spine.ns, frrSpineBgpd(plan)));
    else this.spawnDaemon('spine', plan.spine.ns, ['bgp', '--config', plan.spine.config]);
    for (const l of plan.leaves) {
      if (l.kind === 'frr') frr.push(this.startFrr(`leaf${l.index}`, l.ns, frrLeafBgpd(l, plan.timers)));
      else this.spawnDaemon(`leaf${l.index}`, l.ns, ['run', '--config', l.config, ...(plan.dataplane ? ['--dataplane', plan.dataplane] : [])]);
    }
    const failed = (await Promise.allSettled(frr)).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Progress: the count of Established sessions as it grows, at most about once a second (and when all are up).
    let shown = -1;
    let shownAt = 0;
    await waitFor(
      'every leaf to establish its session with the spine',
      async () => {
        const up = await this.spineSessions();
        if (up !== shown && up < plan.leaves.length && Date.now() - shownAt >= 1000) {
          if (up > 0) this.say(`  sessions Established: ${up}/${plan.leaves.length}`);
          shown = up;
          shownAt = Date.now();
        }
        return up === plan.leaves.length;
      },
      60_000,
    );
    this.say('  all BGP sessions Established');
  }

  /** Number of Established sessions at the spine. */
  async spineSessions(): Promise<number> {
    if (this.plan.spine.kind === 'frr') {
      const j = this.frr('spine').vtyshJson<{ peers?: Record<string, { state?: string }> }>('show bgp l2vpn evpn summary json');
      return Object.values(j.peers ?? {}).filter((p) => p.state === 'Established').length;
    }
    const r = await ask(this.plan.spine.socket, { cmd: 'show', what: 'peers' });
    return 'peers' in r ? r.peers.filter((p) => p.state === 'Established').length : 0;
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
    for (const d of Object.values(this.frrDirs)) rmSync(d, { recursive: true, force: true });
    rmSync(stateFile(this.plan.dir), { force: true });
    for (const f of [this.plan.spine.socket, ...this.plan.leaves.map((l) => l.socket)]) rmSync(f, { force: true });
  }

  /** Moves a host's link to another leaf's access switch: attach the new link first, then remove the old one. */
  moveHost(h: LabHost, toLeaf: number, tag = `m${h.leaf}v${h.vni}${toLeaf}`): LabHost {
    const moved: LabHost = { ...h, leaf: toLeaf, ifname: h.ifname === 'eth0' ? 'eth1' : 'eth0' };
    attachHost(this.topo, this.plan, moved, toLeaf, moved.ifname, tag);
    ipNs(h.ns, ['link', 'del', h.ifname]);
    this.save();
    return moved;
  }

  /**
   * A new host namespace with `h`'s VNI, MAC and IP behind `toLeaf`: a copy of
   * an existing host (a duplicate address, a VM whose old copy still runs),
   * or a fresh host when `h` carries a new MAC and IP.
   */
  cloneHost(h: LabHost, toLeaf: number, role = `c${h.leaf}v${h.vni}`): LabHost {
    const ns = this.topo.addNs(role);
    this.save();
    for (const [k, val] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2'], ['net.ipv6.conf.all.disable_ipv6', '1'], ['net.ipv6.conf.default.disable_ipv6', '1']]) {
      sh(ns, ['sysctl', '-qw', `${k}=${val}`]);
    }
    const clone: LabHost = { ...h, ns, leaf: toLeaf, ifname: 'eth0' };
    attachHost(this.topo, this.plan, clone, toLeaf, 'eth0', `${role}${toLeaf}`);
    this.save();
    return clone;
  }

  leaf(i: number): LabLeaf {
    const l = this.plan.leaves[i - 1];
    if (!l) throw new Error(`no leaf ${i}`);
    return l;
  }

  /** The FRR instance running a node ("spine", "leaf3"). */
  frr(name: string): FrrNode {
    const d = this.frrDirs[name];
    if (!d) throw new Error(`${name} does not run FRR`);
    const ns = name === 'spine' ? this.plan.spine.ns : this.leaf(Number(name.slice(4))).ns;
    return new FrrNode(ns, d);
  }

  /** Stops one daemon (an evpn-vtep leaf or the spine) by its PID; SIGKILL simulates a crash. */
  async stopDaemon(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const mine = this.pids.filter((p) => p.name === name);
    for (const { pid } of mine) {
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    }
    await waitFor(`${name} to exit`, () => mine.every(({ pid }) => !alive(pid)), 10_000);
    this.pids.splice(0, this.pids.length, ...this.pids.filter((p) => p.name !== name));
    this.save();
  }

  /** Sends a signal to a daemon without waiting (SIGSTOP: a hung process that keeps its sockets open). */
  signal(name: string, signal: NodeJS.Signals): void {
    for (const { pid } of this.pids.filter((p) => p.name === name)) process.kill(pid, signal);
  }

  /** Starts an evpn-vtep leaf again with its config (after stopDaemon). */
  startLeaf(i: number): void {
    const l = this.leaf(i);
    if (l.kind !== 'evpn') throw new Error(`leaf${i} runs FRR`);
    this.spawnDaemon(`leaf${i}`, l.ns, ['run', '--config', l.config, ...(this.plan.dataplane ? ['--dataplane', this.plan.dataplane] : [])]);
  }

  /** Starts an FRR leaf again (after stopDaemon), in a fresh directory: no stale sockets or pid files. */
  async startFrrLeaf(i: number): Promise<void> {
    const l = this.leaf(i);
    if (l.kind !== 'frr') throw new Error(`leaf${i} runs evpn-vtep`);
    const old = this.frrDirs[`leaf${i}`];
    if (old) rmSync(old, { recursive: true, force: true });
    await this.startFrr(`leaf${i}`, l.ns, frrLeafBgpd(l, this.plan.timers));
  }

  /** The PIDs of a running daemon (two for FRR: zebra and bgpd). */
  pidsOf(name: string): number[] {
    return this.pids.filter((p) => p.name === name).map((p) => p.pid);
  }

  /** One of the VTEP tables of an evpn-vtep leaf (`show macs|arp|vteps|vnis|counters`). */
  async view(i: number, what: 'macs' | 'arp' | 'vteps' | 'vnis' | 'counters'): Promise<ViewRow[]> {
    const r = await ask(this.leaf(i).socket, { cmd: 'show', what });
    return 'rows' in r ? r.rows : [];
  }

  async routes(i: number, filters: { type?: number; vni?: number } = {}): Promise<RouteRow[]> {
    const r = await ask(this.leaf(i).socket, { cmd: 'show', what: 'routes', filters });
    return 'routes' in r ? r.routes : [];
  }

  /** A leaf's MAC table, whichever software runs it. */
  async macs(i: number): Promise<MacRow[]> {
    const l = this.leaf(i);
    if (l.kind === 'frr') return frrMacRows(this.frr(`leaf${i}`).vtyshJson('show evpn mac vni all json'));
    return (await this.view(i, 'macs')).map((r) => ({
      vni: Number(r.vni),
      mac: String(r.mac),
      type: r.type === 'local' ? 'local' : 'remote',
      ...(r.type === 'local' ? {} : { vtep: String(r.where) }),
      seq: Number(r.seq ?? 0),
    }));
  }

  /** The remote VTEPs a leaf floods each VNI to (type-3 discovery), whichever software runs it. */
  async remoteVteps(i: number): Promise<Map<number, string[]>> {
    const l = this.leaf(i);
    if (l.kind === 'frr') return frrRemoteVteps(this.frr(`leaf${i}`).vtyshJson('show evpn vni json'));
    const m = new Map<number, string[]>();
    for (const r of await this.view(i, 'vteps')) m.set(Number(r.vni), [...(m.get(Number(r.vni)) ?? []), String(r.vtep)]);
    return m;
  }

  spineIp(): string {
    return SPINE_IP;
  }

  /**
   * The first half of a move, for measurements: the host's link to `toLeaf`
   * is made and up (its switch port forwarding) but has no address yet, so
   * the host sends and answers nothing on it; the caller removes the old link,
   * announces the host and adds the address (`${ip}/${HOST_PREFIX_LEN}`).
   */
  prepareMove(h: LabHost, toLeaf: number, tag = `m${h.leaf}v${h.vni}${toLeaf}`): LabHost {
    const moved: LabHost = { ...h, leaf: toLeaf, ifname: h.ifname === 'eth0' ? 'eth1' : 'eth0' };
    attachHost(this.topo, this.plan, moved, toLeaf, moved.ifname, tag, false);
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
