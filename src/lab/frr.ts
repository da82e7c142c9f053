import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * FRR (zebra + bgpd) inside a network namespace, without systemd
 * (../shared/design/REAL-PEERS.md): one directory per instance holds the
 * configs, pid files, the zebra API socket and the vty sockets, owned by
 * user `frr` (the daemons drop to it). The directory lives in the system
 * temp dir because the lab's own directory may not be traversable by `frr`.
 */

export const FRR_BIN = '/usr/lib/frr';

export function hasFrr(): boolean {
  return existsSync(path.join(FRR_BIN, 'bgpd')) && existsSync(path.join(FRR_BIN, 'zebra'));
}

export class FrrNode {
  constructor(
    readonly ns: string,
    readonly dir: string,
  ) {}

  static create(ns: string): FrrNode {
    return new FrrNode(ns, mkdtempSync(path.join(tmpdir(), 'evpn-lab-frr-')));
  }

  /** Starts zebra, waits for its API socket, then bgpd; returns the daemons' PIDs (from their pid files). */
  async start(bgpdConf: string, zebraConf = 'hostname zebra\n'): Promise<number[]> {
    const d = this.dir;
    writeFileSync(path.join(d, 'zebra.conf'), zebraConf);
    writeFileSync(path.join(d, 'bgpd.conf'), bgpdConf);
    chmodSync(d, 0o755);
    execFileSync('chown', ['-R', 'frr:frr', d]);
    const common = ['-z', `${d}/zserv.api`, '--vty_socket', d];
    execFileSync('ip', ['netns', 'exec', this.ns, `${FRR_BIN}/zebra`, '-d', '-f', `${d}/zebra.conf`, '-i', `${d}/zebra.pid`, ...common, '--log', `file:${d}/zebra.log`], { timeout: 15_000, stdio: 'ignore' });
    await until(() => existsSync(`${d}/zserv.api`), 10_000, 'zebra API socket');
    execFileSync('ip', ['netns', 'exec', this.ns, `${FRR_BIN}/bgpd`, '-d', '-f', `${d}/bgpd.conf`, '-i', `${d}/bgpd.pid`, ...common, '--log', `file:${d}/bgpd.log`], { timeout: 15_000, stdio: 'ignore' });
    await until(() => existsSync(`${d}/bgpd.vty`) && existsSync(`${d}/bgpd.pid`), 10_000, 'bgpd vty socket');
    return this.pids();
  }

  pids(): number[] {
    return ['zebra.pid', 'bgpd.pid']
      .map((f) => path.join(this.dir, f))
      .filter((f) => existsSync(f))
      .map((f) => Number(readFileSync(f, 'utf8').trim()))
      .filter((p) => Number.isInteger(p) && p > 1);
  }

  vtysh(cmd: string, timeoutMs = 15_000): string {
    return execFileSync('vtysh', ['--vty_socket', this.dir, '-c', cmd], { encoding: 'utf8', timeout: timeoutMs });
  }

  vtyshJson<T>(cmd: string): T {
    return JSON.parse(this.vtysh(cmd) || '{}') as T;
  }

  log(daemon: 'bgpd' | 'zebra'): string {
    const f = path.join(this.dir, `${daemon}.log`);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Kills the daemons by their own PIDs (never by name) and removes the directory. Never throws. */
  destroy(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`FRR: timed out waiting for ${what}`);
}

/** One row of a VTEP's MAC table, the same shape for evpn-vtep and FRR. */
export interface MacRow {
  vni: number;
  mac: string;
  type: 'local' | 'remote';
  /** The remote VTEP's address (remote entries). */
  vtep?: string;
  /** The MAC Mobility sequence number this VTEP holds for the MAC. */
  seq: number;
}

interface FrrMacJson {
  type?: string;
  remoteVtep?: string;
  localSequence?: number;
  remoteSequence?: number;
}

/** FRR's `show evpn mac vni all json` as MacRows. */
export function frrMacRows(j: Record<string, { macs?: Record<string, FrrMacJson> }>): MacRow[] {
  const rows: MacRow[] = [];
  for (const [vni, v] of Object.entries(j)) {
    for (const [mac, m] of Object.entries(v.macs ?? {})) {
      const local = m.type === 'local';
      rows.push({
        vni: Number(vni),
        mac: mac.toLowerCase(),
        type: local ? 'local' : 'remote',
        ...(m.remoteVtep ? { vtep: m.remoteVtep } : {}),
        seq: (local ? m.localSequence : m.remoteSequence) ?? 0,
      });
    }
  }
  return rows;
}

/** FRR's `show evpn vni json`: the remote VTEPs of each VNI. */
export function frrRemoteVteps(j: Record<string, { remoteVteps?: (string | { ip: string })[]; numRemoteVteps?: number | string }>): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const [vni, v] of Object.entries(j)) {
    m.set(Number(vni), (v.remoteVteps ?? []).map((r) => (typeof r === 'string' ? r : r.ip)));
  }
  return m;
}
