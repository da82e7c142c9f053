import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { toHex } from '../../../src/util/bytes';
import { type DecodedFrame, type Layer, decodeFrame, encodeFrame, findLayer } from '../../../src/packet/frame';
import * as arp from '../../../src/packet/arp';
import * as ethernet from '../../../src/packet/ethernet';
import * as icmpv4 from '../../../src/packet/icmpv4';
import * as ipv4 from '../../../src/packet/ipv4';
import * as tcp from '../../../src/packet/tcp';
import * as udp from '../../../src/packet/udp';
import * as vxlan from '../../../src/packet/vxlan';
import { frameAt, reassembleTcpStreams, tcpSegmentsOf } from '../../../src/packet/tcp-stream';
import { VECTORS, loadCapture } from './fixtures';

interface Expected {
  n: number;
  outerSrc: string;
  innerSrc?: string;
  outerDst: string;
  innerDst?: string;
  vni: number;
  outerSrcMac: string;
  innerSrcMac: string;
  outerDstMac: string;
  innerDstMac: string;
  info: string;
}

/** The per-frame table of the vectors README (the code block with one line per frame). */
function readmeTable(): Expected[] {
  const md = readFileSync(path.join(VECTORS, 'README.md'), 'utf8');
  const out: Expected[] = [];
  for (const line of md.split('\n')) {
    const m = /^(\d+) (\S+) (\S+) (\d+) (\S+),(\S+) (\S+),(\S+) (.*)$/.exec(line);
    if (!m) continue;
    const [os, is] = m[2]!.split(',');
    const [od, id] = m[3]!.split(',');
    out.push({
      n: Number(m[1]),
      outerSrc: os!,
      innerSrc: is,
      outerDst: od!,
      innerDst: id,
      vni: Number(m[4]),
      outerSrcMac: m[5]!,
      innerSrcMac: m[6]!,
      outerDstMac: m[7]!,
      innerDstMac: m[8]!,
      info: m[9]!,
    });
  }
  return out;
}

/** The bytes each layer was decoded from: the whole frame, then each enclosing layer's payload (minus trailer). */
function layerBytes(frame: Uint8Array, layers: Layer[]): Uint8Array[] {
  const out: Uint8Array[] = [frame];
  for (let i = 1; i < layers.length; i++) {
    const outer = layers[i - 1]!;
    let b: Uint8Array;
    switch (outer.type) {
      case 'ethernet':
      case 'udp':
      case 'vxlan':
        b = outer.value.payload;
        break;
      case 'ipv4':
        b = outer.value.payload;
        break;
      case 'ipv6':
        b = outer.value.payload.subarray(outer.extHeaders.length);
        break;
      default:
        throw new Error(`nothing decoded inside ${outer.type}`);
    }
    out.push(b);
  }
  return out;
}

