/**
 * VXLAN encap/decap of a 64-octet inner frame in TypeScript, allocation-free:
 * one preallocated output buffer, outer headers precomputed per tunnel, only
 * lengths/ID/checksums patched per frame. Run: npx tsx bench/codec/vxlan.bench.ts
 */
import { measure, table, writeResults, type Row } from '../lib';
import { DecapStatus, VxlanDecapsulator, VxlanEncapsulator } from '../../src/packet/vxlan-encap';
import * as ethernet from '../../src/packet/ethernet';
import * as ipv4 from '../../src/packet/ipv4';
import * as udp from '../../src/packet/udp';
import * as vxlan from '../../src/packet/vxlan';
import { Reader } from '../../src/util/reader';


const SUITE = 'vxlan-ts';
const INNER_LEN = 64;

/** A 64-octet inner Ethernet/IPv4/UDP frame. */
function innerFrame(): Uint8Array {
  const payload = new Uint8Array(INNER_LEN - 14 - 20 - 8);
  const u = new Uint8Array(udp.encodingLength({ srcPort: 1234, dstPort: 5678, payload }));
  udp.encode({ srcPort: 1234, dstPort: 5678, payload }, u, 0, { src: '10.100.0.11', dst: '10.100.0.12' });
  const ip: ipv4.Ipv4Packet = {
    dscp: 0, ecn: 0, id: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64,
    protocol: 17, src: '10.100.0.11', dst: '10.100.0.12', options: new Uint8Array(0), payload: u,
  };
  const l3 = new Uint8Array(ipv4.encodingLength(ip));
  ipv4.encode(ip, l3, 0);
  const eth: ethernet.EthernetFrame = { dst: '02:cc:00:00:00:12', src: '02:cc:00:00:00:11', vlans: [], ethertype: 0x0800, payload: l3 };
  const f = new Uint8Array(ethernet.encodingLength(eth));
  ethernet.encode(eth, f, 0);
  return f;
}

function runSuite(): Row[] {
  const inner = innerFrame();
  const tunnel = { srcMac: '02:aa:ff:00:00:01', dstMac: '02:bb:ff:00:00:02', vni: 100 };
  const enc4 = new VxlanEncapsulator({ ...tunnel, src: '10.98.0.1', dst: '10.98.0.2' });
  const enc4c = new VxlanEncapsulator({ ...tunnel, src: '10.98.0.1', dst: '10.98.0.2', udpChecksum: 'compute' });
  const enc6 = new VxlanEncapsulator({ ...tunnel, src: 'fd00::1', dst: 'fd00::2' });
  const out = new Uint8Array(2048);
  const out6 = new Uint8Array(2048);
  const n4 = enc4.encap(inner, 0, inner.length, out, 0);
  const wire4 = out.slice(0, n4);
  const n6 = enc6.encap(inner, 0, inner.length, out6, 0);
  const wire6 = out6.slice(0, n6);
  const dec = new VxlanDecapsulator();
  const decV = new VxlanDecapsulator({ verifyUdpChecksum: true });
  if (dec.decap(wire4, 0, wire4.length) !== DecapStatus.OK || dec.innerLength !== INNER_LEN) throw new Error('bench self-check (v4) failed');
  if (decV.decap(wire6, 0, wire6.length) !== DecapStatus.OK || decV.vni !== 100) throw new Error('bench self-check (v6) failed');
  let sink = 0;

  const rows = measure(SUITE, [
    { name: 'encap IPv4 (udp csum 0, flow-hash sport)', fn: () => void (sink ^= enc4.encap(inner, 0, INNER_LEN, out, 0)) },
    { name: 'encap IPv4 (udp csum 0, fixed sport, in place)', fn: () => void (sink ^= enc4.encapInPlace(out, 0, INNER_LEN, 50000)) },
    { name: 'encap IPv4 (udp csum computed)', fn: () => void (sink ^= enc4c.encap(inner, 0, INNER_LEN, out, 0)) },
    { name: 'encap IPv6 (udp csum computed)', fn: () => void (sink ^= enc6.encap(inner, 0, INNER_LEN, out6, 0)) },
    { name: 'decap IPv4', fn: () => void (sink ^= dec.decap(wire4, 0, wire4.length) + dec.vni) },
    { name: 'decap IPv6 (verify udp csum)', fn: () => void (sink ^= decV.decap(wire6, 0, wire6.length) + decV.vni) },
    {
      name: 'codec decode (allocating, for comparison)',
      fn: () => {
        const e = ethernet.decode(new Reader(wire4));
        const ip = ipv4.decode(new Reader(e.payload));
        const u = udp.decode(new Reader(ip.payload));
        sink ^= vxlan.decode(new Reader(u.payload)).vni;
      },
    },
  ]);
  if (sink === 0.5) console.log('unreachable');
  return rows;
}

/** Runs the suite, writes bench/results/vxlan-ts.json and returns the rows. */
export async function runVxlanBench(): Promise<Row[]> {
  const rows = runSuite();
  writeResults('vxlan-ts.json', rows);
  return rows;
}

if (require.main === module) {
  runVxlanBench().then(
    (rows) => console.log(table(rows)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
