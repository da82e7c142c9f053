import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipNs } from '../../support/netns';
import { FrrInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { NsScript } from '../bgp/support';
import { tcpOptionsUnavailable } from '../../../src/bgp/tcp-options';
import { Capture, SecLab, SecVtep } from './support';

/**
 * Transport security against FRR 8.4 (bgpd + zebra), every party in its own
 * namespace, evpn-vtep as the real `evpn-vtep bgp` process:
 *
 *   V (evpn-vtep, AS 65001) ──md5ok── F (FRR, AS 65010)     password k1 both sides: up
 *                           ──md5bad─ F                     k2 here, "wrong" at FRR: stays down
 *                           ──gtsm─── F                     ttl-security hops 1 both: up
 *                           ── R ──── F (loopbacks)         hops 2 both, two hops away: up
 *                                                           hops 1 here, ebgp-multihop at FRR: refused
 *
 * The SYNs on the md5 links carry the TCP MD5 option (kind 19, RFC 2385 §3.0)
 * in a tshark capture; a connection from an address that is not a neighbor
 * (R's) is refused and logged.
 */

const skip =
  rootSkipReason() ??
  (hasCommand('vtysh') && hasCommand('/usr/lib/frr/bgpd') ? null : 'needs FRR') ??
  (hasCommand('tshark') ? null : 'needs tshark') ??
  tcpOptionsUnavailable();
if (skip) console.warn(`[skip] TCP MD5 / GTSM interop: ${skip}`);

const V_AS = 65001;
const F_AS = 65010;

interface Summary {
  peers?: Record<string, { state: string }>;
}

describe.skipIf(skip !== null)('TCP MD5 (RFC 2385) and GTSM (RFC 5082) with FRR', () => {
  let lab: SecLab;
  let frr: FrrInstance;
  let v: SecVtep;
  let cap: Capture;
  const dir = mkdtempSync(path.join(tmpdir(), 'sx-cap-'));
  let vNs: string, rNs: string;
  // [FRR side, our side] per link.
  let md5ok: [string, string], md5bad: [string, string], gtsm: [string, string];
  let fLo2: string, fLo1b: string, vLo2: string, vLo1b: string, rAddr: string, vToRAddr: string;

  const frrState = (addr: string): string | undefined => frr.vtyshJson<Summary>('show bgp l2vpn evpn summary json').peers?.[addr]?.state;
  const ours = (addr: string): string | undefined => v.peer(addr)?.state;

  beforeAll(async () => {
    lab = new SecLab();
    try {
      vNs = lab.ns('v');
      const fNs = lab.ns('f');
      rNs = lab.ns('r');
      const l1 = lab.link(fNs, vNs, 'm1');
      md5ok = [l1[0], l1[1]];
      const l2 = lab.link(fNs, vNs, 'm2');
      md5bad = [l2[0], l2[1]];
      const l3 = lab.link(fNs, vNs, 'g1');
      gtsm = [l3[0], l3[1]];
      // Two hops: V - R - F, loopbacks on V and F routed through R.
      const [rToV, vToR] = lab.link(rNs, vNs, 'rv');
      const [rToF, fToR] = lab.link(rNs, fNs, 'rf');
      rAddr = rToV;
      vToRAddr = vToR;
      execFileNs(rNs, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      fLo2 = lab.loopback(fNs, 0);
      fLo1b = lab.loopback(fNs, 1);
      vLo2 = lab.loopback(vNs, 2);
      vLo1b = lab.loopback(vNs, 3);
      for (const a of [fLo2, fLo1b]) {
        ipNs(vNs, ['route', 'add', `${a}/32`, 'via', rToV]);
        ipNs(rNs, ['route', 'add', `${a}/32`, 'via', fToR]);
      }
      for (const a of [vLo2, vLo1b]) {
        ipNs(fNs, ['route', 'add', `${a}/32`, 'via', rToF]);
        ipNs(rNs, ['route', 'add', `${a}/32`, 'via', vToR]);
      }
      cap = new Capture(vNs, l1[3], path.join(dir, 'md5.pcap'), 120);
      await sleep(1000); // dumpcap is listening before the first SYN

      v = new SecVtep(
        vNs,
        {
          routerId: '10.255.1.1',
          as: V_AS,
          logLevel: 'debug',
          neighbors: [
            { address: md5ok[0], remoteAs: F_AS, holdTime: 9, keepalive: 3 },
            { address: md5bad[0], remoteAs: F_AS, holdTime: 9, keepalive: 3 },
            { address: gtsm[0], remoteAs: F_AS, holdTime: 9, keepalive: 3 },
            { address: fLo2, remoteAs: F_AS, holdTime: 9, keepalive: 3, localAddress: vLo2 },
            { address: fLo1b, remoteAs: F_AS, holdTime: 9, keepalive: 3, localAddress: vLo1b },
          ],
        },
        {
          [md5ok[0]]: ["password: 'k1-secret'"],
          [md5bad[0]]: ["password: 'k2-secret'"],
          [gtsm[0]]: ['ttl-security: { hops: 1 }'],
          [fLo2]: ['ttl-security: { hops: 2 }'],
          [fLo1b]: ['ttl-security: { hops: 1 }'],
        },
      );
      const nb = (addr: string, extra: string[]): string[] => [` neighbor ${addr} remote-as ${V_AS}`, ` neighbor ${addr} timers connect 1`, ...extra.map((e) => ` neighbor ${addr} ${e}`)];
      frr = new FrrInstance(
        fNs,
        [
          'hostname frrsec',
          `router bgp ${F_AS}`,
          ' bgp router-id 10.255.1.2',
          ' no bgp default ipv4-unicast',
          ' no bgp ebgp-requires-policy',
          ...nb(md5ok[1], ['password k1-secret']),
          ...nb(md5bad[1], ['password wrong-secret']),
          ...nb(gtsm[1], ['ttl-security hops 1']),
          ...nb(vLo2, ['ttl-security hops 2', `update-source ${fLo2}`]),
          ...nb(vLo1b, ['ebgp-multihop 2', `update-source ${fLo1b}`]),
          ' address-family l2vpn evpn',
          ...[md5ok[1], md5bad[1], gtsm[1], vLo2, vLo1b].map((a) => `  neighbor ${a} activate`),
          ' exit-address-family',
          '',
        ].join('\n'),
      );
      await Promise.all([frr.start(), v.start()]);
    } catch (err) {
      await v?.destroy();
      frr?.destroy();
      await cap?.stop();
      lab.destroy();
      throw err;
    }
  }, 90_000);

  afterAll(async () => {
    try {
      await v?.destroy();
    } finally {
      frr?.destroy();
      await cap?.stop();
      lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MD5 with the same key comes up; a wrong key never does; GTSM direct (hops 1) and two hops away (hops 2) come up', async () => {
    await waitFor(
      'sessions Established',
      () => ours(md5ok[0]) === 'Established' && ours(gtsm[0]) === 'Established' && ours(fLo2) === 'Established',
      60_000,
      500,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${JSON.stringify(v.peers(), null, 1)}\n${v.log().slice(-4000)}`);
    });
    expect(frrState(md5ok[1])).toBe('Established');
    expect(frrState(gtsm[1])).toBe('Established');
    expect(frrState(vLo2)).toBe('Established');
    // The wrong key and the too-far peer have had the same time (and FRR retries every second).
    expect(ours(md5bad[0])).not.toBe('Established');
    expect(frrState(md5bad[1])).not.toBe('Established');
    expect(ours(fLo1b)).not.toBe('Established');
    expect(frrState(vLo1b)).not.toBe('Established');
  }, 70_000);

  it('they stay that way: 10 s later, no session with the wrong key or from too far', async () => {
    await sleep(10_000);
    expect(ours(md5ok[0])).toBe('Established');
    expect(ours(md5bad[0])).not.toBe('Established');
    expect(ours(fLo1b)).not.toBe('Established');
    expect(v.peer(md5bad[0])!.establishedCount).toBe(0);
    expect(v.peer(fLo1b)!.establishedCount).toBe(0);
    // FRR's SYNs from two hops away arrive with TTL 1 (ebgp-multihop 2): refused at accept, logged.
    const refused = v.records().filter((r) => r.msg === 'refusing connection' && typeof r.reason === 'string' && r.reason.startsWith('ttl-security'));
    expect(refused.length, v.records().filter((r) => JSON.stringify(r).includes(fLo1b)).slice(-20).map((r) => JSON.stringify(r)).join('\n') + frr.vtysh(`show bgp neighbor ${vLo1b}`)).toBeGreaterThan(0);
    expect(String(refused[0]!.reason)).toMatch(/TTL 1, minimum 255/);
    // The kernel dropped FRR's segments signed with the wrong key (RFC 2385 §2.0).
    const nstat = execFileSync('ip', ['netns', 'exec', vNs, 'nstat', '-az', 'TcpExtTCPMD5Failure'], { encoding: 'utf8' });
    expect(Number(/TcpExtTCPMD5Failure\s+(\d+)/.exec(nstat)?.[1] ?? 0)).toBeGreaterThan(0);
  }, 30_000);

  it('the SYNs on the MD5 links carry the MD5 signature option, both ways', async () => {
    await cap.stop();
    const syns = cap.read('tcp.flags.syn == 1', ['ip.src', 'tcp.flags.ack', 'tcp.option_kind']);
    expect(syns.length).toBeGreaterThan(0);
    for (const [src, , kinds] of syns) expect(kinds!.split(',').map(Number), `SYN from ${src}`).toContain(19);
    // Ours (SYN from our address) and FRR's (SYN from its), and the SYN-ACKs.
    expect(syns.some(([src, ack]) => src === md5ok[1] && ack === '0')).toBe(true);
    expect(syns.some(([src]) => src === md5ok[0])).toBe(true);
    // Every segment of the session is signed, KEEPALIVEs included.
    const unsigned = cap.read('tcp.len > 0 && !(tcp.option_kind == 19)', ['frame.number']);
    expect(unsigned).toEqual([]);
  }, 60_000);

  it('a connection from an address that is not a neighbor is refused and logged', async () => {
    const out = new NsScript(rNs, path.join(__dirname, 'probe-connect.ts'), [vToRAddr, '179']);
    const code = await out.exited;
    expect(code, out.errors).toBe(0);
    expect(out.lines.join('\n')).toMatch(/closed after \d+ ms, 0 octets/);
    await waitFor('refusal logged', () => v.records().some((r) => r.msg === 'refusing connection from an address that is not a configured neighbor' && String(r.remote).endsWith(rAddr)), 5000);
  }, 30_000);
});

/** A command inside a namespace (sysctl net.* is per namespace). */
function execFileNs(ns: string, cmd: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, ...cmd]);
}
