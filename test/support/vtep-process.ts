import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerStatus } from '../../src/bgp/session';
import { request } from '../../src/control/client';
import type { ControlRequest, RouteRow } from '../../src/control/protocol';
import { waitFor } from './peers';
import { pollUntil } from '../../src/util/poll';

/**
 * TEST-ONLY: one `evpn-vtep bgp --config FILE` child process inside a
 * network namespace (`ip netns exec NS node --import tsx src/cli/main.ts`,
 * so the child's PID is the speaker's own), with a generated YAML config,
 * its control socket and log in a temp dir. State is read through the
 * control socket: `showCli()` runs the real `evpn-vtep show … --json`
 * command; `peers()`/`routes()` send the same request over the same socket
 * directly (the JSON `show --json` prints is exactly the response's list),
 * which keeps polling loops fast on a 2-core machine.
 */

export const REPO = path.resolve(__dirname, '../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
const NODE_TS = [process.execPath, '--import', 'tsx'];

export interface VtepNeighbor {
  address: string;
  remoteAs: number;
  passive?: boolean;
  holdTime?: number;
  keepalive?: number;
  localAddress?: string;
  addressFamilies?: ('l2vpn-evpn' | 'ipv4-unicast')[];
}

export interface VtepProcessOptions {
  routerId: string;
  as: number;
  neighbors: VtepNeighbor[];
  listenAddress?: string;
  logLevel?: 'debug' | 'info' | 'warn';
  /** Extra node flags for the speaker, e.g. ['--max-old-space-size=64'] to make a memory leak fatal. */
  nodeFlags?: string[];
}

/** Bounded async poll (see src/util/poll.ts). */
export function poll<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20000, everyMs = 50): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

export class VtepProcess {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'evpn-rz-'));
  readonly socket = path.join(this.dir, 'ctl.sock');
  readonly configFile = path.join(this.dir, 'bgp.yaml');
  readonly logFile = path.join(this.dir, 'vtep.log');
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Exit code / signal once the process ended (a crash is a finding). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly ns: string,
    readonly o: VtepProcessOptions,
  ) {}

  config(): string {
    const lines = [
      `router-id: ${this.o.routerId}`,
      `as: ${this.o.as}`,
      `listen: { address: "${this.o.listenAddress ?? '0.0.0.0'}", port: 179 }`,
      `control-socket: ${this.socket}`,
      `log: { level: ${this.o.logLevel ?? 'info'} }`,
      'neighbors:',
    ];
    for (const n of this.o.neighbors) {
      lines.push(`  - address: ${n.address}`, `    remote-as: ${n.remoteAs}`);
      if (n.passive) lines.push('    passive: true');
      if (n.holdTime !== undefined) lines.push(`    hold-time: ${n.holdTime}`);
      if (n.keepalive !== undefined) lines.push(`    keepalive: ${n.keepalive}`);
      if (n.localAddress) lines.push(`    local-address: ${n.localAddress}`);
      if (n.addressFamilies) lines.push(`    address-families: [${n.addressFamilies.join(', ')}]`);
    }
    return lines.join('\n') + '\n';
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== null && this.exit === null;
  }

  async start(): Promise<void> {
    writeFileSync(this.configFile, this.config());
    const fd = openSync(this.logFile, 'a');
    try {
      const child = spawn('ip', ['netns', 'exec', this.ns, NODE_TS[0]!, ...(this.o.nodeFlags ?? []), ...NODE_TS.slice(1), MAIN, 'bgp', '--config', this.configFile], {
        cwd: REPO,
        stdio: ['ignore', fd, fd],
      });
      this.child = child;
      this.exited = new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          this.exit = { code, signal };
          resolve();
        }),
      );
    } finally {
      closeSync(fd);
    }
    await waitFor(
      'evpn-vtep control socket',
      () => {
        if (!this.running) throw new Error(`evpn-vtep exited (${JSON.stringify(this.exit)})`);
        return existsSync(this.socket);
      },
      30_000,
      100,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${this.logTail()}`);
    });
    await poll('evpn-vtep to answer show peers', async () => (await this.peers()).length >= 0, 30_000);
  }

  private async ask(req: ControlRequest): Promise<PeerStatus[] | RouteRow[]> {
    if (!this.running) throw new Error(`evpn-vtep is not running (${JSON.stringify(this.exit)})\n${this.logTail()}`);
    const res = await request(this.socket, req, 5000);
    if (!res.ok) throw new Error(`control: ${res.error}`);
    if ('peers' in res) return res.peers;
    if ('routes' in res) return res.routes;
    throw new Error('control: unexpected answer');
  }

  peers(): Promise<PeerStatus[]> {
    return this.ask({ cmd: 'show', what: 'peers' }) as Promise<PeerStatus[]>;
  }

  async peer(address: string): Promise<PeerStatus> {
    const p = (await this.peers()).find((x) => x.address === address);
    if (!p) throw new Error(`no neighbor ${address} in show peers`);
    return p;
  }

  routes(filter: { type?: number; vni?: number } = {}): Promise<RouteRow[]> {
    return this.ask({ cmd: 'show', what: 'routes', filters: filter }) as Promise<RouteRow[]>;
  }

  /** `evpn-vtep show ARGS --json --socket S` as an operator runs it, parsed. */
  showCli<T>(args: string[]): T {
    const out = execFileSync(NODE_TS[0]!, [...NODE_TS.slice(1), MAIN, 'show', ...args, '--json', '--socket', this.socket], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 30_000,
    });
    return JSON.parse(out) as T;
  }

  /** Resident set size of the speaker process, in KiB (from /proc). */
  rssKiB(): number {
    const s = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(s);
    return m ? Number(m[1]) : 0;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  logTail(n = 40): string {
    return this.log().split('\n').slice(-n).join('\n');
  }

  /** Log lines that report an internal error (a bug, even when the process survived). */
  internalErrors(): string[] {
    return this.log()
      .split('\n')
      .filter((l) => /internal error|uncaught|TypeError|RangeError|ReferenceError/.test(l));
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return;
    c.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done && this.running) c.kill('SIGKILL');
    await Promise.race([this.exited, sleep(2000)]);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      if (this.running) this.child!.kill('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
