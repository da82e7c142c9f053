import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeCapture, runDecode, type DecodeRecord } from '../../../src/cli/decode';
import type { EvpnRouteView } from '../../../src/cli/views/bgp';
import { readPcap } from '../../../src/packet/pcap';
import { reassembleTcpStreams, tcpSegmentsOf } from '../../../src/packet/tcp-stream';
import { decodeFrame } from '../../../src/packet/frame';
import { Framer } from '../../../src/bgp/framer';
import { decodeMessage, encodeMessage } from '../../../src/bgp/wire/message';
import { bytesEqual, toHex } from '../../../src/util/bytes';

const VECTORS = path.resolve(__dirname, '../../../vectors');
const load = (f: string): Uint8Array => new Uint8Array(readFileSync(path.join(VECTORS, f)));
const CTX = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: false };

function routes(recs: DecodeRecord[]): EvpnRouteView[] {
  return recs.flatMap((r) => (r.kind === 'bgp' && r.body.type === 'UPDATE' ? (r.body.routes as unknown as EvpnRouteView[]) : []));
}

function capture(f: string): Uint8Array[] {
  const pcap = readPcap(load(f));
  const streams = reassembleTcpStreams(tcpSegmentsOf(pcap.records.map((r) => decodeFrame(r.data))));
  return streams.flatMap((s) => new Framer({ extendedMessage: true }).frames(s.data).messages);
}

describe('every captured BGP message round-trips through decodeMessage/encodeMessage', () => {
  // iBGP matters: LOCAL_PREF from an eBGP peer is discarded on receipt (RFC 7606 §7.5).
  for (const [f, ibgp] of [['frr-frr-ibgp-evpn.pcap', true], ['gobgp-frr-ebgp-evpn.pcap', false]] as const) {
    it(f, () => {
      const msgs = capture(f);
      const ctx = { ...CTX, ibgp };
      expect(msgs.length).toBeGreaterThan(15);
      for (const m of msgs) {
        const back = encodeMessage(decodeMessage(m, ctx), ctx);
        if (!bytesEqual(back, m)) expect(toHex(back)).toBe(toHex(m));
      }
    });
  }
});

