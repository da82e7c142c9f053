/**
 * Two VTEPs on the portable data plane (libpcap access ports, UDP socket
 * underlay), each in its own namespace with a host namespace behind it:
 *
 *   h1 (10.100.0.1) --- [VTEP A 10.97.0.1] === underlay === [VTEP B 10.97.0.2] --- h2 (10.100.0.2)
 *
 * Tables are static (VNI 100, the peer in the flood list, the other host's
 * MAC remote). A knows h2's IP -> MAC, so h1's ARP request is answered by A
 * and never crosses; h2 has to ARP for h1 across the tunnel. The hosts ping
 * each other both ways. Every address lives in a namespace made here.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CounterSet } from '../../../src/dataplane/counters';
import { portableUnavailableReason } from '../../../src/dataplane/portable/io';
import { rootSkipReason } from '../../support/root';
import type { PortableRunnerConfig } from './runner';

const ROOT = path.resolve(__dirname, '../../..');
const RUNNER = path.join(__dirname, 'runner.ts');

const skip = rootSkipReason() ?? portableUnavailableReason();
if (skip) console.warn(`[skip] portable data plane namespaces: ${skip}`);

const id = randomBytes(2).toString('hex');
const name = (role: string): string => `pt${id}${role}`; // pt + 4 hex + role <= 15
const NS = { a: name('va'), b: name('vb'), h1: name('h1'), h2: name('h2') };
const H1 = { ip: '10.100.0.1', mac: '02:cc:00:00:00:01' };
const H2 = { ip: '10.100.0.2', mac: '02:cc:00:00:00:02' };
const A = { ip: '10.97.0.1' };
const B = { ip: '10.97.0.2' };

function sh(ns: string, argv: string[], timeoutMs = 15_000): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${ns}: ${argv.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

/** A veth pair made inside namespace `a` with its peer moved to `b`: nothing touches the root namespace. */
function veth(a: string, aName: string, b: string, bName: string): void {
  sh(a, ['ip', 'link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b]);
  sh(a, ['ip', 'link', 'set', aName, 'up']);
  sh(b, ['ip', 'link', 'set', bName, 'up']);
}

class Vtep {
  private readonly waiting: ((v: Record<string, unknown>) => void)[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: proc.stdout }).on('line', (line) => this.waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  static async start(ns: string, cfg: PortableRunnerConfig): Promise<Vtep> {
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', RUNNER, JSON.stringify(cfg)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const v = new Vtep(proc);
    const first = await Promise.race([
      v.next(),
      v.exited.then((code) => ({ exit: code })),
      new Promise<Record<string, unknown>>((r) => setTimeout(() => r({ timeout: true }), 20_000)),
    ]);
    if (!('ready' in first)) {
      v.stop();
      throw new Error(`portable VTEP in ${ns} did not start (${JSON.stringify(first)}): ${v.stderr}`);
    }
    expect((first.ready as { rejects: unknown[] }).rejects).toEqual([]);
    return v;
  }

  next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async counters(): Promise<{ ports: Record<string, CounterSet>; underlay: CounterSet; vnis: Record<string, CounterSet> }> {
    const r = this.next();
    this.proc.stdin.write('counters\n');
    return (await r).counters as { ports: Record<string, CounterSet>; underlay: CounterSet; vnis: Record<string, CounterSet> };
  }

  stop(): void {
    if (this.proc.exitCode === null && this.proc.pid !== undefined) this.proc.kill('SIGTERM');
  }
}

function vtepConfig(self: { ip: string }, peer: { ip: string }, remoteHost: { mac: string }, arp: { ip: string; mac: string }[]): PortableRunnerConfig {
  return {
    maxPorts: 4,
    maxVnis: 16,
    maxVteps: 16,
    maxMacs: 1024,
    maxArp: 1024,
    underlay: { localIp: self.ip },
    ports: [{ index: 0, ifname: 'acc0' }],
    ops: [
      { op: 'vniAdd', vni: 100 },
      { op: 'portAdd', port: 0, vni: 100 },
      { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
      { op: 'floodAdd', vni: 100, vtepIdx: 0 },
      { op: 'remoteMacAdd', vni: 100, mac: remoteHost.mac, vtepIdx: 0 },
      ...arp.map((b) => ({ op: 'arpAdd' as const, vni: 100, ip: b.ip, mac: b.mac })),
    ],
  };
}

describe.skipIf(skip !== null)('portable data plane in namespaces', () => {
  const made: string[] = [];
  const vteps: Vtep[] = [];

  beforeAll(async () => {
    for (const ns of Object.values(NS)) {
      spawnSync('ip', ['netns', 'add', ns]);
      made.push(ns);
      sh(ns, ['ip', 'link', 'set', 'lo', 'up']);
    }
    veth(NS.a, 'und0', NS.b, 'und0');
    sh(NS.a, ['ip', 'addr', 'add', `${A.ip}/24`, 'dev', 'und0']);
    sh(NS.b, ['ip', 'addr', 'add', `${B.ip}/24`, 'dev', 'und0']);
    for (const [host, vtep, h] of [
      [NS.h1, NS.a, H1],
      [NS.h2, NS.b, H2],
    ] as const) {
      veth(host, 'eth0', vtep, 'acc0');
      sh(host, ['ip', 'link', 'set', 'eth0', 'address', h.mac]);
      sh(host, ['ip', 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      // libpcap sees frames without a virtio-net header: the hosts must not
      // hand out partial checksums or GSO super-frames (see io.ts).
      spawnSync('ip', ['netns', 'exec', host, 'ethtool', '-K', 'eth0', 'tx', 'off', 'tso', 'off', 'gso', 'off'], { stdio: 'ignore' });
    }
    vteps.push(await Vtep.start(NS.a, vtepConfig(A, B, H2, [H2])));
    vteps.push(await Vtep.start(NS.b, vtepConfig(B, A, H1, [])));
  }, 60_000);

  afterAll(async () => {
    for (const v of vteps) v.stop();
    await Promise.race([Promise.all(vteps.map((v) => v.exited)), new Promise((r) => setTimeout(r, 3000))]);
    for (const v of vteps) if (v.proc.exitCode === null) v.proc.kill('SIGKILL');
    for (const ns of made) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('hosts behind the two VTEPs ping each other, both ways', async () => {
    const one = sh(NS.h1, ['ping', '-c', '3', '-W', '1', '-i', '0.2', H2.ip], 20_000);
    expect(one).toMatch(/3 received/);
    const two = sh(NS.h2, ['ping', '-c', '3', '-W', '1', '-i', '0.2', H1.ip], 20_000);
    expect(two).toMatch(/3 received/);
    const [a, b] = await Promise.all(vteps.map((v) => v.counters()));
    // h1's ARP for h2 was answered by A (its table knows h2), not flooded.
    expect(a!.ports['0']!.arp_suppressed).toBeGreaterThanOrEqual(1);
    // Six echo requests/replies each way at least crossed the tunnel.
    expect(a!.underlay.tx_packets).toBeGreaterThanOrEqual(6);
    expect(b!.underlay.tx_packets).toBeGreaterThanOrEqual(6);
    expect(a!.underlay.drop_unknown_vtep + b!.underlay.drop_unknown_vtep).toBe(0);
    // The "inbound" filter keeps the VTEPs' own transmissions out: re-read,
    // they would move the remote host's MAC onto the access port.
    for (const c of [a!, b!]) {
      expect(c.ports['0']!.macs_moved).toBe(0);
      expect(c.ports['0']!.rx_packets).toBeLessThanOrEqual(14);
    }
  }, 40_000);
});