describe('golden: vxlan-dataplane-frr.pcap', () => {
  const cap = loadCapture('vxlan-dataplane-frr.pcap');
  const table = readmeTable();

  it('the capture and its README table have 19 frames', () => {
    expect(cap.error).toBeUndefined();
    expect(cap.linkType).toBe(1);
    expect(cap.records).toHaveLength(19);
    expect(table.map((e) => e.n)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  });

  for (const exp of readmeTable()) {
    it(`frame ${exp.n}: ${exp.info}`, () => {
      const rec = cap.records[exp.n - 1]!;
      const f: DecodedFrame = decodeFrame(rec.data);
      expect(f.error).toBeUndefined();
      const oe = findLayer(f, 'ethernet', 0)!.value;
      const oip = findLayer(f, 'ipv4', 0)!.value;
      const ou = findLayer(f, 'udp', 0)!.value;
      const vx = findLayer(f, 'vxlan')!.value;
      const ie = findLayer(f, 'ethernet', 1)!.value;
      expect([oe.src, oe.dst, oe.vlans]).toEqual([exp.outerSrcMac, exp.outerDstMac, []]);
      expect([oip.src, oip.dst, oip.checksumValid, oip.protocol]).toEqual([exp.outerSrc, exp.outerDst, true, 17]);
      expect(ou.dstPort).toBe(4789);
      expect(ou.srcPort).toBeGreaterThanOrEqual(1024);
      expect([vx.iFlag, vx.vni]).toEqual([true, exp.vni]);
      expect([ie.src, ie.dst]).toEqual([exp.innerSrcMac, exp.innerDstMac]);

      const who = /^Who has (\S+)\? Tell (\S+)$/.exec(exp.info);
      const isAt = /^(\S+) is at (\S+)$/.exec(exp.info);
      const echo = /^Echo \(ping\) (request|reply)\s+id=0x([0-9a-f]+), seq=(\d+)\/\d+, ttl=(\d+)/.exec(exp.info);
      if (who) {
        const a = findLayer(f, 'arp')!.value;
        expect(a).toEqual({ op: 1, senderMac: exp.innerSrcMac, senderIp: who[2], targetMac: '00:00:00:00:00:00', targetIp: who[1] });
        expect(arp.classifyArp(a)).toBe('request');
      } else if (isAt) {
        const a = findLayer(f, 'arp')!.value;
        expect([a.op, a.senderIp, a.senderMac, a.targetMac]).toEqual([2, isAt[1], isAt[2], exp.innerDstMac]);
        expect(arp.classifyArp(a)).toBe('reply');
      } else if (echo) {
        const iip = findLayer(f, 'ipv4', 1)!.value;
        expect([iip.src, iip.dst, iip.ttl, iip.checksumValid]).toEqual([exp.innerSrc, exp.innerDst, Number(echo[4]), true]);
        const m = findLayer(f, 'icmpv4')!.value;
        expect(m.kind).toBe('echo');
        if (m.kind !== 'echo') return;
        expect([m.type, m.id, m.seq, m.checksumValid]).toEqual([echo[1] === 'request' ? 8 : 0, parseInt(echo[2]!, 16), Number(echo[3]), true]);
      } else {
        throw new Error(`README line not understood: ${exp.info}`);
      }
    });
  }

  it('every layer of every frame re-encodes to exactly its bytes', () => {
    for (const rec of cap.records) {
      const f = decodeFrame(rec.data);
      const bytes = layerBytes(rec.data, f.layers);
      f.layers.forEach((l, i) => {
        const want = toHex(bytes[i]!);
        let got: Uint8Array;
        switch (l.type) {
          case 'ethernet':
            got = new Uint8Array(ethernet.encodingLength(l.value));
            expect(ethernet.encode(l.value, got, 0)).toBe(got.length);
            break;
          case 'ipv4':
            // The header checksum is recomputed (checksum mode 'compute'), and all are correct in the capture.
            got = new Uint8Array(ipv4.encodingLength(l.value));
            expect(ipv4.encode(l.value, got, 0)).toBe(got.length);
            break;
          case 'udp': {
            // The outer UDP checksums hold the partial sum left by offload: only 'keep' reproduces them.
            const ip = findLayer(f.layers.slice(0, i).reverse(), 'ipv4')!.value;
            got = new Uint8Array(udp.encodingLength(l.value));
            expect(udp.encode(l.value, got, 0, { src: ip.src, dst: ip.dst, checksum: 'keep' })).toBe(got.length);
            break;
          }
          case 'vxlan':
            got = new Uint8Array(vxlan.encodingLength(l.value));
            vxlan.encode(l.value, got, 0);
            break;
          case 'arp':
            got = new Uint8Array(arp.encodingLength(l.value));
            arp.encode(l.value, got, 0);
            break;
          case 'icmpv4':
            got = new Uint8Array(icmpv4.encodingLength(l.value));
            icmpv4.encode(l.value, got, 0);
            break;
          default:
            throw new Error(`unexpected layer ${l.type}`);
        }
        expect(toHex(got), `${l.type} layer`).toBe(want);
      });
      expect(toHex(encodeFrame(f.layers))).toBe(toHex(rec.data));
    }
  });

  it('outer UDP checksums are offload partial sums (reported invalid), inner ICMP checksums valid', () => {
    for (const rec of cap.records) {
      const f = decodeFrame(rec.data);
      expect(findLayer(f, 'udp')!.value.checksumValid).toBe(false);
      // Recomputing gives a valid datagram that differs from the capture only in the checksum field.
      const fixed = encodeFrame(f.layers, 'compute');
      const g = decodeFrame(fixed);
      expect(findLayer(g, 'udp')!.value.checksumValid).toBe(true);
      expect(fixed.length).toBe(rec.data.length);
      const diff = [...fixed].map((b, i) => (b !== rec.data[i] ? i : -1)).filter((i) => i >= 0);
      expect(diff.every((i) => i === 40 || i === 41)).toBe(true);
    }
  });
});

describe('golden: BGP captures reassemble into BGP message streams', () => {
  for (const name of ['frr-frr-ibgp-evpn.pcap', 'gobgp-frr-ebgp-evpn.pcap']) {
    it(name, () => {
      const cap = loadCapture(name);
      expect(cap.error).toBeUndefined();
      const frames = cap.records.map((r) => decodeFrame(r.data));
      for (const [i, f] of frames.entries()) {
        expect(f.error).toBeUndefined();
        const t = findLayer(f, 'tcp')!;
        // Each TCP segment re-encodes byte-identically (options, payload and the offloaded checksum).
        const ip = findLayer(f, 'ipv4')!.value;
        const got = new Uint8Array(tcp.encodingLength(t.value));
        tcp.encode(t.value, got, 0, { src: ip.src, dst: ip.dst, checksum: 'keep' });
        expect(toHex(got)).toBe(toHex(ip.payload));
        expect(toHex(encodeFrame(f.layers))).toBe(toHex(cap.records[i]!.data));
        expect(tcp.parseTcpOptions(t.value.options).every((o) => o.kind !== 0)).toBe(true);
      }
      const streams = reassembleTcpStreams(tcpSegmentsOf(frames));
      expect(streams).toHaveLength(2);
      for (const s of streams) {
        expect(s.synSeen).toBe(true);
        expect(s.gaps).toEqual([]);
        expect(s.srcPort === 179 || s.dstPort === 179).toBe(true);
        expect(toHex(s.data.subarray(0, 16))).toBe('ff'.repeat(16));
        // Walk the messages: each starts with the marker and the last one ends exactly at the stream end.
        let off = 0;
        let count = 0;
        while (off < s.data.length) {
          const r = new Reader(s.data, off);
          expect(toHex(r.view(16))).toBe('ff'.repeat(16));
          const len = r.u16();
          expect(len).toBeGreaterThanOrEqual(19);
          // The message ends in a frame that is a real TCP segment of this direction.
          const endFrame = frameAt(s, off + len - 1)!;
          expect(endFrame).toBeGreaterThan(0);
          const t = findLayer(frames[endFrame - 1]!, 'tcp')!.value;
          expect(t.srcPort).toBe(s.srcPort);
          off += len;
          count++;
        }
        expect(off).toBe(s.data.length);
        expect(count).toBeGreaterThanOrEqual(2);
        // The first message is an OPEN (type 1) and it arrived in one frame.
        expect(s.data[18]).toBe(1);
        expect(frameAt(s, 0)).toBe(frameAt(s, (s.data[16]! << 8) + s.data[17]! - 1));
      }
    });
  }

  it('frr-frr: message counts per direction match the README listing', () => {
    const frames = loadCapture('frr-frr-ibgp-evpn.pcap').records.map((r) => decodeFrame(r.data));
    const streams = reassembleTcpStreams(tcpSegmentsOf(frames));
    const types = (s: (typeof streams)[number]): number[] => {
      const out: number[] = [];
      for (let off = 0; off < s.data.length; off += (s.data[off + 16]! << 8) | s.data[off + 17]!) out.push(s.data[off + 18]!);
      return out;
    };
    const a = streams.find((s) => s.src === '10.98.0.1')!;
    const b = streams.find((s) => s.src === '10.98.0.2')!;
    // A: OPEN, KEEPALIVE, 3 UPDATEs + EoR, 2 type-2 UPDATEs, 3 re-advertised UPDATEs.
    expect(types(a)).toEqual([1, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // B: OPEN, KEEPALIVE, 3 UPDATEs + EoR, 4 type-2 UPDATEs.
    expect(types(b)).toEqual([1, 4, 2, 2, 2, 2, 2, 2, 2, 2]);
  });
});
