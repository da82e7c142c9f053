import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import { ipv6ToString } from '../../../src/util/ip';
import { macToString } from '../../../src/util/mac';
import { bytesEqual, toHex } from '../../../src/util/bytes';
import * as arp from '../../../src/packet/arp';
import * as ethernet from '../../../src/packet/ethernet';
import * as icmpv4 from '../../../src/packet/icmpv4';
import * as icmpv6 from '../../../src/packet/icmpv6';
import * as ipv4 from '../../../src/packet/ipv4';
import * as ipv6 from '../../../src/packet/ipv6';
import * as pcap from '../../../src/packet/pcap';
import * as tcp from '../../../src/packet/tcp';
import * as udp from '../../../src/packet/udp';
import * as vxlan from '../../../src/packet/vxlan';
import { type Layer, decodeFrame, encodeFrame } from '../../../src/packet/frame';
import { fixtureFrames, loadCapture } from './fixtures';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
const RT_RUNS = Math.max(100, Math.min(2000, FUZZ_RUNS));

const u8 = (max = 255): fc.Arbitrary<number> => fc.integer({ min: 0, max });
const bytes = (maxLength = 64): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => macToString(b, 0));
const ip4 = fc.ipV4();
const ip6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipv6ToString(b, 0));
const port = u8(0xffff);

function encodeWith(len: number, enc: (b: Uint8Array) => number): Uint8Array {
  const b = new Uint8Array(len);
  expect(enc(b)).toBe(len);
  return b;
}

/** Drops decode-only fields so a decoded value can be compared with the value that was encoded. */
function strip<T extends object>(v: T): Omit<T, 'checksum' | 'checksumValid'> {
  const { checksum: _c, checksumValid: _v, ...rest } = v as T & { checksum?: number; checksumValid?: boolean };
  return rest;
}

