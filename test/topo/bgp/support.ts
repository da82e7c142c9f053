import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerStatus } from '../../../src/bgp/session';
import type { RouteRow } from '../../../src/control/protocol';
import { ipNs, Topology } from '../../support/netns';
import { waitFor, type FrrInstance } from '../../support/peers';

/**
 * Interop labs in which every party runs in a network namespace of its own:
 * evpn-vtep as the real `evpn-vtep bgp --config FILE` process (started with
 * `ip netns exec`), FRR and gobgpd as daemons, raw test peers as small node
 * scripts. Veth pairs are created directly inside the lab's namespaces and
 * every address lives there too: the test process's own namespace gets
 * neither links nor addresses. The tests read evpn-vtep's state only
 * through `evpn-vtep show ... --json`, the path an operator uses.
 */

export const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
/** `node --import tsx` runs the TypeScript sources directly (dist/ may be stale) in one process, so the PID is the speaker's. */
const NODE_TS = [process.execPath, '--import', 'tsx'];

export class Lab {
  readonly topo = new Topology('ix');
  /** A random /24 of 100.64.0.0/10 (shared address space), carved into /30s, one per link. */
  private readonly base = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}.`;
  private links = 0;

  ns(role: string): string {
    return this.topo.addNs(role);
  }

  /** A veth pair between two of the lab's namespaces with a /30 on it; returns [address in a, address in b]. */
  link(a: string, b: string, role: string): [string, string] {
    const k = this.links++;
    if (k >= 64) throw new RangeError('lab: out of /30 subnets');
    const na = this.topo.name(`${role}a`);
    const nb = this.topo.name(`${role}b`);
    execFileSync('ip', ['link', 'add', na, 'netns', a, 'type', 'veth', 'peer', 'name', nb, 'netns', b]);
    const x = `${this.base}${4 * k + 1}`;
    const y = `${this.base}${4 * k + 2}`;
    ipNs(a, ['addr', 'add', `${x}/30`, 'dev', na]);
    ipNs(b, ['addr', 'add', `${y}/30`, 'dev', nb]);
    ipNs(a, ['link', 'set', na, 'up']);
    ipNs(b, ['link', 'set', nb, 'up']);
    return [x, y];
  }

  /** Removes the namespaces (their links and any process left in them). Idempotent, never throws. */
  destroy(): void {
    this.topo.destroy();
  }
}

export interface VtepNeighbor {
  address: string;
  remoteAs: number;
  passive?: boolean;
  holdTime?: number;
  keepalive?: number;
  localAddress?: string;
  routeReflectorClient?: boolean;
}

export interface VtepOptions {
  routerId: string;
  as: number;
  neighbors: VtepNeighbor[];
  clusterId?: string;
  logLevel?: 'debug' | 'info';
}

/** One `evpn-vtep bgp --config FILE` process in a namespace, with its control socket and log in a temp dir. */
export class Vtep {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'evpn-vtep-'));
  readonly socket = path.join(this.dir, 'ctl.sock');
  readonly configFile = path.join(this.dir, 'bgp.yaml');
  readonly logFile = path.join(this.dir, 'vtep.log');
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly ns: string,
    readonly o: VtepOptions,
  ) {}

  config(): string {
    const lines = [
      `router-id: ${this.o.routerId}`,
      `as: ${this.o.as}`,
      'listen: { address: 0.0.0.0, port: 179 }',
      `control-socket: ${this.socket}`,
      `log: { level: ${this.o.logLevel ?? 'info'} }`,
    ];
    if (this.o.clusterId) lines.push(`route-reflector: { cluster-id: ${this.o.clusterId} }`);
    lines.push('neighbors:');
    for (const n of this.o.neighbors) {
      lines.push(`  - address: ${n.address}`, `    remote-as: ${n.remoteAs}`);
      if (n.passive) lines.push('    passive: true');
      if (n.holdTime !== undefined) lines.push(`    hold-time: ${n.holdTime}`);
      if (n.keepalive !== undefined) lines.push(`    keepalive: ${n.keepalive}`);
      if (n.localAddress) lines.push(`    local-address: ${n.localAddress}`);
      if (n.routeReflectorClient) lines.push('    route-reflector-client: true');
    }
    return lines.join('\n') + '\n';
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the speaker (ip netns exec execs into node: the child's PID is the speaker's) and waits for its control socket. */
  async start(): Promise<void> {
    writeFileSync(this.configFile, this.config());
    const fd = openSync(this.logFile, 'a');
    try {
      const child = spawn('ip', ['netns', 'exec', this.ns, ...NODE_TS, MAIN, 'bgp', '--config', this.configFile], {
        cwd: REPO,
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    } finally {
      closeSync(fd);
    }
    await waitFor(
      'evpn-vtep control socket',
      () => {
        if (!this.running) throw new Error(`evpn-vtep exited:\n${this.log()}`);
        return existsSync(this.socket) && this.peers().length >= 0;
      },
      30_000,
      200,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${this.log()}`);
    });
  }

  /** `evpn-vtep show ARGS --json --socket S`, parsed. */
  show<T>(args: string[]): T {
    const out = execFileSync(NODE_TS[0]!, [...NODE_TS.slice(1), MAIN, 'show', ...args, '--json', '--socket', this.socket], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return JSON.parse(out) as T;
  }

  peers(): PeerStatus[] {
    return this.show<PeerStatus[]>(['peers']);
  }

  peer(address: string): PeerStatus | undefined {
    return this.peers().find((p) => p.address === address);
  }

  routes(filter: { type?: number; vni?: number } = {}): RouteRow[] {
    const args = ['routes'];
    if (filter.type !== undefined) args.push('--type', String(filter.type));
    if (filter.vni !== undefined) args.push('--vni', String(filter.vni));
    return this.show<RouteRow[]>(args);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The speaker's JSON log records. */
  records(): Record<string, unknown>[] {
    return this.log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  notifications(dir: 'sent' | 'received'): string[] {
    return this.records()
      .map((r) => String(r.msg))
      .filter((m) => m.startsWith(`NOTIFICATION ${dir}`));
  }

  /** SIGTERM (graceful: Cease to every peer), then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return;
    c.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) c.kill('SIGKILL');
    await Promise.race([this.exited, sleep(2000)]);
  }

  kill(): void {
    if (this.running) this.child!.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      this.kill();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Runs a node/TypeScript script inside a namespace (a raw test peer); its stdout lines are collected. */
export class NsScript {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(ns: string, script: string, args: string[]) {
    this.child = spawn('ip', ['netns', 'exec', ns, ...NODE_TS, script, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get errors(): string {
    return this.stderr;
  }

  /** Every stdout JSON line whose `event` is `name`, in order. */
  events<T extends Record<string, unknown>>(name: string): T[] {
    const out: T[] = [];
    for (const l of this.lines) {
      if (!l.startsWith('{')) continue;
      const o = JSON.parse(l) as T;
      if (o.event === name) out.push(o);
    }
    return out;
  }

  /** One JSON command line on the script's stdin. */
  send(cmd: Record<string, unknown>): void {
    this.child.stdin!.write(JSON.stringify(cmd) + '\n');
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The raw BGP peer of raw-peer.ts, listening on port 179 in its namespace. */
export class RawPeer extends NsScript {
  constructor(ns: string, as: number, routerId: string) {
    super(ns, path.join(__dirname, 'raw-peer.ts'), ['--listen', '179', '--as', String(as), '--router-id', routerId]);
  }

  get established(): number {
    return this.events('established').length;
  }

  /** True while a session is up (the last connection is established and not closed). */
  get up(): boolean {
    const est = this.events<{ conn: number }>('established').at(-1);
    return est !== undefined && !this.events<{ conn: number }>('closed').some((c) => c.conn === est.conn);
  }
}

// ------------------------------------------------------------ an FRR VTEP

export const L2VNI = 100;
export const L3VNI = 1000;

/**
 * Kernel side of an FRR VTEP (../shared/design/REAL-PEERS.md): the VTEP
 * address on lo, per VNI a bridge and a vxlan device (dstport 4789,
 * nolearning), the L2VNI's bridge with an SVI address, and a host
 * namespace whose veth sits in the L2VNI bridge. Returns the host's MAC,
 * IP and interface names.
 */
export function frrVtepKernel(vtepNs: string, hostNs: string, vtepIp: string, hostMac: string, hostIpSuffix = 10): { mac: string; ip: string; svi: string } {
  const n = (args: string[]): string => ipNs(vtepNs, args);
  n(['addr', 'add', `${vtepIp}/32`, 'dev', 'lo']);
  const veth = `h${L2VNI}`;
  const port = `hp${L2VNI}`;
  execFileSync('ip', ['link', 'add', veth, 'netns', hostNs, 'type', 'veth', 'peer', 'name', port, 'netns', vtepNs]);
  for (const vni of [L2VNI, L3VNI]) {
    n(['link', 'add', `br${vni}`, 'type', 'bridge']);
    n(['link', 'add', `vx${vni}`, 'type', 'vxlan', 'id', String(vni), 'local', vtepIp, 'dstport', '4789', 'nolearning']);
    n(['link', 'set', `vx${vni}`, 'master', `br${vni}`]);
    n(['link', 'set', 'dev', `vx${vni}`, 'type', 'bridge_slave', 'learning', 'off']);
    n(['link', 'set', `br${vni}`, 'up']);
    n(['link', 'set', `vx${vni}`, 'up']);
  }
  n(['link', 'set', port, 'master', `br${L2VNI}`]);
  n(['link', 'set', port, 'up']);
  const svi = `100.127.${L2VNI}.1`;
  const ip = `100.127.${L2VNI}.${hostIpSuffix}`;
  n(['addr', 'add', `${svi}/24`, 'dev', `br${L2VNI}`]);
  const h = (args: string[]): string => ipNs(hostNs, args);
  h(['link', 'set', veth, 'address', hostMac]);
  h(['addr', 'add', `${ip}/24`, 'dev', veth]);
  h(['link', 'set', veth, 'up']);
  return { mac: hostMac, ip, svi };
}

/** zebra.conf of the FRR VTEP: the L3VNI bound to the default VRF (symmetric IRB without VRF devices). */
export function frrVtepZebra(hostname: string): string {
  return [`hostname ${hostname}`, 'vrf default', ` vni ${L3VNI}`, 'exit-vrf', ''].join('\n');
}

/** A host pings the SVI so that zebra learns its MAC (bridge fdb) and MAC+IP (neighbor on the SVI). */
export function hostPing(hostNs: string, target: string): void {
  execFileSync('ip', ['netns', 'exec', hostNs, 'ping', '-c', '2', '-i', '0.2', '-W', '1', target], { stdio: 'ignore', timeout: 10_000 });
}

// ------------------------------------------------------------ FRR's JSON

/** One path of `show bgp l2vpn evpn route detail json`, as FRR 8.4 prints it. */
export interface FrrPath {
  VNI?: string;
  esi?: string;
  aspath?: { string: string; segments: unknown[] };
  extendedCommunity?: { string: string };
  pmsi?: { tunnelType: string; label: number };
  nexthops?: { ip: string }[];
  originatorId?: string;
  clusterList?: { list: string[] };
  bestpath?: { overall: boolean };
  peer?: { peerId: string; routerId: string };
}

export interface FrrRoute {
  rd: string;
  prefix: string;
  routeType: number;
  ethTag: number;
  mac?: string;
  ip?: string;
  ipLen?: number;
  paths: FrrPath[];
}

/** Flattens FRR's per-RD JSON (`show bgp l2vpn evpn [route detail] json`) to one entry per route. */
export function frrRoutes(json: Record<string, unknown>): FrrRoute[] {
  const out: FrrRoute[] = [];
  for (const [rd, v] of Object.entries(json)) {
    if (typeof v !== 'object' || v === null || !('rd' in v)) continue;
    for (const [prefix, r] of Object.entries(v as Record<string, unknown>)) {
      if (typeof r !== 'object' || r === null || !('paths' in r)) continue;
      const rr = r as FrrRoute & { paths: (FrrPath | FrrPath[])[] };
      // The detail view nests each path in a one-element array.
      const paths = rr.paths.map((p) => (Array.isArray(p) ? p[0]! : p));
      const first = paths[0] as Record<string, unknown>;
      out.push({
        rd,
        prefix,
        routeType: rr.routeType ?? Number(first.routeType),
        ethTag: rr.ethTag ?? Number(first.ethTag),
        ...(rr.mac ?? first.mac ? { mac: (rr.mac ?? first.mac) as string } : {}),
        ...(rr.ip ?? first.ip ? { ip: (rr.ip ?? first.ip) as string } : {}),
        ...(rr.ipLen ?? first.ipLen ? { ipLen: Number(rr.ipLen ?? first.ipLen) } : {}),
        paths,
      });
    }
  }
  return out;
}

/** FRR's extended community text ("ET:8 RT:65010:100 Rmac:aa:...") split by kind. */
export function frrCommunities(s: string | undefined): { rts: string[]; encap: number[]; rmac?: string; mobility?: number; sticky?: boolean } {
  const out: { rts: string[]; encap: number[]; rmac?: string; mobility?: number; sticky?: boolean } = { rts: [], encap: [] };
  for (const t of (s ?? '').split(/\s+/).filter(Boolean)) {
    if (t.startsWith('RT:')) out.rts.push(t.slice(3));
    else if (t.startsWith('ET:')) out.encap.push(Number(t.slice(3)));
    else if (t.startsWith('Rmac:')) out.rmac = t.slice(5);
    else if (t.startsWith('MM:')) {
      out.mobility = Number(t.slice(3).split(',')[0]);
      if (t.includes('sticky')) out.sticky = true;
    }
  }
  return out;
}

const ZERO_ESI = '00:00:00:00:00:00:00:00:00:00';
const PMSI_TYPES: Record<string, number> = { 'Ingress Replication': 6 };

/**
 * What a route should look like in `evpn-vtep show routes --json` given
 * FRR's view of it (one path of `show bgp l2vpn evpn route detail json`):
 * every field FRR prints, in our row's spelling.
 */
export function expectedRow(r: FrrRoute, p: FrrPath): Partial<RouteRow> {
  const ec = frrCommunities(p.extendedCommunity?.string);
  const vnis = (p.VNI ?? '').split('/').filter(Boolean).map(Number);
  const row: Partial<RouteRow> = {
    type: r.routeType,
    rd: r.rd,
    prefix: r.prefix,
    ethTag: r.ethTag,
    nextHop: p.nexthops?.[0]?.ip ?? null,
    routeTargets: ec.rts,
  };
  if (ec.encap.length) row.encapsulation = ec.encap;
  if (ec.rmac) row.routerMac = ec.rmac;
  if (ec.mobility !== undefined) row.mobilitySeq = ec.mobility;
  if (r.routeType === 2) {
    row.mac = r.mac!;
    if (r.ip) row.ip = r.ip;
    row.esi = p.esi ?? ZERO_ESI;
    row.label1 = vnis[0]!;
    // FRR 8.4 prints "L2VNI/L3VNI" for its own MAC-only routes too, but sends
    // them with one label and without the L3 RT and Router's MAC (RFC 9135
    // §5.1 wants label2 only with an IP): the NLRI's length octet says so.
    const ownMacOnly = r.ip === undefined && p.peer?.peerId === '0.0.0.0';
    if (vnis.length > 1 && !ownMacOnly) row.label2 = vnis[1]!;
  }
  if (r.routeType === 3) {
    row.originatorIp = r.ip!;
    if (p.pmsi) row.pmsi = { tunnelType: PMSI_TYPES[p.pmsi.tunnelType] ?? -1, label: p.pmsi.label, tunnelId: r.ip!, flags: 0 };
    if (p.pmsi) row.vni = p.pmsi.label;
  }
  if (r.routeType === 5) {
    row.ip = `${r.ip}/${r.ipLen}`;
    row.esi = p.esi ?? ZERO_ESI;
    row.vni = vnis[0]!;
  }
  return row;
}

/** The subset of `row` with the keys of `want`, for toEqual. */
export function pick<T extends object>(row: T, want: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(want) as (keyof T)[]) if (k in row) out[k] = row[k];
  return out;
}

/** Best-effort dump of a speaker's peers and log tail for failure messages. */
export function explainVtep(v: Vtep): string {
  let peers = '';
  try {
    peers = JSON.stringify(v.peers(), null, 1);
  } catch (e) {
    peers = String(e);
  }
  return `peers: ${peers}\nlog:\n${v.log().split('\n').slice(-60).join('\n')}`;
}

/** Configuration commands through vtysh (`configure terminal` first). */
export function vtyshConf(frr: FrrInstance, lines: string[]): string {
  const args = ['--vty_socket', frr.dir, '-c', 'configure terminal', ...lines.flatMap((l) => ['-c', l])];
  return execFileSync('vtysh', args, { encoding: 'utf8', timeout: 15_000 });
}
