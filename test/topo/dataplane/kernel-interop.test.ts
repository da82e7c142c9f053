/**
 * Interop with the Linux kernel's VXLAN as the remote VTEP (root only):
 *
 *   hO ── O (evpn-vtep runner) ── underlay veth ── K (bridge + vxlan, dstport 4789) ── hK
 *
 * K is set up as REAL-PEERS.md describes (nolearning, a flood entry toward
 * O, a static FDB entry for hO); O has K as VTEP 0 in VNI 100's flood list
 * and hK's MAC behind it. ARP is not suppressed here: it floods through both
 * implementations. hO pings hK and hK pings hO; then TCP from hosts that keep
 * their checksum/TSO offloads on crosses both ways (our side segments the GSO
 * super-frames in software).
 */
import { spawn } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { ipNs, run, Topology } from '../../support/netns';
import { hasCommand, rootSkipReason } from '../../support/root';
import { VtepProcess } from './support';

const VNI = 100;
const O_IP = '10.201.0.1';
const K_IP = '10.201.0.2';
const HO = { ip: '10.101.0.1', mac: '02:00:00:00:0b:01' };
const HK = { ip: '10.101.0.2', mac: '02:00:00:00:0b:02' };

const skip = rootSkipReason() ?? nativeUnavailableReason() ?? (hasCommand('iperf3') ? null : 'needs iperf3');
if (skip) console.warn(`[skip] kernel VXLAN interop: ${skip}`);

describe.skipIf(skip !== null)('interop with a kernel VXLAN VTEP', () => {
  const topo = new Topology('nx');
  let o = '';
  let k = '';
  let ho = '';
  let hk = '';
  let vtep: VtepProcess | undefined;

  beforeAll(async () => {
    o = topo.addNs('O');
    k = topo.addNs('K');
    ho = topo.addNs('hO');
    hk = topo.addNs('hK');
    const uo = topo.name('uO');
    const uk = topo.name('uK');
    topo.addVeth({ ns: o, name: uo }, { ns: k, name: uk });
    for (const [n, dev, addr] of [
      [o, uo, O_IP],
      [k, uk, K_IP],
    ] as const) {
      ipNs(n, ['link', 'set', dev, 'mtu', '1600']);
      ipNs(n, ['addr', 'add', `${addr}/24`, 'dev', dev]);
    }
    // A veth is a software wire: with tx-checksumming on, the kernel VTEP
    // hands it VXLAN packets whose inner TCP/UDP checksum is still partial
    // (for "hardware" to fill in), and a UDP socket receiving them cannot
    // tell. A real NIC computes it on the way out; `tx off` makes the kernel
    // do it in software, as the NIC would.
    run(k, ['ethtool', '-K', uk, 'tx', 'off']);
    const po = topo.name('pO');
    const pk = topo.name('pK');
    const eo = topo.name('eO');
    const ek = topo.name('eK');
    topo.addVeth({ ns: o, name: po }, { ns: ho, name: eo });
    topo.addVeth({ ns: k, name: pk }, { ns: hk, name: ek });
    for (const [n, dev, h] of [
      [ho, eo, HO],
      [hk, ek, HK],
    ] as const) {
      ipNs(n, ['link', 'set', dev, 'address', h.mac]);
      ipNs(n, ['addr', 'add', `${h.ip}/24`, 'dev', dev]);
      run(n, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    }
    // The kernel VTEP (REAL-PEERS.md): the default port would be 8472.
    ipNs(k, ['link', 'add', 'vx0', 'type', 'vxlan', 'id', String(VNI), 'local', K_IP, 'dstport', '4789', 'nolearning']);
    ipNs(k, ['link', 'set', 'vx0', 'mtu', '1500']);
    ipNs(k, ['link', 'add', 'br0', 'type', 'bridge']);
    for (const dev of ['vx0', pk]) ipNs(k, ['link', 'set', dev, 'master', 'br0']);
    for (const dev of ['vx0', 'br0']) ipNs(k, ['link', 'set', dev, 'up']);
    run(k, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', O_IP]);
    run(k, ['bridge', 'fdb', 'add', HO.mac, 'dev', 'vx0', 'dst', O_IP, 'self', 'permanent']);

    vtep = await VtepProcess.start(o, {
      underlay: { ifname: uo, localIp: O_IP },
      ports: [{ index: 0, ifname: po }],
      maxPorts: 4,
      maxVnis: 16,
      maxVteps: 16,
      maxMacs: 1024,
      maxArp: 1024,
      ops: [
        { op: 'vniAdd', vni: VNI },
        { op: 'portAdd', port: 0, vni: VNI },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: K_IP },
        { op: 'floodAdd', vni: VNI, vtepIdx: 0 },
        { op: 'remoteMacAdd', vni: VNI, mac: HK.mac, vtepIdx: 0 },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await vtep?.stop();
    topo.destroy();
  });

  it('a host behind us pings one behind the kernel VTEP', () => {
    expect(run(ho, ['ping', '-c', '5', '-i', '0.2', '-W', '1', HK.ip])).toMatch(/5 packets transmitted, 5 received/);
  });

  it('a host behind the kernel VTEP pings one behind us', () => {
    run(hk, ['ip', 'neigh', 'flush', 'all']);
    expect(run(hk, ['ping', '-c', '5', '-i', '0.2', '-W', '1', HO.ip])).toMatch(/5 packets transmitted, 5 received/);
  });

  it('carries TCP from hosts with offloads on, segmenting GSO frames in software', async () => {
    const server = spawn('ip', ['netns', 'exec', hk, 'iperf3', '-s', '-1', '-B', HK.ip], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const out = JSON.parse(
        run(ho, ['iperf3', '-c', HK.ip, '-t', '1', '-J'], { timeoutMs: 15_000 }),
      ) as { end: { sum_received: { bytes: number } } };
      expect(out.end.sum_received.bytes).toBeGreaterThan(1_000_000);
    } finally {
      server.kill();
    }
    const c = await vtep!.counters();
    expect(c.ports['0']!.rx_gso_frames).toBeGreaterThan(0);
    expect(c.ports['0']!.drop_gso_unsupported).toBe(0);
    expect(c.underlay.drop_rx_truncated).toBe(0);
  });
});