describe('round trip of random valid values', () => {
  const vlan = fc.record({
    tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100),
    pcp: u8(7),
    dei: fc.boolean(),
    vid: u8(0xfff),
  });
  it('ethernet', () => {
    const arb = fc.record({
      dst: mac,
      src: mac,
      vlans: fc.array(vlan, { maxLength: 3 }),
      ethertype: u8(0xffff).filter((t) => !ethernet.isTagTpid(t)),
      payload: bytes(100),
    });
    fc.assert(
      fc.property(arb, (f) => {
        const b = encodeWith(ethernet.encodingLength(f), (buf) => ethernet.encode(f, buf, 0));
        expect(ethernet.decode(new Reader(b))).toEqual(f);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('arp', () => {
    const arb = fc.record({ op: u8(0xffff), senderMac: mac, senderIp: ip4, targetMac: mac, targetIp: ip4 });
    fc.assert(
      fc.property(arb, (a) => {
        const b = encodeWith(arp.encodingLength(a), (buf) => arp.encode(a, buf, 0));
        expect(arp.decode(new Reader(b))).toEqual(a);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('ipv4 (checksum computed on encode, verified on decode)', () => {
    const arb = fc.record({
      dscp: u8(63),
      ecn: u8(3),
      id: port,
      dontFragment: fc.boolean(),
      moreFragments: fc.boolean(),
      fragmentOffset: u8(0x1fff),
      ttl: u8(),
      protocol: u8(),
      src: ip4,
      dst: ip4,
      options: fc.integer({ min: 0, max: 10 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 })),
      payload: bytes(100),
    });
    fc.assert(
      fc.property(arb, (p) => {
        const b = encodeWith(ipv4.encodingLength(p), (buf) => ipv4.encode(p, buf, 0));
        const d = ipv4.decode(new Reader(b));
        expect(d.checksumValid).toBe(true);
        expect(strip(d)).toEqual(p);
        // 'keep' with the decoded checksum reproduces the bytes.
        expect(encodeWith(b.length, (buf) => ipv4.encode(d, buf, 0, { checksum: 'keep' }))).toEqual(b);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('ipv6', () => {
    const arb = fc.record({
      trafficClass: u8(),
      flowLabel: u8(0xfffff),
      nextHeader: u8(),
      hopLimit: u8(),
      src: ip6,
      dst: ip6,
      payload: bytes(100),
    });
    fc.assert(
      fc.property(arb, (p) => {
        const b = encodeWith(ipv6.encodingLength(p), (buf) => ipv6.encode(p, buf, 0));
        expect(ipv6.decode(new Reader(b))).toEqual(p);
      }),
      { numRuns: RT_RUNS },
    );
  });

  const addrs = fc.oneof(fc.record({ src: ip4, dst: ip4 }), fc.record({ src: ip6, dst: ip6 }));

  it('udp over both families (pseudo-header checksum)', () => {
    const arb = fc.record({ srcPort: port, dstPort: port, payload: bytes(100) });
    fc.assert(
      fc.property(arb, addrs, (u, a) => {
        const b = encodeWith(udp.encodingLength(u), (buf) => udp.encode(u, buf, 0, a));
        const d = udp.decode(new Reader(b), a);
        expect(d.checksumValid).toBe(true);
        expect(d.checksum).not.toBe(0);
        expect(strip(d)).toEqual(u);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('tcp over both families', () => {
    const arb = fc.record({
      srcPort: port,
      dstPort: port,
      seq: fc.nat({ max: 0xffffffff }),
      ack: fc.nat({ max: 0xffffffff }),
      flags: u8(0x1ff),
      window: port,
      urgentPointer: port,
      options: fc.integer({ min: 0, max: 10 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 })),
      payload: bytes(100),
    });
    fc.assert(
      fc.property(arb, addrs, (s, a) => {
        const b = encodeWith(tcp.encodingLength(s), (buf) => tcp.encode(s, buf, 0, a));
        const d = tcp.decode(new Reader(b), a);
        expect(d.checksumValid).toBe(true);
        expect(strip(d)).toEqual(s);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('tcp options build/parse', () => {
    const opt = fc.oneof(
      fc.constant({ kind: 1, data: new Uint8Array(0) }),
      fc.record({ kind: fc.integer({ min: 2, max: 255 }), data: bytes(8) }),
    );
    fc.assert(
      fc.property(fc.array(opt, { maxLength: 4 }), (opts) => {
        const raw = tcp.buildTcpOptions(opts);
        expect(raw.length % 4).toBe(0);
        expect(tcp.parseTcpOptions(raw)).toEqual(opts.filter((o) => o.kind !== 1));
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('icmpv4', () => {
    const echo = fc.record({
      kind: fc.constant('echo' as const),
      type: fc.constantFrom(0 as const, 8 as const),
      code: u8(),
      id: port,
      seq: port,
      data: bytes(64),
    });
    const raw = fc.record({
      kind: fc.constant('raw' as const),
      type: u8().filter((t) => t !== 0 && t !== 8),
      code: u8(),
      rest: fc.nat({ max: 0xffffffff }),
      data: bytes(64),
    });
    fc.assert(
      fc.property(fc.oneof(echo, raw), (m) => {
        const b = encodeWith(icmpv4.encodingLength(m), (buf) => icmpv4.encode(m, buf, 0));
        const d = icmpv4.decode(new Reader(b));
        expect(d.checksumValid).toBe(true);
        expect(strip(d)).toEqual(m);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('icmpv6 (NS/NA with link-layer options, echo, other)', () => {
    const ndOpt: fc.Arbitrary<icmpv6.NdOption> = fc.oneof(
      fc.record({ kind: fc.constant('sll' as const), mac }),
      fc.record({ kind: fc.constant('tll' as const), mac }),
      fc.record({
        kind: fc.constant('raw' as const),
        type: fc.integer({ min: 3, max: 255 }),
        data: fc.integer({ min: 0, max: 3 }).chain((n) => fc.uint8Array({ minLength: 6 + 8 * n, maxLength: 6 + 8 * n })),
      }),
    );
    const ns = fc.record({ kind: fc.constant('ns' as const), code: u8(), reserved: fc.nat({ max: 0xffffffff }), target: ip6, options: fc.array(ndOpt, { maxLength: 3 }) });
    const na = fc.record({
      kind: fc.constant('na' as const),
      code: u8(),
      router: fc.boolean(),
      solicited: fc.boolean(),
      override: fc.boolean(),
      reserved: u8(0x1fffffff),
      target: ip6,
      options: fc.array(ndOpt, { maxLength: 3 }),
    });
    const echo = fc.record({ kind: fc.constant('echo' as const), type: fc.constantFrom(128 as const, 129 as const), code: u8(), id: port, seq: port, data: bytes(32) });
    const raw = fc.record({ kind: fc.constant('raw' as const), type: u8().filter((t) => ![128, 129, 135, 136].includes(t)), code: u8(), body: bytes(32) });
    const a = fc.record({ src: ip6, dst: ip6 });
    fc.assert(
      fc.property(fc.oneof(ns, na, echo, raw), a, (m, ctx) => {
        const b = encodeWith(icmpv6.encodingLength(m), (buf) => icmpv6.encode(m, buf, 0, ctx));
        const d = icmpv6.decode(new Reader(b), ctx);
        expect(d.checksumValid).toBe(true);
        expect(strip(d)).toEqual(m);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('vxlan', () => {
    const arb = fc.record({ iFlag: fc.boolean(), vni: u8(0xffffff), payload: bytes(100) });
    fc.assert(
      fc.property(arb, (v) => {
        const b = encodeWith(vxlan.encodingLength(v), (buf) => vxlan.encode(v, buf, 0));
        expect(vxlan.decode(new Reader(b))).toEqual(v);
      }),
      { numRuns: RT_RUNS },
    );
  });

  it('pcap', () => {
    const rec = fc.record({ tsSec: fc.nat({ max: 0xffffffff }), tsUsec: fc.nat({ max: 999999 }), data: bytes(80) });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 5 }), (recs) => {
        const f = pcap.readPcap(pcap.writePcap(recs));
        expect(f.error).toBeUndefined();
        expect(f.records).toEqual(recs.map((r) => ({ ...r, tsNsec: r.tsUsec * 1000, caplen: r.data.length, origLen: r.data.length })));
      }),
      { numRuns: Math.min(RT_RUNS, 500) },
    );
  });
});

/** Bytes each decoder sees in real and built frames, to seed the mutation fuzzer. */
function seeds(): Record<string, Uint8Array[]> {
  const out: Record<string, Uint8Array[]> = { frame: [] };
  const add = (k: string, b: Uint8Array): void => {
    (out[k] ??= []).push(b);
  };
  const frames = [
    ...['vxlan-dataplane-frr.pcap', 'frr-frr-ibgp-evpn.pcap', 'gobgp-frr-ebgp-evpn.pcap'].flatMap((n) => loadCapture(n).records.map((r) => r.data)),
    ...fixtureFrames().map((f) => f.bytes),
  ];
  for (const fr of frames) {
    add('frame', fr);
    const layers: Layer[] = decodeFrame(fr).layers;
    layers.forEach((l, i) => {
      const outer = layers[i - 1];
      const b =
        i === 0
          ? fr
          : outer?.type === 'ipv6'
            ? outer.value.payload.subarray(outer.extHeaders.length)
            : outer && 'payload' in outer.value
              ? outer.value.payload
              : undefined;
      if (b) add(l.type, b);
    });
  }
  return out;
}

const SEEDS = seeds();

/** VXLAN reserved bits are ignored on receipt and sent as zero (RFC 7348 §5), so only such headers re-encode identically. */
function vxlanReservedClear(layers: Layer[]): boolean {
  return layers.every((l, i) => {
    if (l.type !== 'vxlan') return true;
    const u = layers[i - 1]!;
    const h = u.type === 'udp' ? u.value.payload : new Uint8Array(8);
    return (h[0]! & ~0x08) === 0 && h[1] === 0 && h[2] === 0 && h[3] === 0 && h[7] === 0;
  });
}

/** A seed with random byte overwrites, truncation or extension. */
function mutated(pool: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      seed: fc.constantFrom(...pool),
      edits: fc.array(fc.tuple(fc.nat(), u8()), { maxLength: 6 }),
      cut: fc.oneof(fc.constant(-1), fc.nat()),
      extra: bytes(8),
    })
    .map(({ seed, edits, cut, extra }) => {
      let b = seed.slice();
      for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
      if (cut >= 0 && b.length) b = b.subarray(0, cut % (b.length + 1));
      if (cut < 0 && extra.length) {
        const c = new Uint8Array(b.length + extra.length);
        c.set(b);
        c.set(extra, b.length);
        b = c;
      }
      return b;
    });
}

/** The decoder returns a value or throws DecodeError, never anything else, and never writes to its input. */
function fuzz(name: string, pool: Uint8Array[], decodeFn: (b: Uint8Array) => unknown): void {
  it(`${name}: random and mutated bytes give a value or DecodeError`, () => {
    const input = fc.oneof(bytes(128), mutated(pool), mutated(pool));
    fc.assert(
      fc.property(input, (b) => {
        const before = b.slice();
        try {
          decodeFn(b);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
        if (!bytesEqual(b, before)) throw new Error(`${name} decoder wrote to its input`);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
}

describe(`fuzz (${FUZZ_RUNS} cases per decoder)`, () => {
  const v4ctx = { src: '10.0.0.1', dst: '10.0.0.2' };
  const v6ctx = { src: 'fd00::1', dst: 'fd00::2' };
  fuzz('ethernet', SEEDS.ethernet!, (b) => ethernet.decode(new Reader(b)));
  fuzz('arp', SEEDS.arp!, (b) => arp.decode(new Reader(b)));
  fuzz('ipv4', SEEDS.ipv4!, (b) => ipv4.decode(new Reader(b)));
  fuzz('ipv6', SEEDS.ipv6!, (b) => ipv6.decode(new Reader(b)));
  fuzz('udp', SEEDS.udp!, (b) => udp.decode(new Reader(b), b.length % 2 ? v4ctx : v6ctx));
  fuzz('tcp', SEEDS.tcp!, (b) => {
    const s = tcp.decode(new Reader(b), v4ctx);
    tcp.parseTcpOptions(s.options);
  });
  fuzz('icmpv4', SEEDS.icmpv4!, (b) => icmpv4.decode(new Reader(b)));
  fuzz('icmpv6', SEEDS.icmpv6!, (b) => icmpv6.decode(new Reader(b), v6ctx));
  fuzz('vxlan', SEEDS.vxlan!, (b) => vxlan.decode(new Reader(b)));
  it(`decodeFrame: random and mutated frames never throw, and what decodes re-encodes`, () => {
    fc.assert(
      fc.property(fc.oneof(bytes(128), mutated(SEEDS.frame!), mutated(SEEDS.frame!)), (b) => {
        const f = decodeFrame(b);
        if (!f.error && vxlanReservedClear(f.layers) && !bytesEqual(encodeFrame(f.layers), b)) {
          throw new Error(`re-encode differs: ${toHex(b)}`);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
  it('pcap: random and mutated files give records (plus an error) or DecodeError', () => {
    const file = pcap.writePcap(SEEDS.frame!.slice(0, 6).map((data) => ({ data })));
    fc.assert(
      fc.property(fc.oneof(bytes(64), mutated([file])), (b) => {
        try {
          const f = pcap.readPcap(b);
          for (const r of f.records) expect(r.data.length).toBe(r.caplen);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: Math.max(1, Math.floor(FUZZ_RUNS / 10)) },
    );
  });
});
