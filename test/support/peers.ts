import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pollUntil } from '../../src/util/poll';

/** Bounded async poll (see src/util/poll.ts). */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20000, everyMs = 100): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

function frrUid(): { uid: number; gid: number } {
  const out = execFileSync('id', ['frr'], { encoding: 'utf8' });
  return { uid: Number(/uid=(\d+)/.exec(out)![1]), gid: Number(/gid=(\d+)/.exec(out)![1]) };
}

/**
 * An FRR instance (zebra + bgpd) inside a namespace, without systemd
 * (../shared/design/REAL-PEERS.md): its own directory for config, pid files and sockets.
 */
export class FrrInstance {
  readonly dir: string;
  constructor(
    readonly ns: string,
    readonly bgpdConf: string,
    readonly zebraConf = 'hostname zebra\n',
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'evpn-frr-'));
  }

  async start(): Promise<void> {
    const { uid, gid } = frrUid();
    writeFileSync(path.join(this.dir, 'zebra.conf'), this.zebraConf);
    writeFileSync(path.join(this.dir, 'bgpd.conf'), this.bgpdConf);
    execFileSync('chown', ['-R', `${uid}:${gid}`, this.dir]);
    chownSync(this.dir, uid, gid);
    const d = this.dir;
    execFileSync('ip', ['netns', 'exec', this.ns, '/usr/lib/frr/zebra', '-d', '-f', `${d}/zebra.conf`, '-i', `${d}/zebra.pid`,
      '-z', `${d}/zserv.api`, '--vty_socket', d, '--log', `file:${d}/zebra.log`]);
    await waitFor('zebra socket', () => existsSync(`${d}/zserv.api`), 10_000);
    execFileSync('ip', ['netns', 'exec', this.ns, '/usr/lib/frr/bgpd', '-d', '-f', `${d}/bgpd.conf`, '-i', `${d}/bgpd.pid`,
      '-z', `${d}/zserv.api`, '--vty_socket', d, '--log', `file:${d}/bgpd.log`]);
    await waitFor('bgpd vty', () => existsSync(`${d}/bgpd.vty`), 10_000);
  }

  vtysh(cmd: string): string {
    return execFileSync('vtysh', ['--vty_socket', this.dir, '-c', cmd], { encoding: 'utf8', timeout: 15_000 });
  }

  vtyshJson<T = unknown>(cmd: string): T {
    return JSON.parse(this.vtysh(cmd)) as T;
  }

  /** Stops the daemons by the PIDs in their pid files, never by name. */
  stop(): void {
    for (const f of ['bgpd.pid', 'zebra.pid']) {
      const p = path.join(this.dir, f);
      if (!existsSync(p)) continue;
      const pid = Number(readFileSync(p, 'utf8').trim());
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // Stale sockets would make a later start() think the new daemons are up already.
    for (const f of ['zserv.api', 'zebra.vty', 'bgpd.vty', 'bgpd.pid', 'zebra.pid']) rmSync(path.join(this.dir, f), { force: true });
  }

  destroy(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** gobgpd in a namespace with its gRPC API on the namespace's loopback. */
export class GobgpInstance {
  readonly dir: string;
  private pid = 0;
  constructor(
    readonly ns: string,
    readonly toml: string,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'evpn-gobgp-'));
  }

  async start(): Promise<void> {
    const conf = path.join(this.dir, 'gobgpd.toml');
    writeFileSync(conf, this.toml);
    const child = spawn('ip', ['netns', 'exec', this.ns, 'gobgpd', '-f', conf, '--api-hosts', '127.0.0.1:50051', '-l', 'info'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.unref();
    this.pid = child.pid ?? 0;
    await waitFor('gobgpd API', () => {
      this.gobgp(['global']);
      return true;
    }, 15_000, 200);
  }

  gobgp(args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.ns, 'gobgp', ...args], { encoding: 'utf8', timeout: 15_000 });
  }

  /** Sends a signal to gobgpd (SIGTERM makes it flush and close its MRT dump files). */
  signal(sig: NodeJS.Signals): void {
    if (this.pid > 1) {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  destroy(): void {
    // Only ever the daemon's own pid: a group kill with a bad pid could hit the test runner.
    if (this.pid > 1) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
