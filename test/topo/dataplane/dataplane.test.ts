/**
 * The native data plane on real namespaces (root only):
 *
 *   hA ── A ──┐                 three VTEP namespaces running vtep-runner.ts
 *   hB ── B ──┼── U (bridge)    (AF_PACKET access ports, UDP 4789 underlay),
 *   hC ── C ──┘                 one host namespace behind each, VNI 100
 *
 * hosts ping across; a broadcast reaches each remote VTEP (and host) exactly
 * once; ARP for a known IP is answered by the local VTEP and never crosses the
 * underlay (tshark on A's underlay); bad VXLAN is dropped and counted; an
 * ARP probe is answered by the host and reported as a probeReply event.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataplaneOp } from '../../../src/dataplane/ops';
import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { ipNs, run, Topology } from '../../support/netns';
import { hasCommand, rootSkipReason } from '../../support/root';
import { RAWPKT, VtepProcess } from './support';

const VNI = 100;
const SITES = ['A', 'B', 'C'] as const;
type Site = (typeof SITES)[number];
const n = (s: Site): number => SITES.indexOf(s) + 1;
const vtepIp = (s: Site): string => `10.200.0.${n(s)}`;
const hostIp = (s: Site): string => `10.100.0.${n(s)}`;
const hostMac = (s: Site): string => `02:00:00:00:0a:0${n(s)}`;
const PROBE_MAC = '02:00:00:00:ff:01';

const skip = rootSkipReason() ?? nativeUnavailableReason() ?? (hasCommand('tshark') ? null : 'needs tshark');
if (skip) console.warn(`[skip] dataplane topology: ${skip}`);

function opsFor(self: Site): DataplaneOp[] {
  const ops: DataplaneOp[] = [
    { op: 'vniAdd', vni: VNI },
    { op: 'portAdd', port: 0, vni: VNI },
  ];
  let idx = 0;
  for (const s of SITES) {
    if (s === self) continue;
    ops.push({ op: 'remoteVtepAdd', vtepIdx: idx, ip: vtepIp(s) });
    ops.push({ op: 'floodAdd', vni: VNI, vtepIdx: idx });
    ops.push({ op: 'remoteMacAdd', vni: VNI, mac: hostMac(s), vtepIdx: idx });
    ops.push({ op: 'arpAdd', vni: VNI, ip: hostIp(s), mac: hostMac(s) });
    idx++;
  }
  return ops;
}

describe.skipIf(skip !== null)('native data plane on namespaces', () => {
  const topo = new Topology('nx');
  const ns = {} as Record<Site, string>;
  const host = {} as Record<Site, string>;
  const uplink = {} as Record<Site, string>;
  const hostIf = {} as Record<Site, string>;
  const vteps = {} as Record<Site, VtepProcess>;
  let tmp = '';
  let underlayNs = '';

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nx-dp-'));
    const u = topo.addNs('U');
    underlayNs = u;
    ipNs(u, ['link', 'add', 'br0', 'type', 'bridge']);
    ipNs(u, ['link', 'set', 'br0', 'up']);
    for (const s of SITES) {
      ns[s] = topo.addNs(s);
      host[s] = topo.addNs(`h${s}`);
      uplink[s] = topo.name(`u${s}`);
      const uPeer = topo.name(`U${s}`);
      topo.addVeth({ ns: ns[s], name: uplink[s] }, { ns: u, name: uPeer });
      ipNs(u, ['link', 'set', uPeer, 'master', 'br0']);
      // Underlay MTU above 1500 + 50 so full-size inner frames fit (RFC 7348 §4.3).
      for (const [where, dev] of [[ns[s], uplink[s]], [u, uPeer]] as const) ipNs(where, ['link', 'set', dev, 'mtu', '1600']);
      ipNs(ns[s], ['addr', 'add', `${vtepIp(s)}/24`, 'dev', uplink[s]]);
      run(ns[s], ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      const port = topo.name(`p${s}`);
      hostIf[s] = topo.name(`e${s}`);
      topo.addVeth({ ns: ns[s], name: port }, { ns: host[s], name: hostIf[s] });
      ipNs(host[s], ['link', 'set', hostIf[s], 'address', hostMac(s)]);
      ipNs(host[s], ['addr', 'add', `${hostIp(s)}/24`, 'dev', hostIf[s]]);
      run(host[s], ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      run(host[s], ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1']);
    }
    for (const s of SITES) {
      vteps[s] = await VtepProcess.start(ns[s], {
        underlay: { ifname: uplink[s], localIp: vtepIp(s) },
        ports: [{ index: 0, ifname: topo.name(`p${s}`) }],
        maxPorts: 4,
        maxVnis: 16,
        maxVteps: 16,
        maxMacs: 1024,
        maxArp: 1024,
        probeMac: PROBE_MAC,
        ops: opsFor(s),
      });
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(Object.values(vteps).map((v) => v.stop()));
    topo.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('hosts ping each other across the overlay', () => {
    for (const [from, to] of [
      ['A', 'B'],
      ['B', 'C'],
      ['C', 'A'],
    ] as const) {
      const out = run(host[from], ['ping', '-c', '5', '-i', '0.2', '-W', '1', hostIp(to)]);
      expect(out, `${from} -> ${to}`).toMatch(/5 packets transmitted, 5 received/);
    }
  });

  it('a broadcast reaches every remote VTEP and host exactly once', async () => {
    const count = 20;
    const before = await Promise.all(SITES.map((s) => vteps[s].counters()));
    const listeners = (['B', 'C'] as const).map((s) => {
      const p = spawn('ip', ['netns', 'exec', host[s], 'python3', RAWPKT, 'count', hostIf[s], '0x88b5', '3']);
      let outp = '';
      p.stdout.on('data', (d: Buffer) => (outp += d.toString()));
      const listening = new Promise<void>((r) => p.stdout.once('data', () => r()));
      const done = new Promise<number>((r) => p.on('exit', () => r(Number(outp.trim().split('\n').pop()))));
      return { listening, done };
    });
    await Promise.all(listeners.map((l) => l.listening));
    run(host.A, ['python3', RAWPKT, 'send', hostIf.A, 'ff:ff:ff:ff:ff:ff', '0x88b5', String(count)]);
    const received = await Promise.all(listeners.map((l) => l.done));
    expect(received).toEqual([count, count]);
    const after = await Promise.all(SITES.map((s) => vteps[s].counters()));
    const d = (i: number, block: 'underlay', c: 'tx_packets' | 'rx_packets'): number =>
      after[i]![block][c] - before[i]![block][c];
    expect(after[0]!.vnis[VNI]!.flood_copies - before[0]!.vnis[VNI]!.flood_copies).toBe(2 * count);
    expect(d(0, 'underlay', 'tx_packets')).toBe(2 * count);
    expect(d(1, 'underlay', 'rx_packets')).toBe(count);
    expect(d(2, 'underlay', 'rx_packets')).toBe(count);
  });

  it('answers ARP for known IPs locally: no ARP on the underlay', async () => {
    const pcap = path.join(tmp, 'underlay.pcap');
    const before = await vteps.A.counters();
    // On the underlay bridge: a tap on the VTEP's own interface would miss
    // what it sends, since PACKET_QDISC_BYPASS skips the kernel's taps.
    const cap = spawn('ip', ['netns', 'exec', underlayNs, 'tshark', '-q', '-i', 'br0', '-a', 'duration:4', '-w', pcap], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let capErr = '';
    await new Promise<void>((resolve) =>
      cap.stderr.on('data', (d: Buffer) => {
        capErr += d.toString();
        if (capErr.includes('Capturing on')) resolve();
      }),
    );
    run(host.A, ['ip', 'neigh', 'flush', 'all']);
    run(host.B, ['ip', 'neigh', 'flush', 'all']);
    expect(run(host.A, ['ping', '-c', '2', '-i', '0.2', '-W', '1', hostIp('B')])).toMatch(/2 received/);
    await new Promise((r) => cap.on('exit', r));
    expect(capErr).not.toMatch(/error/i);
    const arp = execFileSync('tshark', ['-r', pcap, '-Y', 'arp', '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
    });
    const icmp = execFileSync('tshark', ['-r', pcap, '-Y', 'vxlan && icmp', '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
    });
    const summary = execFileSync('tshark', ['-r', pcap], { encoding: 'utf8' });
    expect(arp.trim(), summary).toBe('');
    expect(icmp.trim().split('\n').length, summary).toBeGreaterThanOrEqual(2);
    const after = await vteps.A.counters();
    expect(after.ports['0']!.arp_suppressed - before.ports['0']!.arp_suppressed).toBeGreaterThanOrEqual(1);
    // hA's own binding was reported as an event (it ARPed with its IP as sender).
    const evs = await vteps.A.events();
    expect(evs).toContainEqual(expect.objectContaining({ type: 'ipBinding', ip: hostIp('A'), mac: hostMac('A') }));
  });

  it('drops and counts bad VXLAN: unknown VNI, I flag clear, unknown source VTEP, truncated', async () => {
    const inner = `ffffffffffff${hostMac('B').replace(/:/g, '')}88b5${'00'.repeat(46)}`;
    const vx = (flags: number, vni: number): string =>
      `${flags.toString(16).padStart(2, '0')}000000${vni.toString(16).padStart(6, '0')}00${inner}`;
    run(ns.B, ['ip', 'addr', 'add', '10.200.0.99/24', 'dev', uplink.B]);
    const before = (await vteps.A.counters()).underlay;
    const send = (src: string, hex: string): string =>
      run(ns.B, ['python3', RAWPKT, 'vxlan', src, vtepIp('A'), '4789', hex, '3']);
    send(vtepIp('B'), vx(0x08, 999));
    send(vtepIp('B'), vx(0x00, VNI));
    send('10.200.0.99', vx(0x08, VNI));
    send(vtepIp('B'), '0800000000');
    // Datagrams cross a veth and a bridge: give the packet thread a moment.
    await new Promise((r) => setTimeout(r, 300));
    const after = (await vteps.A.counters()).underlay;
    const delta = (c: keyof typeof after): number => after[c] - before[c];
    expect(delta('drop_unknown_vni')).toBe(3);
    expect(delta('drop_vxlan_flags')).toBe(3);
    expect(delta('drop_unknown_vtep')).toBe(3);
    expect(delta('drop_truncated')).toBe(3);
    expect(delta('rx_packets')).toBe(12);
    expect(delta('tx_packets')).toBe(0);
  });

  it('sends an RFC 5227 probe and reports the answer as a probeReply event', async () => {
    await vteps.A.events();
    const r = await vteps.A.ops([{ op: 'arpProbe', port: 0, vni: VNI, ip: hostIp('A'), mac: hostMac('A') }]);
    expect(r).toEqual({ applied: 1, rejected: 0, rejects: [] });
    let evs: Awaited<ReturnType<VtepProcess['events']>> = [];
    for (let i = 0; i < 20 && !evs.some((e) => e.type === 'probeReply'); i++) {
      await new Promise((res) => setTimeout(res, 50));
      evs = evs.concat(await vteps.A.events());
    }
    expect(evs).toContainEqual({ type: 'probeReply', vni: VNI, port: 0, mac: hostMac('A'), ip: hostIp('A') });
    const c = await vteps.A.counters();
    expect(c.ports['0']!.probes_sent).toBe(1);
    expect(c.ports['0']!.probe_replies).toBe(1);
  });
});