describe('evpn-vtep decode', () => {
  it('decodes the FRR↔FRR capture as the vectors README lists it', () => {
    const recs = decodeCapture(load('frr-frr-ibgp-evpn.pcap'));
    expect(recs.filter((r) => r.kind === 'error')).toEqual([]);
    const opens = recs.filter((r) => r.body.type === 'OPEN');
    expect(opens.map((o) => [o.src, o.body.as, o.body.holdTime, o.body.bgpId])).toEqual([
      ['10.98.0.2', 65100, 180, '10.98.0.2'],
      ['10.98.0.1', 65100, 180, '10.98.0.1'],
    ]);
    expect(recs.filter((r) => r.body.endOfRib).map((r) => r.src).sort()).toEqual(['10.98.0.1', '10.98.0.2']);
    const rs = routes(recs);
    const h1 = rs.find((r) => r.mac === '02:cc:00:00:00:11' && r.ip === '10.100.0.11')!;
    expect(h1).toMatchObject({
      withdraw: false,
      routeType: 2,
      rd: '10.98.0.1:2',
      esi: '00:00:00:00:00:00:00:00:00:00',
      ethTag: 0,
      vnis: [100, 1000],
      nextHop: '10.98.0.1',
      routeTargets: ['65100:100', '65100:1000'],
      routerMac: '02:aa:00:00:10:00',
    });
    const imet = rs.filter((r) => r.routeType === 3);
    expect(imet.map((r) => [r.rd, r.originatorIp, r.pmsi?.vni, r.pmsi?.tunnelId, r.pmsi?.tunnelType])).toEqual([
      ['10.98.0.1:2', '10.98.0.1', 100, '10.98.0.1', 6],
      ['10.98.0.1:3', '10.98.0.1', 200, '10.98.0.1', 6],
      ['10.98.0.2:2', '10.98.0.2', 100, '10.98.0.2', 6],
      ['10.98.0.2:3', '10.98.0.2', 200, '10.98.0.2', 6],
      // A re-advertises GoBGP's route over iBGP (next hop unchanged).
      ['10.97.0.2:100', '10.97.0.2', 100, '10.97.0.2', 6],
    ]);
    const t5 = rs.filter((r) => r.routeType === 5).map((r) => `${r.rd} ${r.prefix}/${r.prefixLength} ${r.gatewayIp} ${r.vnis![0]}`);
    expect(t5).toContain('10.98.0.1:1 10.100.0.0/24 0.0.0.0 1000');
    expect(t5).toContain('10.98.0.2:1 10.200.0.0/24 0.0.0.0 1000');
  });

  it('decodes the GoBGP↔FRR capture, including GoBGP-injected routes and the AS_PATH echo', () => {
    const recs = decodeCapture(load('gobgp-frr-ebgp-evpn.pcap'));
    expect(recs.filter((r) => r.kind === 'error')).toEqual([]);
    const fromGobgp = recs.filter((r) => r.src === '10.97.0.2' && r.body.type === 'UPDATE');
    expect(fromGobgp).toHaveLength(4);
    const rs = routes(fromGobgp);
    expect(rs.map((r) => r.routeType)).toEqual([2, 2, 3, 5]);
    expect(rs[1]).toMatchObject({ mac: '02:dd:00:00:00:02', ip: '10.100.0.52', vnis: [100], rd: '10.97.0.2:100', nextHop: '10.97.0.2' });
    expect(rs[3]).toMatchObject({ prefix: '10.250.0.0', prefixLength: 24, routerMac: '02:dd:00:00:10:00', vnis: [1000] });
    const echo = recs.filter((r) => r.src === '10.97.0.1' && JSON.stringify(r.body.attributes?.valueOf() ?? '').includes('65200'));
    expect(echo.length).toBeGreaterThan(0);
  });

  it('decodes every VXLAN frame of the data-plane capture with its VNI and inner summary', () => {
    const recs = decodeCapture(load('vxlan-dataplane-frr.pcap'));
    expect(recs).toHaveLength(19);
    expect(recs.every((r) => r.kind === 'vxlan' && r.dstPort === 4789 && r.body.iFlag === true)).toBe(true);
    expect(recs.map((r) => r.body.vni)).toEqual([100, 100, 200, 100, 100, 100, 100, 100, 100, 100, 100, 1000, 1000, 1000, 1000, 1000, 1000, 100, 100]);
    const inner = recs[11]!.body.inner as { srcMac: string; ip: { ttl: number; src: string; dst: string }; icmp: { type: number } };
    expect(inner).toMatchObject({ srcMac: '02:aa:00:00:10:00', ip: { ttl: 63, src: '10.100.0.11', dst: '10.200.0.13' }, icmp: { type: 8 } });
  });

  it('reports a malformed message as a record with its error and goes on', () => {
    const bytes = load('frr-frr-ibgp-evpn.pcap');
    const good = decodeCapture(bytes);
    // Corrupt the extended communities length of the first UPDATE that has one: RFC 7606 §7.14 → treat-as-withdraw.
    const pcap = readPcap(bytes);
    const mutated = bytes.slice();
    let done = false;
    let fileOff = 24;
    for (const rec of pcap.records) {
      const data = rec.data;
      for (let i = 0; !done && i + 3 < data.length; i++) {
        if (data[i] === 0xc0 && data[i + 1] === 0x10 && data[i + 2] === 0x18) {
          mutated[fileOff + 16 + i + 2] = 0x17;
          mutated[fileOff + 16 + i + 3 + 23] = 0; // keep the total length: shift nothing, the last octet becomes slack
          done = true;
        }
      }
      fileOff += 16 + data.length;
    }
    expect(done).toBe(true);
    const recs = decodeCapture(mutated);
    const faulty = recs.filter((r) => r.body.faults);
    expect(faulty.length).toBeGreaterThanOrEqual(1);
    expect(String(faulty[0]!.body.action)).toMatch(/withdraw|reset|discard/);
    // Everything else still decodes.
    expect(recs.filter((r) => r.kind === 'bgp').length).toBe(good.filter((r) => r.kind === 'bgp').length);
  });

  it('prints one JSON object per line with --json, and a readable line otherwise', async () => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    expect(await runDecode([path.join(VECTORS, 'gobgp-frr-ebgp-evpn.pcap'), '--json'], out)).toBe(0);
    const objs = lines.map((l) => JSON.parse(l) as { frame: number; type: string });
    expect(objs[0]).toMatchObject({ frame: 4, type: 'OPEN' });
    lines.length = 0;
    expect(await runDecode([path.join(VECTORS, 'vxlan-dataplane-frr.pcap')], out)).toBe(0);
    expect(lines[0]).toMatch(/VXLAN VNI 100 \| 02:cc:00:00:00:11 > ff:ff:ff:ff:ff:ff ARP who-has 10.100.0.1 tell 10.100.0.11/);
  });

  it('exits 2 on a missing file and 1 on a file that is not a pcap', async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    expect(await runDecode(['/nonexistent.pcap'], sink)).toBe(2);
    expect(await runDecode([path.join(VECTORS, '../README.md')], sink)).toBe(1);
  });
});
