import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { COUNTER_NAMES, nonZero, totalDrops, type CounterSet } from '../../src/dataplane/counters';
import { decodeEvents } from '../../src/dataplane/events';
import {
  loadAddon,
  NativePipeline,
  nativeUnavailableReason,
  type InputFrame,
  type OutputFrame,
  type PipelineConfig,
} from '../../src/dataplane/native';
import { decodeOps, encodeOps, OP_LENGTH, type DataplaneOp } from '../../src/dataplane/ops';
import { DecodeError } from '../../src/util/errors';
import {
  arpFrame,
  concat,
  ethHeader,
  fixIpv4Checksum,
  get16,
  hex,
  ipv4,
  ipv4HeaderChecksumOk,
  ipv4UdpChecksumOk,
  ipv6Bytes,
  ipv6UpperChecksumOk,
  loadVxlanCapture,
  mac,
  neighborSolicit,
  tagFrame,
  udpFrame,
  withUdpChecksum,
  type CapturedVxlan,
} from './support';

const skip = nativeUnavailableReason();
if (skip) console.warn(`[skip] native pipeline: ${skip}`);

// The two FRR VTEPs of /work/shared/vectors/vxlan-dataplane-frr.pcap.
const A = { ip: '10.98.0.1', mac: '02:aa:ff:00:00:01', rmac: '02:aa:00:00:10:00' };
const B = { ip: '10.98.0.2', mac: '02:bb:ff:00:00:02', rmac: '02:bb:00:00:10:00' };
const H1 = '02:cc:00:00:00:11';
const H2 = '02:cc:00:00:00:12';
const H3 = '02:cc:00:00:00:13';
const BCAST = 'ff:ff:ff:ff:ff:ff';

function vtep(self: typeof A, peer: typeof A, extra: Partial<PipelineConfig> = {}): NativePipeline {
  return new NativePipeline({
    maxPorts: 8,
    maxVnis: 64,
    maxVteps: 16,
    maxMacs: 1024,
    maxArp: 1024,
    underlay: { localIp: self.ip, localMac: self.mac, nextHopMac: peer.mac },
    ...extra,
  });
}

function apply(p: NativePipeline, ops: DataplaneOp[]): void {
  const r = p.applyOps(ops);
  expect(r.rejects).toEqual([]);
  expect(r.applied).toBe(ops.length);
}

function counters(p: NativePipeline): { underlay: CounterSet; port: (n: number) => CounterSet; vni: (v: number) => CounterSet } {
  const c = p.counters();
  return { underlay: c.underlay, port: (n) => c.ports.get(n)!, vni: (v) => c.vnis.get(v)! };
}

function toPorts(out: OutputFrame[]): number[] {
  return out.flatMap((f) => (f.egress.kind === 'port' ? [f.egress.port] : [])).sort();
}
function toVteps(out: OutputFrame[]): number[] {
  return out.flatMap((f) => (f.egress.kind === 'vtep' ? [f.egress.vtepIdx] : [])).sort();
}

/** Checks the outer Ethernet/IPv4/UDP/VXLAN headers of an encapsulated frame; returns the UDP source port. */
function checkOuterV4(f: Uint8Array, o: { src: typeof A; dst: typeof A; vni: number; inner: Uint8Array }): number {
  expect(mac(f, 0)).toBe(o.dst.mac);
  expect(mac(f, 6)).toBe(o.src.mac);
  expect(get16(f, 12)).toBe(0x0800);
  expect(f[14]).toBe(0x45);
  expect(get16(f, 16)).toBe(f.length - 14); // total length
  expect(get16(f, 20)).toBe(0x4000); // DF, no fragment offset (RFC 7348 §4.3)
  expect(f[22]).toBe(64); // TTL
  expect(f[23]).toBe(17);
  expect(ipv4HeaderChecksumOk(f, 14)).toBe(true);
  expect(ipv4(f, 26)).toBe(o.src.ip);
  expect(ipv4(f, 30)).toBe(o.dst.ip);
  const sport = get16(f, 34);
  expect(sport).toBeGreaterThanOrEqual(49152); // RFC 7348 §5
  expect(get16(f, 36)).toBe(4789);
  expect(get16(f, 38)).toBe(f.length - 34); // UDP length
  expect(get16(f, 40)).toBe(0); // UDP checksum zero over IPv4
  expect(hex(f.subarray(42, 50))).toBe(`08000000${o.vni.toString(16).padStart(6, '0')}00`);
  expect(hex(f.subarray(50))).toBe(hex(o.inner));
  return sport;
}

