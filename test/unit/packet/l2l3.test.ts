import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import { fromHex, toHex } from '../../../src/util/bytes';
import * as arp from '../../../src/packet/arp';
import * as ethernet from '../../../src/packet/ethernet';
import * as icmpv6 from '../../../src/packet/icmpv6';
import * as ipv4 from '../../../src/packet/ipv4';
import * as udp from '../../../src/packet/udp';
import * as vxlan from '../../../src/packet/vxlan';
import { decodeFrame, describeFrame, findLayer } from '../../../src/packet/frame';

const dec = <T>(fn: (r: Reader) => T, hex: string): T => fn(new Reader(fromHex(hex)));

describe('ethernet', () => {
  it('decodes an 802.1ad + 802.1Q double tag', () => {
    const f = dec(ethernet.decode, 'ffffffffffff 02cc00000011 88a8 0bb8 8100 b0c8 0806 00');
    expect(f.vlans).toEqual([
      { tpid: 0x88a8, pcp: 0, dei: false, vid: 3000 },
      { tpid: 0x8100, pcp: 5, dei: true, vid: 200 },
    ]);
    expect(f.ethertype).toBe(0x0806);
    expect(toHex(f.payload)).toBe('00');
  });
  it('rejects a runt and a tag without its EtherType', () => {
    expect(() => dec(ethernet.decode, '0102030405060708090a0b0c08')).toThrow(DecodeError);
    expect(() => dec(ethernet.decode, 'ffffffffffff02cc000000118100 0064')).toThrow(DecodeError);
  });
  it('refuses to encode an out-of-range VID (programmer error)', () => {
    const f = { dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02', vlans: [{ tpid: 0x8100, pcp: 0, dei: false, vid: 4096 }], ethertype: 0x800, payload: new Uint8Array(0) };
    expect(() => ethernet.encode(f, new Uint8Array(64), 0)).toThrow(RangeError);
  });
});

describe('arp (RFC 826, RFC 5227)', () => {
  const h = '02:cc:00:00:00:11';
  it('builders and classifiers', () => {
    expect(arp.classifyArp(arp.arpRequest(h, '10.0.0.1', '10.0.0.2'))).toBe('request');
    expect(arp.classifyArp(arp.arpReply(h, '10.0.0.1', '02:cc:00:00:00:12', '10.0.0.2'))).toBe('reply');
    const probe = arp.arpProbe(h, '10.0.0.9');
    expect(probe).toEqual({ op: 1, senderMac: h, senderIp: '0.0.0.0', targetMac: '00:00:00:00:00:00', targetIp: '10.0.0.9' });
    expect(arp.classifyArp(probe)).toBe('probe');
    expect(arp.isGratuitousArp(probe)).toBe(false);
    const ann = arp.arpAnnouncement(h, '10.0.0.9');
    expect([arp.classifyArp(ann), arp.isArpAnnouncement(ann), arp.isGratuitousArp(ann)]).toEqual(['announcement', true, true]);
    const gr = arp.gratuitousArp(h, '10.0.0.9', 'reply');
    expect([gr.targetMac, arp.classifyArp(gr)]).toEqual([h, 'gratuitous-reply']);
  });
  it('encodes the capture\'s request byte for byte (frame 1 inner ARP)', () => {
    const want = '0001080006040001 02cc00000011 0a64000b 000000000000 0a640001'.replace(/ /g, '');
    const b = new Uint8Array(28);
    arp.encode(arp.arpRequest(h, '10.100.0.11', '10.100.0.1'), b, 0);
    expect(toHex(b)).toBe(want);
  });
  it('rejects non-Ethernet/IPv4 ARP and leaves padding unread', () => {
    expect(() => dec(arp.decode, '0006080006040001' + '00'.repeat(20))).toThrow(/Ethernet\/IPv4/);
    const r = new Reader(fromHex('0001080006040002' + '11'.repeat(20) + '0000'));
    arp.decode(r);
    expect(r.remaining).toBe(2);
  });
});

describe('ipv4 / udp / vxlan details', () => {
  it('reports a bad header checksum instead of throwing', () => {
    const p = dec(ipv4.decode, '4500001c0000400040110000 0a000001 0a000002 0001000200080000');
    expect(p.checksumValid).toBe(false);
  });
  it('rejects IHL < 5, a total length beyond the capture, and version ≠ 4', () => {
    expect(() => dec(ipv4.decode, '44000014' + '00'.repeat(16))).toThrow(/IHL/);
    expect(() => dec(ipv4.decode, '45000064' + '00'.repeat(16))).toThrow(/exceeds/);
    expect(() => dec(ipv4.decode, '65000014' + '00'.repeat(16))).toThrow(/version/);
  });
  it('UDP zero checksum: valid over IPv4, invalid over IPv6; a computed 0 is sent as ffff', () => {
    const z = fromHex('0001000200080000');
    expect(udp.decode(new Reader(z), { src: '10.0.0.1', dst: '10.0.0.2' }).checksumValid).toBe(true);
    expect(udp.decode(new Reader(z), { src: 'fd00::1', dst: 'fd00::2' }).checksumValid).toBe(false);
    const b = new Uint8Array(8);
    udp.encode({ srcPort: 1, dstPort: 2, payload: new Uint8Array(0) }, b, 0, { src: '10.0.0.1', dst: '10.0.0.2', checksum: 'zero' });
    expect(toHex(b)).toBe('0001000200080000');
    // Find a payload whose checksum computes to zero: the field must then be 0xffff (RFC 768).
    const payload = new Uint8Array(2);
    const ctx = { src: '0.0.0.0', dst: '0.0.0.0' };
    const base = new Uint8Array(10);
    udp.encode({ srcPort: 0, dstPort: 0, payload }, base, 0, ctx);
    const c = (base[6]! << 8) | base[7]!;
    payload[0] = c >>> 8;
    payload[1] = c & 0xff;
    udp.encode({ srcPort: 0, dstPort: 0, payload }, base, 0, ctx);
    expect(toHex(base.subarray(6, 8))).toBe('ffff');
    expect(udp.decode(new Reader(base), ctx).checksumValid).toBe(true);
  });
  it('VXLAN: reserved bits ignored on receipt, zero on send; I flag clear is reported, not thrown', () => {
    const v = dec(vxlan.decode, 'ff ffffff 000064 ff aabb');
    expect(v).toEqual({ iFlag: true, vni: 100, payload: Uint8Array.of(0xaa, 0xbb) });
    const b = new Uint8Array(10);
    vxlan.encode(v, b, 0);
    expect(toHex(b)).toBe('08000000000064 00aabb'.replace(/ /g, ''));
    expect(dec(vxlan.decode, '00000000 0003e8 00').iFlag).toBe(false);
    expect(() => dec(vxlan.decode, '08000000 0003e8')).toThrow(DecodeError);
  });
});

describe('icmpv6 neighbor discovery (RFC 4861)', () => {
  it('decodes an NS with a source link-layer address option and verifies the checksum', () => {
    const ns = icmpv6.neighborSolicitation('fe80::1', '02:00:00:00:00:aa');
    const ctx = { src: 'fe80::2', dst: icmpv6.solicitedNode('fe80::1').ip };
    expect(ctx.dst).toBe('ff02::1:ff00:1');
    expect(icmpv6.solicitedNode('fe80::1').mac).toBe('33:33:ff:00:00:01');
    const b = new Uint8Array(icmpv6.encodingLength(ns));
    icmpv6.encode(ns, b, 0, ctx);
    expect(toHex(b.subarray(0, 8))).toMatch(/^8700....00000000$/);
    expect(toHex(b.subarray(24))).toBe('01010200000000aa');
    const d = icmpv6.decode(new Reader(b), ctx);
    expect(d).toMatchObject({ kind: 'ns', target: 'fe80::1', options: [{ kind: 'sll', mac: '02:00:00:00:00:aa' }], checksumValid: true });
    b[30] ^= 1;
    expect(icmpv6.decode(new Reader(b), ctx).checksumValid).toBe(false);
  });
  it('NA flags are the top three bits', () => {
    const na = icmpv6.neighborAdvertisement('fd00::5', '02:00:00:00:00:05', { router: true, solicited: false, override: true });
    const b = new Uint8Array(icmpv6.encodingLength(na));
    icmpv6.encode(na, b, 0, { src: 'fd00::5', dst: 'ff02::1' });
    expect(toHex(b.subarray(4, 8))).toBe('a0000000');
    expect(toHex(b.subarray(24, 26))).toBe('0201');
  });
  it('an option of length zero is a DecodeError (RFC 4861 §4.6)', () => {
    expect(() => icmpv6.parseNdOptions(fromHex('0100'))).toThrow(/length 0/);
  });
});

describe('decodeFrame', () => {
  it('never throws; a truncated inner layer is reported with the outer layers intact', () => {
    const f = decodeFrame(fromHex('ffffffffffff02cc000000110800 4500'));
    expect(f.layers.map((l) => l.type)).toEqual(['ethernet']);
    expect(f.error).toBeInstanceOf(DecodeError);
    expect(describeFrame(f)).toMatch(/malformed/);
  });
  it('a configurable VXLAN port', () => {
    const frame = fromHex(
      '02bbff00000202aaff0000010800' +
        '45000032000040004011 0000 0a6200010a620002'.replace(/ /g, '') +
        'c3502118001e0000' +
        '0800000000006400' +
        '0000000000000000000000000000',
    );
    expect(findLayer(decodeFrame(frame), 'vxlan')).toBeUndefined();
    const f = decodeFrame(frame, { vxlanPorts: [8472] });
    expect(findLayer(f, 'vxlan')?.value.vni).toBe(100);
    expect(findLayer(f, 'ethernet', 1)?.value.ethertype).toBe(0);
  });
});
