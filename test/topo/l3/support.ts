import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../../../src/control/client';
import type { ControlRequest, ControlResponse } from '../../../src/control/protocol';
import { ipNs } from '../../support/netns';
import { pollUntil } from '../../../src/util/poll';

/**
 * TEST-ONLY pieces of the L3 (symmetric IRB) labs: namespaces of prefix
 * `ir`, veth pairs created straight inside them (nothing gets an address in
 * the test's own namespace), and `evpn-vtep run` as a real process.
 */

export const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
const NODE_TS = [process.execPath, '--import', 'tsx'];

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

/** One `evpn-vtep run --config FILE` in a namespace (`ip netns exec` execs node: the child's PID is the VTEP's). */
export class VtepRun {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ir-run-'));
  readonly socket = path.join(this.dir, 'ctl.sock');
  readonly configFile = path.join(this.dir, 'vtep.yaml');
  readonly logFile = path.join(this.dir, 'vtep.log');
  private child: ChildProcess | null = null;
  private exitCode: number | null | undefined = undefined;

  constructor(
    readonly ns: string,
    readonly yaml: string,
    /** Extra `evpn-vtep run` arguments (e.g. --dataplane portable). */
    readonly args: readonly string[] = [],
  ) {}

  async start(): Promise<void> {
    writeFileSync(this.configFile, this.yaml.replaceAll('@SOCKET@', this.socket));
    const fd = openSync(this.logFile, 'a');
    try {
      const c = spawn('ip', ['netns', 'exec', this.ns, ...NODE_TS, MAIN, 'run', '--config', this.configFile, ...this.args], { cwd: REPO, stdio: ['ignore', fd, fd] });
      this.child = c;
      c.once('exit', (code) => (this.exitCode = code));
    } finally {
      closeSync(fd);
    }
    await until('evpn-vtep run to answer on its control socket', async () => {
      if (this.exitCode !== undefined) throw new Error(`evpn-vtep run exited ${this.exitCode}:\n${this.log()}`);
      return (await request(this.socket, { cmd: 'show', what: 'peers' }, 2000)).ok;
    });
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === undefined;
  }

  async ask(req: ControlRequest): Promise<ControlResponse & { ok: true }> {
    const r = await request(this.socket, req, 5000);
    if (!r.ok) throw new Error(r.error);
    return r as ControlResponse & { ok: true };
  }

  /** `evpn-vtep show ARGS --json --socket S`, exactly as an operator runs it. */
  show<T>(args: string[]): T {
    const out = execFileSync(NODE_TS[0]!, [...NODE_TS.slice(1), MAIN, 'show', ...args, '--json', '--socket', this.socket], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    return JSON.parse(out) as T;
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || this.exitCode !== undefined) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    if (!(await Promise.race([gone.then(() => true), sleep(5000).then(() => false)]))) c.kill('SIGKILL');
    await Promise.race([gone, sleep(2000)]);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

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
