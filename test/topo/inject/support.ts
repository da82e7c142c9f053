import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ipNs, Topology } from '../../support/netns';

/**
 * TEST-ONLY helpers for the injection / MRT / metrics labs: namespaces with
 * the `mt` prefix joined by veth pairs created directly inside them, and
 * `evpn-vtep inject` run as a real process in a namespace. Nothing gets an
 * address outside the lab's namespaces.
 */

export const REPO = path.resolve(__dirname, '../../..');
export const MAIN = path.join(REPO, 'src/cli/main.ts');
export const NODE_TS = [process.execPath, '--import', 'tsx'];

export class MtLab {
  readonly topo = new Topology('mt');
  private readonly base = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}.`;
  private links = 0;

  ns(role: string): string {
    return this.topo.addNs(role);
  }

  /** A veth pair between two namespaces with a /30; returns [address in a, address in b]. */
  link(a: string, b: string, role: string): [string, string] {
    const k = this.links++;
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

  destroy(): void {
    this.topo.destroy();
  }
}

export interface InjectEvent {
  event: string;
  [k: string]: unknown;
}

/** `evpn-vtep inject ... --json` in a namespace; its JSON events are collected. */
export class Injector {
  readonly child: ChildProcess;
  readonly events: InjectEvent[] = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(ns: string, args: string[]) {
    this.child = spawn('ip', ['netns', 'exec', ns, ...NODE_TS, MAIN, 'inject', '--json', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as InjectEvent);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  event(name: string): InjectEvent | undefined {
    return this.events.find((e) => e.event === name);
  }

  /** SIGTERM (a clean Cease), then SIGKILL after 5 s. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(5000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      this.child.kill('SIGKILL');
      return null;
    }
    return code;
  }
}
