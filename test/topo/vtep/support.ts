import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '../../../src/control/client';
import type { ControlRequest, ControlResponse } from '../../../src/control/protocol';
import { hasFrr } from '../../../src/lab/frr';
import { Lab, type LabUpOptions } from '../../../src/lab/lab';
import type { LabHost } from '../../../src/lab/plan';
import { hasCommand, rootSkipReason } from '../../support/root';
import { pollUntil } from '../../../src/util/poll';

/**
 * Shared pieces of the VTEP end-to-end tests: fabrics are built with the
 * lab's own builder (src/lab/lab.ts) under this folder's name prefix `vx`,
 * each in its own temp dir, and always torn down.
 */

export const REPO = path.resolve(__dirname, '../../..');
export const PREFIX = 'vx';

/** Why these tests cannot run here (null: they can). Printed once so a skip is never silent. */
export function skipReason(needs: { frr?: boolean; gobgp?: boolean } = {}): string | null {
  const why = rootSkipReason() ?? (needs.frr && !hasFrr() ? 'needs FRR (apt-get install frr)' : null) ?? (needs.gobgp && !hasCommand('gobgpd') ? 'needs gobgpd' : null) ?? (!hasCommand('arping') ? 'needs arping' : null);
  return why;
}

export function canRun(suite: string, needs: { frr?: boolean; gobgp?: boolean } = {}): boolean {
  const why = skipReason(needs);
  if (why) console.warn(`[skip] ${suite}: ${why}`);
  return why === null;
}

/** Output of the lab builder, kept for a failure report. */
export class Transcript {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

export interface TestLab {
  lab: Lab;
  out: Transcript;
  destroy(): void;
}

/** Builds a fabric with the lab builder under prefix `vx`; fresh MACs per run (FRR remembers moves). */
export async function buildLab(o: Omit<LabUpOptions, 'out' | 'dir' | 'prefix'>): Promise<TestLab> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vx-vtep-'));
  const out = new Transcript();
  let lab: Lab;
  try {
    lab = await Lab.up({ macSalt: randomInt(1, 255), ...o, dir, out, prefix: PREFIX });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    lab,
    out,
    destroy: () => {
      lab.down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A gratuitous ARP from a host (arping -U), as a host does when its link comes up. */
export function garp(lab: Lab, h: LabHost, count = 1): void {
  lab.exec(h.ns, ['arping', '-U', '-c', String(count), '-w', '1', '-i', h.ifname, '-S', h.ip, h.ip], 5000);
}

export function ping(lab: Lab, from: LabHost, to: LabHost, count = 3): { ok: boolean; out: string } {
  return lab.exec(from.ns, ['ping', '-c', String(count), '-i', '0.2', '-W', '1', to.ip], 15_000);
}

/** Pings until one succeeds (bounded): traffic resumed. */
export async function pingUntil(lab: Lab, from: LabHost, to: LabHost, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  const end = t0 + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    const r = lab.exec(from.ns, ['ping', '-c', '1', '-W', '1', to.ip], 5000);
    if (r.ok) return Date.now() - t0;
    last = r.out;
    await sleep(100);
  }
  throw new Error(`${from.ip} cannot reach ${to.ip} after ${timeoutMs} ms:\n${last}`);
}

/** Bounded async poll (see src/util/poll.ts). */
export function until<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20000, everyMs = 100): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

/** `evpn-vtep show ARGS --json --socket S` exactly as an operator runs it. */
export function showCli<T>(socket: string, args: string[]): T {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'show', ...args, '--json', '--socket', socket], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out) as T;
}

/** No namespace or link with our prefix survives a suite (the prefix is ours alone). */
export function leftovers(id: string): string[] {
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return ns.split('\n').filter((l) => l.startsWith(`${PREFIX}${id}`));
}

/**
 * TEST-ONLY: one `evpn-vtep run --config FILE` child inside a namespace
 * (`ip netns exec` execs node, so the child's PID is the VTEP's own), its
 * config, control socket and log in a temp dir.
 */
export class RunProcess {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'vx-run-'));
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
      const c = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'run', '--config', this.configFile, ...this.args], { cwd: REPO, stdio: ['ignore', fd, fd] });
      this.child = c;
      this.exitCode = undefined;
      c.once('exit', (code) => (this.exitCode = code));
    } finally {
      closeSync(fd);
    }
    await until('evpn-vtep run to answer on its control socket', async () => {
      if (this.exitCode !== undefined) throw new Error(`evpn-vtep run exited ${this.exitCode}:\n${this.log()}`);
      const r = await request(this.socket, { cmd: 'show', what: 'peers' }, 2000);
      return r.ok;
    }, 30_000);
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === undefined;
  }

  async ask(req: ControlRequest): Promise<ControlResponse & { ok: true }> {
    const r = await request(this.socket, req, 5000);
    if (!r.ok) throw new Error(r.error);
    return r as ControlResponse & { ok: true };
  }

  async view(what: 'macs' | 'arp' | 'vteps' | 'vnis' | 'counters'): Promise<Record<string, string | number | boolean | null>[]> {
    const r = await this.ask({ cmd: 'show', what });
    return 'rows' in r ? r.rows : [];
  }

  /** `evpn-vtep show ARGS --json --socket S`, exactly as an operator runs it. */
  show<T>(args: string[]): T {
    return showCli<T>(this.socket, args);
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
