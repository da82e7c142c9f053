/**
 * The portable pipeline on its own, against the capture and the RFCs (so it
 * stays tested where the addon cannot be built and the differential test is
 * skipped).
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { PortablePipeline } from '../../../src/dataplane/portable/pipeline';
import {
  get16,
  hex,
  ipv4HeaderChecksumOk,
  loadVxlanCapture,
  mac,
  tagFrame,
  withUdpChecksum,
  type CapturedVxlan,
} from '../../native/support';

const A = { ip: '10.98.0.1', mac: '02:aa:ff:00:00:01' };
const B = { ip: '10.98.0.2', mac: '02:bb:ff:00:00:02' };
const H1 = '02:cc:00:00:00:11';
const H2 = '02:cc:00:00:00:12';

function vtep(self: typeof A, peer: typeof A): PortablePipeline {
  const p = new PortablePipeline({
    maxPorts: 4,
    maxVnis: 8,
    underlay: { localIp: self.ip, localMac: self.mac, nextHopMac: peer.mac },
  });
  const r = p.applyOps([
    { op: 'vniAdd', vni: 100 },
    { op: 'portAdd', port: 0, vni: 100 },
    { op: 'portAdd', port: 1, vni: 100, vid: 100 },
    { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
    { op: 'floodAdd', vni: 100, vtepIdx: 0 },
  ]);
  expect(r.rejects).toEqual([]);
  return p;
}

describe('portable pipeline', () => {
  let capture: CapturedVxlan[];
  beforeAll(() => {
    capture = loadVxlanCapture().map((c) => ({ ...c, bytes: withUdpChecksum(c.bytes) }));
  });

  it('encapsulates a captured inner frame with the outer headers of RFC 7348 §5', () => {
    const p = vtep(A, B);
    p.applyOps([{ op: 'remoteMacAdd', vni: 100, mac: H2, vtepIdx: 0 }]);
    const c = capture[5]!; // h1 -> h2 echo request, VNI 100
    const [f, ...rest] = p.run([{ port: 0, bytes: c.inner }], 10);
    expect(rest).toEqual([]);
    expect(f!.egress).toEqual({ kind: 'vtep', vtepIdx: 0 });
    expect(f!.vxlanOffset).toBe(42);
    const b = f!.bytes;
    expect(hex(b.subarray(0, 14))).toBe(hex(c.bytes.subarray(0, 14)));
    expect(get16(b, 16)).toBe(b.length - 14);
    expect(get16(b, 20)).toBe(0x4000); // DF
    expect(ipv4HeaderChecksumOk(b, 14)).toBe(true);
    expect(get16(b, 34)).toBeGreaterThanOrEqual(49152);
    expect(get16(b, 36)).toBe(4789);
    expect(get16(b, 40)).toBe(0);
    expect(hex(b.subarray(42, 50))).toBe(hex(c.bytes.subarray(c.vxlanOff, c.vxlanOff + 8)));
    expect(hex(b.subarray(50))).toBe(hex(c.inner));
    expect(p.drainEvents()).toEqual([{ type: 'macLearned', vni: 100, port: 0, mac: H1 }]);
  });

  it('decapsulates every captured frame to B into exactly its inner frame, retagged per port', () => {
    const p = vtep(B, A);
    for (const c of capture.filter((x) => x.outerDst === B.ip && x.vni === 100)) {
      const out = p.run([{ port: 'underlay', bytes: c.bytes }], 10);
      expect(out.map((o) => [o.egress, hex(o.bytes)]), `frame ${c.index}`).toEqual([
        [{ kind: 'port', port: 0 }, hex(c.inner)],
        [{ kind: 'port', port: 1 }, hex(tagFrame(c.inner, 100))],
      ]);
    }
    expect(p.counters().underlay.drop_unknown_vni).toBe(0);
    expect(p.drainEvents()).toEqual([]); // nothing learned from the tunnel
  });

  it('answers a broadcast ARP request for a known IP with the captured reply, padded to 60 octets', () => {
    const p = vtep(A, B);
    p.applyOps([{ op: 'arpAdd', vni: 100, ip: '10.100.0.12', mac: H2 }]);
    const out = p.run([{ port: 0, bytes: capture[3]!.inner }], 10);
    expect(out).toHaveLength(1);
    expect(out[0]!.egress).toEqual({ kind: 'port', port: 0 });
    expect(hex(out[0]!.bytes)).toBe(hex(capture[4]!.inner) + '00'.repeat(18));
    expect(mac(out[0]!.bytes, 6)).toBe(H2);
    expect(p.counters().ports.get(0)!.arp_suppressed).toBe(1);
  });

  it('ages learned MACs only past maxAge, with one event each', () => {
    const p = vtep(A, B);
    p.run([{ port: 0, bytes: capture[0]!.inner }], 100);
    p.drainEvents();
    p.age(400, 300);
    expect(p.fdbSize).toBe(1);
    p.age(401, 300);
    expect(p.fdbSize).toBe(0);
    expect(p.drainEvents()).toEqual([{ type: 'macAged', vni: 100, port: 0, mac: H1 }]);
  });
});
