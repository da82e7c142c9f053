import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/util/bytes';
import { decodeFrame, findLayer } from '../../../src/packet/frame';
import { DecapStatus, VxlanDecapsulator, VxlanEncapsulator, flowSourcePort } from '../../../src/packet/vxlan-encap';
import { fixtureFrames, loadCapture } from './fixtures';

const tunnel = { srcMac: '02:aa:ff:00:00:01', dstMac: '02:bb:ff:00:00:02', vni: 100 };

describe('allocation-free VXLAN encap/decap', () => {
  const inners = fixtureFrames().filter((f) => !f.name.startsWith('vxlan'));

  it('IPv4 encap decodes with the codecs: valid IP checksum, zero UDP checksum, right lengths and VNI', () => {
    const enc = new VxlanEncapsulator({ ...tunnel, src: '10.98.0.1', dst: '10.98.0.2', ttl: 17 });
    expect(enc.headerLength).toBe(50);
    const out = new Uint8Array(4096);
    for (const { bytes } of inners) {
      const n = enc.encap(bytes, 0, bytes.length, out, 3);
      const f = decodeFrame(out.slice(3, 3 + n));
      expect(f.error).toBeUndefined();
      const ip = findLayer(f, 'ipv4')!.value;
      expect([ip.checksumValid, ip.ttl, ip.dontFragment, ip.src, ip.dst]).toEqual([true, 17, true, '10.98.0.1', '10.98.0.2']);
      const u = findLayer(f, 'udp')!.value;
      expect([u.checksum, u.checksumValid, u.dstPort]).toEqual([0, true, 4789]);
      expect(u.srcPort).toBe(flowSourcePort(bytes, 0, bytes.length));
      expect(u.srcPort).toBeGreaterThanOrEqual(49152);
      const v = findLayer(f, 'vxlan')!.value;
      expect([v.iFlag, v.vni, toHex(v.payload)]).toEqual([true, 100, toHex(bytes)]);
    }
  });

  it('IPv6 (UDP checksum computed) and tagged IPv4 with computed checksum', () => {
    const out = new Uint8Array(4096);
    const e6 = new VxlanEncapsulator({ ...tunnel, src: 'fd00:98::1', dst: 'fd00:98::2', vni: 0xffffff });
    const e4 = new VxlanEncapsulator({ ...tunnel, src: '10.0.0.1', dst: '10.0.0.2', udpChecksum: 'compute', vlans: [{ tpid: 0x8100, pcp: 0, dei: false, vid: 7 }] });
    for (const e of [e6, e4]) {
      for (const { bytes } of inners) {
        const n = e.encap(bytes, 0, bytes.length, out, 0, 50000);
        const f = decodeFrame(out.subarray(0, n));
        expect(f.error).toBeUndefined();
        const u = findLayer(f, 'udp')!.value;
        expect([u.checksumValid, u.srcPort]).toEqual([true, 50000]);
        expect(u.checksum).not.toBe(0);
        expect(toHex(findLayer(f, 'vxlan')!.value.payload)).toBe(toHex(bytes));
      }
    }
  });

  it('decap of every capture frame gives the codec\'s VNI and inner frame; checksum verification catches corruption', () => {
    const d = new VxlanDecapsulator();
    for (const rec of loadCapture('vxlan-dataplane-frr.pcap').records) {
      expect(d.decap(rec.data, 0, rec.data.length)).toBe(DecapStatus.OK);
      const v = findLayer(decodeFrame(rec.data), 'vxlan')!.value;
      expect(d.vni).toBe(v.vni);
      expect(toHex(rec.data.subarray(d.innerOffset, d.innerOffset + d.innerLength))).toBe(toHex(v.payload));
    }
    const e6 = new VxlanEncapsulator({ ...tunnel, src: 'fd00::1', dst: 'fd00::2' });
    const out = new Uint8Array(256);
    const n = e6.encap(inners[0]!.bytes, 0, inners[0]!.bytes.length, out, 0);
    const dv = new VxlanDecapsulator({ verifyUdpChecksum: true });
    expect(dv.decap(out, 0, n)).toBe(DecapStatus.OK);
    expect(toHex(out.subarray(dv.srcAddrOffset, dv.srcAddrOffset + 16))).toBe('fd000000000000000000000000000001');
    out[n - 1]! ^= 0xff;
    expect(dv.decap(out, 0, n)).toBe(DecapStatus.BAD_UDP_CHECKSUM);
  });

  it('decap statuses: truncated, not UDP, other port, I flag clear, fragment', () => {
    const d = new VxlanDecapsulator();
    const enc = new VxlanEncapsulator({ ...tunnel, src: '10.98.0.1', dst: '10.98.0.2' });
    const out = new Uint8Array(256);
    const inner = inners[0]!.bytes;
    const n = enc.encap(inner, 0, inner.length, out, 0);
    for (let cut = 0; cut < n; cut++) expect(d.decap(out, 0, cut)).not.toBe(DecapStatus.OK);
    const mod = (at: number, v: number, want: number): void => {
      const b = out.slice(0, n);
      b[at] = v;
      expect(d.decap(b, 0, n)).toBe(want);
    };
    mod(23, 6, DecapStatus.NOT_UDP);
    mod(37, 0x12, DecapStatus.NOT_VXLAN_PORT);
    mod(42, 0, DecapStatus.I_FLAG_CLEAR);
    mod(20, 0x20, DecapStatus.FRAGMENT);
    mod(12, 0x88, DecapStatus.NOT_IP);
    const b = out.slice(0, n);
    b[42] = 0;
    expect(new VxlanDecapsulator({ acceptIFlagClear: true }).decap(b, 0, n)).toBe(DecapStatus.OK);
  });

  it('allocates nothing per frame (no scavenge GC during 3M encap+decap)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pk-gc-'));
    try {
      const script = path.join(dir, 'gc.ts');
      writeFileSync(
        script,
        `import { VxlanEncapsulator, VxlanDecapsulator } from ${JSON.stringify(path.resolve(__dirname, '../../../src/packet/vxlan-encap'))};
const inner = new Uint8Array(${JSON.stringify([...inners.find((f) => f.name === 'ipv4-udp')!.bytes])});
const out = new Uint8Array(2048);
const e = new VxlanEncapsulator(${JSON.stringify({ ...tunnel, src: '10.0.0.1', dst: '10.0.0.2' })});
const d = new VxlanDecapsulator();
let s = 0;
for (let i = 0; i < 300000; i++) { s += e.encap(inner, 0, inner.length, out, 0); s += d.decap(out, 0, 200); }
console.log('MARK-START');
for (let i = 0; i < 3000000; i++) { s += e.encap(inner, 0, inner.length, out, 0); s += d.decap(out, 0, 200) + d.vni; }
console.log('MARK-END', s > 0);
`,
      );
      const log = execFileSync(process.execPath, ['--import', 'tsx', '--trace-gc', script], { cwd: path.resolve(__dirname, '../../..'), encoding: 'utf8' });
      const between = log.slice(log.indexOf('MARK-START'), log.indexOf('MARK-END'));
      expect(log).toContain('MARK-END true');
      expect(between.match(/Scavenge|Mark-Compact/g) ?? []).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