describe.skipIf(skip !== null)('native pipeline', () => {
  // The capture was taken on a veth with UDP checksum offload: the kernel
  // left only the pseudo-header sum in the field (CHECKSUM_PARTIAL; tshark
  // flags every one as bad). On a real wire the NIC completes it, so the
  // tests complete it too, and check that the raw partial sum is refused.
  let capture: CapturedVxlan[];
  beforeAll(() => {
    capture = loadVxlanCapture().map((c) => ({ ...c, bytes: withUdpChecksum(c.bytes) }));
  });

  it("refuses the capture's offload-partial UDP checksums unless verification is off", () => {
    const raw = loadVxlanCapture()[5]!; // A -> B, VNI 100
    expect(ipv4UdpChecksumOk(raw.bytes, 14)).toBe(false);
    for (const verifyUdpChecksum of [true, false]) {
      const p = vtep(B, A, { verifyUdpChecksum });
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: A.ip },
      ]);
      const out = p.run([{ port: 'underlay', bytes: raw.bytes }]);
      expect(out.map((o) => hex(o.bytes))).toEqual(verifyUdpChecksum ? [] : [hex(raw.inner)]);
      expect(p.counters().underlay.drop_udp_checksum).toBe(verifyUdpChecksum ? 1 : 0);
    }
  });

  describe('addon', () => {
    it('shares the counter list, op record lengths and event size with TypeScript', () => {
      const addon = loadAddon();
      expect(addon.counterNames()).toEqual([...COUNTER_NAMES]);
      expect(addon.opLengths()).toEqual([...OP_LENGTH]);
      expect(addon.eventRecordSize).toBe(40);
    });

    it('rejects a bad config with a TypeError', () => {
      expect(() => new NativePipeline({ underlay: { localIp: 'nope', localMac: A.mac, nextHopMac: B.mac } })).toThrow(
        TypeError,
      );
      expect(
        () => new NativePipeline({ maxPorts: 0, underlay: { localIp: A.ip, localMac: A.mac, nextHopMac: B.mac } }),
      ).toThrow(/maxPorts/);
    });
  });

  describe('encapsulation', () => {
    it('sends a known remote MAC to its VTEP with exactly the right outer headers', () => {
      const p = vtep(A, B);
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'remoteVtepAdd', vtepIdx: 3, ip: B.ip },
        { op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 3, seq: 0 },
      ]);
      const echo = capture[5]!; // frame 6: h1 -> h2 ICMP echo request, VNI 100
      const out = p.run([{ port: 0, bytes: echo.inner }]);
      expect(out).toHaveLength(1);
      expect(out[0]!.egress).toEqual({ kind: 'vtep', vtepIdx: 3 });
      expect(out[0]!.vni).toBe(100);
      expect(out[0]!.vxlanOffset).toBe(42);
      checkOuterV4(out[0]!.bytes, { src: A, dst: B, vni: 100, inner: echo.inner });
      const c = counters(p);
      expect(nonZero(c.underlay)).toEqual({ tx_packets: 1, tx_bytes: echo.inner.length + 50 });
      expect(c.vni(100).tx_packets).toBe(1);
    });

    it('keeps one flow on one UDP source port and spreads flows over the range', () => {
      const p = vtep(A, B);
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: B.ip },
        { op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 0 },
      ]);
      const flow = (sport: number): Uint8Array => udpFrame(H2, H1, '10.100.0.11', '10.100.0.12', sport, 53);
      const same = p.run([{ port: 0, bytes: flow(40000) }, { port: 0, bytes: flow(40000) }]);
      expect(get16(same[0]!.bytes, 34)).toBe(get16(same[1]!.bytes, 34));
      const many = p.run(Array.from({ length: 256 }, (_, i) => ({ port: 0, bytes: flow(1024 + i) })));
      const ports = new Set(many.map((f) => get16(f.bytes, 34)));
      expect(ports.size).toBeGreaterThan(200);
      for (const s of ports) expect(s).toBeGreaterThanOrEqual(49152);
    });

    it('builds an IPv6 outer header with a valid UDP checksum (RFC 8200 §8.1) and a flow label', () => {
      const p = new NativePipeline({
        maxPorts: 4,
        maxVnis: 8,
        underlay: { localIp: 'fd00:98::1', localMac: A.mac, nextHopMac: B.mac },
      });
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: 'fd00:98::2' },
        { op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 0 },
      ]);
      const inner = capture[5]!.inner;
      const [f] = p.run([{ port: 0, bytes: inner }]);
      const b = f!.bytes;
      expect(b.length).toBe(70 + inner.length);
      expect(f!.vxlanOffset).toBe(62);
      expect(get16(b, 12)).toBe(0x86dd);
      expect(b[14]! >> 4).toBe(6);
      const flowLabel = ((b[15]! & 0x0f) << 16) | get16(b, 16);
      expect(flowLabel).not.toBe(0);
      expect(get16(b, 18)).toBe(b.length - 54); // payload length
      expect(b[20]).toBe(17);
      expect(b[21]).toBe(64);
      expect(hex(b.subarray(22, 38))).toBe(hex(new Uint8Array(ipv6Bytes('fd00:98::1'))));
      expect(hex(b.subarray(38, 54))).toBe(hex(new Uint8Array(ipv6Bytes('fd00:98::2'))));
      expect(get16(b, 54)).toBeGreaterThanOrEqual(49152);
      expect(get16(b, 56)).toBe(4789);
      expect(get16(b, 60)).not.toBe(0);
      expect(ipv6UpperChecksumOk(b, 14, 17)).toBe(true);
      expect(hex(b.subarray(62, 70))).toBe('0800000000006400');
      expect(hex(b.subarray(70))).toBe(hex(inner));

      // And the same pipeline decapsulates what the peer would send back.
      const back = new Uint8Array(b);
      back.set(b.subarray(0, 6), 6); // swap outer MACs and addresses
      back.set(new Uint8Array([2, 0xaa, 0xff, 0, 0, 1]), 0);
      back.set(b.subarray(22, 38), 38);
      back.set(b.subarray(38, 54), 22);
      apply(p, [{ op: 'localMacStatic', vni: 100, port: 0, mac: H2 }]);
      expect(p.run([{ port: 'underlay', bytes: back }]).map((o) => hex(o.bytes))).toEqual([hex(inner)]);
      back[back.length - 1] ^= 0xff; // payload no longer matches the UDP checksum
      expect(p.run([{ port: 'underlay', bytes: back }])).toEqual([]);
      expect(p.counters().underlay.drop_udp_checksum).toBe(1);
    });

    it('re-encapsulating each captured inner frame gives the captured VXLAN header and a valid outer IPv4 header', () => {
      for (const [self, peer] of [
        [A, B],
        [B, A],
      ] as const) {
        const p = vtep(self, peer);
        apply(p, [
          { op: 'remoteVtepAdd', vtepIdx: 1, ip: peer.ip },
          ...[100, 200, 1000].flatMap((vni, port): DataplaneOp[] => [
            { op: 'vniAdd', vni },
            { op: 'portAdd', port, vni },
            { op: 'floodAdd', vni, vtepIdx: 1 },
          ]),
          ...[H1, H2, H3, A.rmac, B.rmac].flatMap((m): DataplaneOp[] =>
            [100, 200, 1000].map((vni) => ({ op: 'remoteMacAdd', vni, mac: m, vtepIdx: 1 })),
          ),
        ]);
        const sent = capture.filter((c) => c.outerSrc === self.ip);
        expect(sent.length).toBeGreaterThan(5);
        for (const c of sent) {
          const port = [100, 200, 1000].indexOf(c.vni);
          const out = p.run([{ port, bytes: c.inner }]);
          expect(out, `frame ${c.index}`).toHaveLength(1);
          const f = out[0]!.bytes;
          expect(out[0]!.egress).toEqual({ kind: 'vtep', vtepIdx: 1 });
          checkOuterV4(f, { src: self, dst: peer, vni: c.vni, inner: c.inner });
          // Byte-identical to the kernel's VXLAN header and outer Ethernet header.
          expect(hex(f.subarray(42, 50))).toBe(hex(c.bytes.subarray(c.vxlanOff, c.vxlanOff + 8)));
          expect(hex(f.subarray(0, 14))).toBe(hex(c.bytes.subarray(0, 14)));
          expect(get16(f, 38)).toBe(get16(c.bytes, c.udpOff + 4));
        }
      }
    });
  });

  describe('decapsulation', () => {
    // Each VTEP: VNI 100 on port 0 (untagged) and trunk port 3 (VID 100),
    // VNI 200 on port 1, L3VNI 1000 on port 2; its own hosts configured static.
    function decapVtep(self: typeof A, peer: typeof A, locals: [string, number, number][]): NativePipeline {
      const p = vtep(self, peer);
      apply(p, [
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
        { op: 'vniAdd', vni: 100 },
        { op: 'vniAdd', vni: 200 },
        { op: 'vniAdd', vni: 1000 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'portAdd', port: 3, vni: 100, vid: 100 },
        { op: 'portAdd', port: 1, vni: 200 },
        { op: 'portAdd', port: 2, vni: 1000 },
        ...locals.map(([m, vni, port]): DataplaneOp => ({ op: 'localMacStatic', vni, port, mac: m })),
      ]);
      return p;
    }

    it('gives exactly the captured inner frame on the right ports for every captured VXLAN frame', () => {
      const vteps = new Map([
        [A.ip, { p: decapVtep(A, B, [[H1, 100, 0], [A.rmac, 1000, 2]]), locals: new Map([[H1, 0], [A.rmac, 2]]) }],
        [B.ip, { p: decapVtep(B, A, [[H2, 100, 0], [H3, 200, 1], [B.rmac, 1000, 2]]), locals: new Map([[H2, 0], [H3, 1], [B.rmac, 2]]) }],
      ]);
      const vniPorts = new Map([
        [100, [0, 3]],
        [200, [1]],
        [1000, [2]],
      ]);
      expect(capture).toHaveLength(19);
      for (const c of capture) {
        const v = vteps.get(c.outerDst)!;
        const out = v.p.run([{ port: 'underlay', bytes: c.bytes }]);
        const dst = mac(c.inner, 0);
        const known = v.locals.get(dst);
        const expected = known !== undefined ? [known] : vniPorts.get(c.vni)!;
        expect(toPorts(out), `frame ${c.index}`).toEqual(expected);
        expect(toVteps(out), `frame ${c.index}: never back into the underlay`).toEqual([]);
        for (const o of out) {
          const port = (o.egress as { port: number }).port;
          expect(o.vni).toBe(c.vni);
          expect(hex(o.bytes), `frame ${c.index} port ${port}`).toBe(hex(port === 3 ? tagFrame(c.inner, 100) : c.inner));
        }
      }
      for (const { p } of vteps.values()) {
        expect(totalDrops(p.counters().underlay)).toBe(0);
        expect(p.drainEvents()).toEqual([]); // nothing is learned from the tunnel
      }
    });

    it('accepts the UDP payload of a socket with the datagram source as the VTEP address', () => {
      const p = decapVtep(B, A, [[H2, 100, 0]]);
      const c = capture[5]!; // A -> B echo request to h2
      const payload = c.bytes.slice(c.vxlanOff, 14 + get16(c.bytes, 16));
      const ok = p.run([{ port: 'underlay', bytes: payload, srcIp: A.ip }]);
      expect(ok.map((o) => [o.egress, hex(o.bytes)])).toEqual([[{ kind: 'port', port: 0 }, hex(c.inner)]]);
      expect(p.run([{ port: 'underlay', bytes: payload, srcIp: '10.98.0.9' }])).toEqual([]);
      expect(nonZero(p.counters().underlay)).toMatchObject({ drop_unknown_vtep: 1 });
    });

    it('drops malformed and unexpected underlay frames, counted by reason', () => {
      const c = capture[5]!; // A -> B, VNI 100, non-zero UDP checksum
      const cases: [string, (b: Uint8Array) => Uint8Array, keyof CounterSet][] = [
        ['runt', (b) => b.slice(0, 10), 'drop_runt'],
        ['truncated IP', (b) => b.slice(0, b.length - 10), 'drop_truncated'],
        ['truncated UDP length', (b) => (b.set([0xff, 0xff], c.udpOff + 4), b), 'drop_truncated'],
        ['not for us', (b) => (b.set([2, 0, 0, 0, 0, 9], 0), b), 'drop_not_for_us'],
        ['not IP', (b) => (b.set([0x88, 0xcc], 12), b), 'drop_not_vxlan'],
        ['IPv4 checksum', (b) => ((b[24]! ^= 1), b), 'drop_ip_checksum'],
        ['IP version', (b) => ((b[14] = 0x55), fixIpv4Checksum(b, 14), b), 'drop_bad_ip_header'],
        ['fragment', (b) => (b.set([0x20, 0x00], 20), fixIpv4Checksum(b, 14), b), 'drop_fragment'],
        ['not UDP', (b) => ((b[23] = 6), fixIpv4Checksum(b, 14), b), 'drop_not_vxlan'],
        ['UDP port', (b) => (b.set([0x12, 0xb6], c.udpOff + 2), b), 'drop_bad_udp_port'],
        ['UDP checksum', (b) => ((b[b.length - 1]! ^= 0x55), b), 'drop_udp_checksum'],
        ['I flag clear', (b) => ((b[c.vxlanOff] = 0), zeroUdpSum(b)), 'drop_vxlan_flags'],
        ['unknown VNI', (b) => ((b[c.vxlanOff + 6] = 0x65), zeroUdpSum(b)), 'drop_unknown_vni'],
        ['unknown VTEP', (b) => ((b[29] = 9), fixIpv4Checksum(b, 14), zeroUdpSum(b)), 'drop_unknown_vtep'],
        ['inner runt', (b) => shortenUdp(b, c.vxlanOff + 8 + 10), 'drop_runt'],
        ['VXLAN header cut', (b) => shortenUdp(b, c.vxlanOff + 4), 'drop_truncated'],
        ['inner VLAN tag', (b) => (b.set([0x81, 0x00], c.vxlanOff + 8 + 12), zeroUdpSum(b)), 'drop_inner_vlan'],
        ['inner group source', (b) => ((b[c.vxlanOff + 8 + 6] = 0x03), zeroUdpSum(b)), 'drop_bad_src_mac'],
      ];
      function zeroUdpSum(b: Uint8Array): Uint8Array {
        b.set([0, 0], c.udpOff + 6); // RFC 7348 §5: zero MUST be accepted
        return b;
      }
      function shortenUdp(b: Uint8Array, end: number): Uint8Array {
        const s = b.slice(0, end);
        s.set([(end - 14) >> 8, (end - 14) & 0xff], 16);
        fixIpv4Checksum(s, 14);
        s.set([(end - c.udpOff) >> 8, (end - c.udpOff) & 0xff], c.udpOff + 4);
        return zeroUdpSum(s);
      }
      expect(ipv4UdpChecksumOk(c.bytes, 14)).toBe(true);
      for (const [name, mutate, reason] of cases) {
        const p = vtep(B, A);
        apply(p, [
          { op: 'vniAdd', vni: 100 },
          { op: 'portAdd', port: 0, vni: 100 },
          { op: 'remoteVtepAdd', vtepIdx: 0, ip: A.ip },
        ]);
        expect(p.run([{ port: 'underlay', bytes: new Uint8Array(c.bytes) }]), `${name}: control`).toHaveLength(1);
        expect(p.run([{ port: 'underlay', bytes: mutate(new Uint8Array(c.bytes)) }]), name).toEqual([]);
        const u = p.counters().underlay;
        expect(u[reason], name).toBe(1);
        expect(totalDrops(u), `${name}: one reason only`).toBe(1);
      }
    });
  });

  describe('BUM and local forwarding', () => {
    function bumVtep(): NativePipeline {
      const p = vtep(A, B);
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'vniAdd', vni: 200 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'portAdd', port: 1, vni: 100 },
        { op: 'portAdd', port: 2, vni: 100 },
        { op: 'portAdd', port: 3, vni: 100, vid: 100 },
        { op: 'portAdd', port: 3, vni: 200, vid: 200 },
        { op: 'portAdd', port: 4, vni: 200 },
        ...[B.ip, '10.98.0.3', '10.98.0.4'].map((ip, i): DataplaneOp => ({ op: 'remoteVtepAdd', vtepIdx: i, ip })),
        ...[0, 1, 2].map((i): DataplaneOp => ({ op: 'floodAdd', vni: 100, vtepIdx: i })),
        { op: 'floodAdd', vni: 200, vtepIdx: 2 },
      ]);
      return p;
    }

    it('replicates a broadcast once per flood-list VTEP and once per other local port of the VNI', () => {
      const p = bumVtep();
      const req = arpFrame({ op: 1, ethDst: BCAST, sha: H1, spa: '10.100.0.11', tpa: '10.100.0.99' });
      const out = p.run([{ port: 0, bytes: req }]);
      expect(toPorts(out)).toEqual([1, 2, 3]);
      expect(toVteps(out)).toEqual([0, 1, 2]);
      for (const o of out) {
        if (o.egress.kind === 'vtep') {
          const dst = [B, { ...B, ip: '10.98.0.3' }, { ...B, ip: '10.98.0.4' }][o.egress.vtepIdx]!;
          checkOuterV4(o.bytes, { src: A, dst, vni: 100, inner: req });
        } else {
          expect(hex(o.bytes)).toBe(hex(o.egress.port === 3 ? tagFrame(req, 100) : req));
        }
      }
      const c = counters(p);
      expect(c.vni(100).flood_copies).toBe(6);
      expect(c.port(0).rx_bum).toBe(1);
    });

    it('floods unknown unicast and multicast the same way, and only within the VNI', () => {
      const p = bumVtep();
      const unknown = udpFrame('02:cc:00:00:00:99', H1, '10.100.0.11', '10.100.0.99', 1000, 2000);
      const mcast = udpFrame('01:00:5e:00:00:fb', H1, '10.100.0.11', '224.0.0.251', 5353, 5353);
      expect(toPorts(p.run([{ port: 1, bytes: unknown }]))).toEqual([0, 2, 3]);
      expect(toPorts(p.run([{ port: 1, bytes: mcast }]))).toEqual([0, 2, 3]);
      // VNI 200 arrives tagged on the trunk: out untagged on port 4 and to VTEP 2 only.
      const out = p.run([{ port: 3, bytes: tagFrame(unknown, 200) }]);
      expect(toPorts(out)).toEqual([4]);
      expect(toVteps(out)).toEqual([2]);
      expect(hex(out.find((o) => o.egress.kind === 'port')!.bytes)).toBe(hex(unknown));
      expect(counters(p).vni(100).rx_unknown_unicast).toBe(1);
    });

    it('sends BUM from the underlay to every local port of the VNI and to no VTEP', () => {
      const p = bumVtep();
      const c = capture[0]!; // frame 1: ARP request from h1 via A (VNI 100)
      const q = vtep(B, A);
      apply(q, [
        { op: 'vniAdd', vni: 100 },
        ...[0, 1, 2].map((port): DataplaneOp => ({ op: 'portAdd', port, vni: 100 })),
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: A.ip },
        { op: 'floodAdd', vni: 100, vtepIdx: 0 },
      ]);
      const out = q.run([{ port: 'underlay', bytes: c.bytes }]);
      expect(toPorts(out)).toEqual([0, 1, 2]);
      expect(toVteps(out)).toEqual([]);
      expect(p).toBeDefined();
    });

    it('delivers known local unicast to its port only, retagging per port, and never back to the ingress port', () => {
      const p = bumVtep();
      p.run([{ port: 3, bytes: tagFrame(udpFrame(BCAST, H2, '10.100.0.12', '10.100.0.255', 1, 2), 100) }]);
      const toH2 = udpFrame(H2, H1, '10.100.0.11', '10.100.0.12', 1000, 2000);
      const out = p.run([{ port: 0, bytes: toH2 }]);
      expect(out.map((o) => [o.egress, hex(o.bytes)])).toEqual([[{ kind: 'port', port: 3 }, hex(tagFrame(toH2, 100))]]);
      // h1 is on port 0: a frame to h1 arriving on port 0 is filtered.
      expect(p.run([{ port: 0, bytes: udpFrame(H1, H3, '10.100.0.13', '10.100.0.11', 1, 2) }])).toEqual([]);
      expect(counters(p).port(0).drop_hairpin).toBe(1);
    });

    it('never forwards IEEE 802.1Q reserved group addresses (STP, LACP, LLDP)', () => {
      const p = bumVtep();
      const bpdu = concat(ethHeader('01:80:c2:00:00:00', H1, 0x0026), new Uint8Array(46));
      expect(p.run([{ port: 0, bytes: bpdu }])).toEqual([]);
      expect(counters(p).port(0).drop_reserved_mac).toBe(1);
    });

    it('drops bad access frames by reason', () => {
      const p = bumVtep();
      const good = udpFrame(BCAST, H1, '10.100.0.11', '10.100.0.255', 1, 2);
      const cases: [string, InputFrame, keyof CounterSet, number][] = [
        ['runt', { port: 0, bytes: good.slice(0, 13) }, 'drop_runt', 0],
        ['runt tag', { port: 3, bytes: tagFrame(good, 100).slice(0, 16) }, 'drop_runt', 3],
        ['oversize', { port: 0, bytes: concat(good, new Uint8Array(1518 - good.length + 1)) }, 'drop_oversize', 0],
        ['unknown VID', { port: 3, bytes: tagFrame(good, 300) }, 'drop_vlan_unknown', 3],
        ['tag on untagged port', { port: 0, bytes: tagFrame(good, 100) }, 'drop_vlan_unknown', 0],
        ['unconfigured port', { port: 6, bytes: good }, 'drop_unknown_port', 6],
        ['group source', { port: 0, bytes: concat(ethHeader(BCAST, '01:00:5e:00:00:01', 0x0800), good.slice(14)) }, 'drop_bad_src_mac', 0],
        ['zero source', { port: 0, bytes: concat(ethHeader(BCAST, '00:00:00:00:00:00', 0x0800), good.slice(14)) }, 'drop_bad_src_mac', 0],
      ];
      for (const [name, frame, reason, port] of cases) {
        const before = p.counters().ports.get(port);
        expect(p.run([frame]), name).toEqual([]);
        const after = p.counters().ports.get(port)!;
        expect(after[reason] - (before?.[reason] ?? 0), name).toBe(1);
      }
      expect(p.drainEvents()).toEqual([]); // nothing learned from dropped frames
    });

    it('counts a remote destination whose VTEP was deleted, and flushes its MACs', () => {
      const p = bumVtep();
      apply(p, [{ op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 1 }]);
      const f = udpFrame(H2, H1, '10.100.0.11', '10.100.0.12', 1, 2);
      expect(toVteps(p.run([{ port: 0, bytes: f }]))).toEqual([1]);
      apply(p, [{ op: 'remoteVtepDel', vtepIdx: 1 }]);
      // MAC flushed with the VTEP, and VTEP 1 left the flood list: flooded to the rest.
      const out = p.run([{ port: 0, bytes: f }]);
      expect(toVteps(out)).toEqual([0, 2]);
      expect(toPorts(out)).toEqual([1, 2, 3]);
    });
  });

  describe('ARP and ND suppression', () => {
    function suppressVtep(): NativePipeline {
      const p = vtep(A, B, { probeMac: '02:aa:ff:00:00:99' });
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'portAdd', port: 3, vni: 100, vid: 100 },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: B.ip },
        { op: 'floodAdd', vni: 100, vtepIdx: 0 },
        { op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 0 },
        { op: 'arpAdd', vni: 100, ip: '10.100.0.12', mac: H2 },
        { op: 'arpAdd', vni: 100, ip: 'fd00:100::12', mac: H2, override: true },
      ]);
      return p;
    }

    it('answers a broadcast ARP request for a known IP on the same port with the captured reply, not flooded', () => {
      const p = suppressVtep();
      const request = capture[3]!; // frame 4: who has 10.100.0.12? tell 10.100.0.11
      const reply = capture[4]!; // frame 5: the real reply from h2
      const r = p.runPipeline([{ port: 0, bytes: request.inner }]);
      expect(r.frames).toHaveLength(1);
      expect(r.frames[0]!.egress).toEqual({ kind: 'port', port: 0 });
      const b = r.frames[0]!.bytes;
      expect(b.length).toBe(60); // padded to the Ethernet minimum
      expect(hex(b.subarray(0, 42))).toBe(hex(reply.inner));
      expect(hex(b.subarray(42))).toBe('00'.repeat(18));
      expect(nonZero(r.counters.ports.get(0)!)).toMatchObject({ arp_suppressed: 1, tx_packets: 1 });
      expect(r.counters.vnis.get(100)!.arp_suppressed).toBe(1);
      expect(r.counters.underlay.tx_packets).toBe(0);
      expect(r.events).toEqual([
        { type: 'macLearned', vni: 100, port: 0, mac: H1 },
        { type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
      ]);
    });

    it('answers on a trunk with the request VID', () => {
      const p = suppressVtep();
      const req = arpFrame({ op: 1, ethDst: BCAST, sha: H1, spa: '10.100.0.11', tpa: '10.100.0.12', vid: 100 });
      const [f, ...rest] = p.run([{ port: 3, bytes: req }]);
      expect(rest).toEqual([]);
      expect(f!.egress).toEqual({ kind: 'port', port: 3 });
      expect(hex(f!.bytes.subarray(0, 46))).toBe(
        hex(arpFrame({ op: 2, ethDst: H1, sha: H2, spa: '10.100.0.12', tha: H1, tpa: '10.100.0.11', vid: 100 })),
      );
    });

    it('forwards what it must not answer: unicast, gratuitous, probes, unknown targets', () => {
      const p = suppressVtep();
      const cases = [
        arpFrame({ op: 1, ethDst: H2, sha: H1, spa: '10.100.0.11', tpa: '10.100.0.12' }), // NUD check
        arpFrame({ op: 1, ethDst: BCAST, sha: H1, spa: '10.100.0.11', tpa: '10.100.0.11' }), // gratuitous
        arpFrame({ op: 1, ethDst: BCAST, sha: H1, spa: '0.0.0.0', tpa: '10.100.0.12' }), // RFC 5227 probe
        arpFrame({ op: 1, ethDst: BCAST, sha: H1, spa: '10.100.0.11', tpa: '10.100.0.77' }), // unknown
      ];
      for (const f of cases) {
        const out = p.run([{ port: 0, bytes: f }]);
        expect(out.some((o) => o.egress.kind === 'vtep'), hex(f)).toBe(true);
      }
      expect(counters(p).port(0).arp_suppressed).toBe(0);
    });

    it('reports IP bindings from ARP once the table lacks them, and probe replies to the probe MAC', () => {
      const p = suppressVtep();
      const gratuitous = arpFrame({ op: 2, ethDst: BCAST, sha: H1, spa: '10.100.0.11', tpa: '10.100.0.11' });
      p.run([{ port: 0, bytes: gratuitous }]);
      expect(p.drainEvents()).toEqual([
        { type: 'macLearned', vni: 100, port: 0, mac: H1 },
        { type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
      ]);
      apply(p, [{ op: 'arpAdd', vni: 100, ip: '10.100.0.11', mac: H1 }]);
      p.run([{ port: 0, bytes: gratuitous }]);
      expect(p.drainEvents()).toEqual([]);
      const probeReply = arpFrame({ op: 2, ethDst: '02:aa:ff:00:00:99', sha: H1, spa: '10.100.0.11', tha: '02:aa:ff:00:00:99', tpa: '10.100.0.1' });
      expect(p.run([{ port: 0, bytes: probeReply }])).toEqual([]);
      expect(p.drainEvents()).toEqual([{ type: 'probeReply', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' }]);
    });

    it('answers a multicast neighbor solicitation with a valid solicited NA (RFC 4861 §7.2.4)', () => {
      const p = suppressVtep();
      const ns = neighborSolicit({ srcMac: H1, srcIp: 'fd00:100::11', target: 'fd00:100::12' });
      const r = p.runPipeline([{ port: 0, bytes: ns }]);
      expect(r.frames).toHaveLength(1);
      const b = r.frames[0]!.bytes;
      expect(r.frames[0]!.egress).toEqual({ kind: 'port', port: 0 });
      expect(b.length).toBe(14 + 40 + 32);
      expect(mac(b, 0)).toBe(H1);
      expect(mac(b, 6)).toBe(H2);
      expect(get16(b, 12)).toBe(0x86dd);
      expect(get16(b, 18)).toBe(32);
      expect(b[20]).toBe(58);
      expect(b[21]).toBe(255);
      expect(hex(b.subarray(22, 38))).toBe(hex(new Uint8Array(ipv6Bytes('fd00:100::12'))));
      expect(hex(b.subarray(38, 54))).toBe(hex(new Uint8Array(ipv6Bytes('fd00:100::11'))));
      expect(b[54]).toBe(136);
      expect(b[55]).toBe(0);
      expect(b[58]).toBe(0x40 | 0x20); // solicited + override (from the ArpAdd flags)
      expect(hex(b.subarray(62, 78))).toBe(hex(new Uint8Array(ipv6Bytes('fd00:100::12'))));
      expect(hex(b.subarray(78, 86))).toBe('0201' + H2.replaceAll(':', ''));
      expect(ipv6UpperChecksumOk(b, 14, 58)).toBe(true);
      expect(r.counters.ports.get(0)!.nd_suppressed).toBe(1);
      expect(r.events).toContainEqual({ type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: 'fd00:100::11' });
      // A corrupted ICMPv6 checksum is not a valid NS: forwarded, not answered.
      const bad = new Uint8Array(ns);
      bad[bad.length - 1] ^= 1;
      expect(p.run([{ port: 0, bytes: bad }]).some((o) => o.egress.kind === 'vtep')).toBe(true);
    });
  });

  describe('learning', () => {
    function learnVtep(): NativePipeline {
      const p = vtep(A, B);
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
        { op: 'portAdd', port: 1, vni: 100 },
        { op: 'remoteVtepAdd', vtepIdx: 5, ip: B.ip },
      ]);
      return p;
    }
    const from = (src: string): Uint8Array => udpFrame(BCAST, src, '10.100.0.1', '10.100.0.255', 1, 2);

    it('reports new and moved MACs once, and forwards to the new location', () => {
      const p = learnVtep();
      p.run([{ port: 0, bytes: from(H1) }, { port: 0, bytes: from(H1) }]);
      expect(p.drainEvents()).toEqual([{ type: 'macLearned', vni: 100, port: 0, mac: H1 }]);
      p.run([{ port: 1, bytes: from(H1) }]);
      expect(p.drainEvents()).toEqual([{ type: 'macMoved', vni: 100, port: 1, mac: H1, from: { kind: 'port', port: 0 } }]);
      const out = p.run([{ port: 0, bytes: udpFrame(H1, H3, '10.100.0.13', '10.100.0.11', 1, 2) }]);
      expect(toPorts(out)).toEqual([1]);
      expect(counters(p).vni(100)).toMatchObject({ macs_learned: 2, macs_moved: 1 });
    });

    it('moves a remote MAC that appears locally (RFC 7432 §15), but never a sticky or static one', () => {
      const p = learnVtep();
      apply(p, [
        { op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 5, seq: 3 },
        { op: 'remoteMacAdd', vni: 100, mac: H3, vtepIdx: 5, sticky: true },
        { op: 'localMacStatic', vni: 100, port: 1, mac: H1 },
      ]);
      p.run([{ port: 0, bytes: from(H2) }, { port: 0, bytes: from(H3) }, { port: 0, bytes: from(H1) }]);
      expect(p.drainEvents()).toEqual([
        { type: 'macMoved', vni: 100, port: 0, mac: H2, from: { kind: 'vtep', vtepIdx: 5 } },
      ]);
      expect(counters(p).port(0).learn_sticky_conflict).toBe(2);
      // H3 still goes to its VTEP, H1 to its static port.
      const out = p.run([
        { port: 0, bytes: udpFrame(H3, H2, '10.100.0.12', '10.100.0.13', 1, 2) },
        { port: 0, bytes: udpFrame(H1, H2, '10.100.0.12', '10.100.0.11', 1, 2) },
      ]);
      expect(out.map((o) => o.egress)).toEqual([
        { kind: 'vtep', vtepIdx: 5 },
        { kind: 'port', port: 1 },
      ]);
    });

    it('ages learned MACs, not static ones', () => {
      const p = learnVtep();
      apply(p, [{ op: 'localMacStatic', vni: 100, port: 1, mac: H2 }]);
      p.run([{ port: 0, bytes: from(H1) }], 100);
      p.drainEvents();
      p.age(350, 300);
      expect(p.drainEvents()).toEqual([]);
      p.age(401, 300);
      expect(p.drainEvents()).toEqual([{ type: 'macAged', vni: 100, port: 0, mac: H1 }]);
      expect(p.fdbSize).toBe(1);
    });

    it('counts a full FDB instead of learning', () => {
      const p = new NativePipeline({
        maxPorts: 2,
        maxVnis: 2,
        maxMacs: 16,
        underlay: { localIp: A.ip, localMac: A.mac, nextHopMac: B.mac },
      });
      apply(p, [
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 100 },
      ]);
      const frames = Array.from({ length: 20 }, (_, i) => ({ port: 0, bytes: from(`02:00:00:00:01:${(i + 16).toString(16)}`) }));
      p.run(frames);
      expect(p.fdbSize).toBe(16);
      expect(counters(p).port(0)).toMatchObject({ macs_learned: 16, learn_table_full: 4 });
    });
  });

  describe('ops', () => {
    it('reports rejected records by index and reason, and keeps applying the rest', () => {
      const p = vtep(A, B);
      const r = p.applyOps([
        { op: 'vniAdd', vni: 100 },
        { op: 'portAdd', port: 0, vni: 999 },
        { op: 'remoteVtepAdd', vtepIdx: 99, ip: B.ip },
        { op: 'remoteVtepAdd', vtepIdx: 0, ip: B.ip },
        { op: 'remoteVtepAdd', vtepIdx: 1, ip: B.ip },
        { op: 'remoteVtepAdd', vtepIdx: 2, ip: 'fd00::2' },
        { op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 7 },
        { op: 'portAdd', port: 0, vni: 100, vid: 10 },
        { op: 'portAdd', port: 0, vni: 100, vid: 20 },
      ]);
      expect(r.rejects).toEqual([
        { index: 1, status: 'unknown-vni' },
        { index: 2, status: 'bad-index' },
        { index: 4, status: 'conflict' },
        { index: 5, status: 'bad-family' },
        { index: 6, status: 'unknown-vtep' },
        { index: 8, status: 'conflict' },
      ]);
      expect(r.applied).toBe(3);
    });

    it('stops at a truncated record and skips unknown types by their length', () => {
      const p = vtep(A, B);
      const good = encodeOps([{ op: 'vniAdd', vni: 100 }]);
      const unknown = new Uint8Array([99, 8, 0, 0, 0, 0, 0, 0]);
      const r = p.applyOps(concat(good, unknown, good, good.subarray(0, 5)));
      expect(r.applied).toBe(2);
      expect(r.rejects).toEqual([
        { index: 1, status: 'unknown-type' },
        { index: 3, status: 'truncated' },
      ]);
    });

    it('decodes what it encodes', () => {
      const ops: DataplaneOp[] = [
        { op: 'remoteVtepAdd', vtepIdx: 7, ip: 'fd00::2', nextHopMac: '02:00:00:00:00:01' },
        { op: 'remoteVtepAdd', vtepIdx: 8, ip: '10.0.0.8' },
        { op: 'remoteVtepDel', vtepIdx: 7 },
        { op: 'remoteMacAdd', vni: 0xffffff, mac: H1, vtepIdx: 1, seq: 0xfffffffe, sticky: true },
        { op: 'remoteMacDel', vni: 1, mac: H1 },
        { op: 'localMacStatic', vni: 2, port: 3, mac: H2 },
        { op: 'localMacDel', vni: 2, mac: H2 },
        { op: 'arpAdd', vni: 3, ip: '10.1.2.3', mac: H3, router: true, override: false, static: true },
        { op: 'arpDel', vni: 3, ip: 'fe80::1' },
        { op: 'floodAdd', vni: 4, vtepIdx: 9 },
        { op: 'floodDel', vni: 4, vtepIdx: 9 },
        { op: 'portAdd', port: 1, vni: 5, vid: 4094 },
        { op: 'vniAdd', vni: 6 },
      ];
      expect(decodeOps(encodeOps(ops))).toEqual(ops);
    });

    it('decoding random op and event bytes gives values or DecodeError, nothing else', () => {
      const runs = Math.min(Number(process.env.FUZZ_RUNS ?? 100000), 20000);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (b) => {
          for (const fn of [() => decodeOps(b), () => decodeEvents(b)]) {
            try {
              fn();
            } catch (e) {
              if (!(e instanceof DecodeError)) throw e;
            }
          }
        }),
        { numRuns: runs, seed: 7 },
      );
    });

    it('survives random op batches without crashing (records are validated in C++)', () => {
      const p = vtep(A, B);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 128 }), (b) => {
          const r = p.applyOps(b);
          expect(r.applied + r.rejected).toBeGreaterThanOrEqual(b.length ? 1 : 0);
        }),
        { numRuns: 2000, seed: 11 },
      );
    });
  });
});
