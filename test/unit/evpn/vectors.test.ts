import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { fromHex, toHex } from '../../../src/util/bytes';
import { decodeEvpnNlri, encodeEvpnNlri, encodingLengthEvpnNlri } from '../../../src/bgp/wire/evpn/nlri';
import * as rdCodec from '../../../src/bgp/wire/evpn/rd';
import type { EvpnNlri, EvpnRoute, RouteDistinguisher } from '../../../src/bgp/wire/evpn/types';
import { ZERO_ESI } from '../../../src/bgp/wire/evpn/types';

/*
 * Hand-built vectors. Each hex string was laid out field by field from the
 * wire diagrams (RFC 4364 §4.2, RFC 7432 §7.1–7.4, RFC 9136 §3.1, RFC 7911 §3),
 * not produced by the encoder; spaces separate the fields.
 */

const RD_T0: RouteDistinguisher = { type: 0, admin: 65100, assigned: 2 }; // 0000 fe4c 00000002
const RD_T1: RouteDistinguisher = { type: 1, admin: '10.98.0.1', assigned: 1 }; // 0001 0a620001 0001
const RD_T2: RouteDistinguisher = { type: 2, admin: 4200000000, assigned: 5 }; // 0002 fa56ea00 0005

interface Vec {
  name: string;
  hex: string;
  nlri: EvpnNlri;
  addPath?: boolean;
}

const route = (r: EvpnRoute, pathId?: number): EvpnNlri => (pathId === undefined ? { route: r } : { route: r, pathId });

const VECTORS: Vec[] = [
  {
    name: 'type 1 Ethernet A-D per ES (MAX-ET, label 0), type 1 RD, type 0 ESI',
    hex: '01 19  0001 0a620001 0001  00 112233445566778899  ffffffff  000000',
    nlri: route({ routeType: 1, rd: RD_T1, esi: '00:11:22:33:44:55:66:77:88:99', ethTag: 0xffffffff, label: 0 }),
  },
  {
    name: 'type 1 Ethernet A-D per EVI (label = VNI 100), type 0 RD, type 3 ESI',
    hex: '01 19  0000 fe4c 00000002  03 02aa00000001 000007  00000000  000064',
    nlri: route({ routeType: 1, rd: RD_T0, esi: '03:02:aa:00:00:00:01:00:00:07', ethTag: 0, label: 100 }),
  },
  {
    name: 'type 2 MAC-only with two labels (36 octets), type 2 RD',
    hex: '02 24  0002 fa56ea00 0005  00000000000000000000  00000000  30 02cc00000011  00  000064 0003e8',
    nlri: route({ routeType: 2, rd: RD_T2, esi: ZERO_ESI, ethTag: 0, mac: '02:cc:00:00:00:11', label1: 100, label2: 1000 }),
  },
  {
    name: 'type 2 MAC + IPv4, one label (37 octets), Ethernet Tag 10',
    hex: '02 25  0000 fe4c 00000002  00000000000000000000  0000000a  30 02cc00000011  20 0a64000b  000064',
    nlri: route({ routeType: 2, rd: RD_T0, esi: ZERO_ESI, ethTag: 10, mac: '02:cc:00:00:00:11', ip: '10.100.0.11', label1: 100 }),
  },
  {
    name: 'type 2 MAC + IPv6, one label (49 octets)',
    hex: '02 31  0000 fe4c 00000002  00000000000000000000  00000000  30 02cc00000011  80 fd000000000000000000000000000011  000064',
    nlri: route({ routeType: 2, rd: RD_T0, esi: ZERO_ESI, ethTag: 0, mac: '02:cc:00:00:00:11', ip: 'fd00::11', label1: 100 }),
  },
  {
    name: 'type 2 MAC + IPv6, two labels (52 octets), LACP ESI',
    hex: '02 34  0001 0a620001 0001  01 02aa00000001 0100 00  00000000  30 02cc00000011  80 20010db8000000000000000000000001  000064 0003e8',
    nlri: route({
      routeType: 2,
      rd: RD_T1,
      esi: '01:02:aa:00:00:00:01:01:00:00',
      ethTag: 0,
      mac: '02:cc:00:00:00:11',
      ip: '2001:db8::1',
      label1: 100,
      label2: 1000,
    }),
  },
  {
    name: 'type 3 IMET with IPv6 originator (29 octets)',
    hex: '03 1d  0001 0a620001 0002  00000000  80 fd000000000000000000000000000001',
    nlri: route({ routeType: 3, rd: { type: 1, admin: '10.98.0.1', assigned: 2 }, ethTag: 0, originatorIp: 'fd00::1' }),
  },
  {
    name: 'type 3 IMET with IPv4 originator and type 2 RD (17 octets)',
    hex: '03 11  0002 fa56ea00 0005  00000064  20 0a620001',
    nlri: route({ routeType: 3, rd: RD_T2, ethTag: 100, originatorIp: '10.98.0.1' }),
  },
  {
    name: 'type 4 ES route, IPv4 originator (23 octets), type 4 (router-ID) ESI',
    hex: '04 17  0001 0a620001 0001  04 0a620001 00000007 00  20 0a620001',
    nlri: route({ routeType: 4, rd: RD_T1, esi: '04:0a:62:00:01:00:00:00:07:00', originatorIp: '10.98.0.1' }),
  },
  {
    name: 'type 4 ES route, IPv6 originator (35 octets), type 5 (AS) ESI',
    hex: '04 23  0000 fe4c 00000002  05 0000fe4c 00000001 00  80 20010db8000000000000000000000001',
    nlri: route({ routeType: 4, rd: RD_T0, esi: '05:00:00:fe:4c:00:00:00:01:00', originatorIp: '2001:db8::1' }),
  },
  {
    name: 'type 5 IPv4 prefix with gateway IP and ESI (34 octets)',
    hex: '05 22  0001 0a620001 0001  00 0102030405060708 09  00000000  10 0a640000 0a640001  0003e8',
    nlri: route({
      routeType: 5,
      rd: RD_T1,
      esi: '00:01:02:03:04:05:06:07:08:09',
      ethTag: 0,
      prefix: '10.100.0.0',
      prefixLength: 16,
      gatewayIp: '10.100.0.1',
      label: 1000,
    }),
  },
  {
    name: 'type 5 IPv6 prefix /64 (58 octets)',
    hex: '05 3a  0000 fe4c 00000002  00000000000000000000  00000000  40 20010db8000100000000000000000000 00000000000000000000000000000000  0003e8',
    nlri: route({
      routeType: 5,
      rd: RD_T0,
      esi: ZERO_ESI,
      ethTag: 0,
      prefix: '2001:db8:1::',
      prefixLength: 64,
      gatewayIp: '::',
      label: 1000,
    }),
  },
  {
    name: 'type 5 IPv6 default route /0, label at maximum 0xffffff',
    hex: '05 3a  0000 fe4c 00000002  00000000000000000000  00000000  00 00000000000000000000000000000000 00000000000000000000000000000000  ffffff',
    nlri: route({ routeType: 5, rd: RD_T0, esi: ZERO_ESI, ethTag: 0, prefix: '::', prefixLength: 0, gatewayIp: '::', label: 0xffffff }),
  },
  {
    name: 'unknown route type 6 kept raw',
    hex: '06 03  aabbcc',
    nlri: route({ routeType: 6, unknown: true, value: Uint8Array.from([0xaa, 0xbb, 0xcc]) }),
  },
  {
    name: 'unknown route type 11 with empty value',
    hex: '0b 00',
    nlri: route({ routeType: 11, unknown: true, value: new Uint8Array(0) }),
  },
  {
    name: 'unknown RD type 3 kept raw inside a known route',
    hex: '03 11  0003 010203040506  00000000  20 0a620001',
    nlri: route({ routeType: 3, rd: { type: 3, raw: Uint8Array.from([1, 2, 3, 4, 5, 6]) }, ethTag: 0, originatorIp: '10.98.0.1' }),
  },
  {
    name: 'ADD-PATH: path identifier 7 before a type 3 route',
    hex: '00000007  03 11  0001 0a620001 0002  00000000  20 0a620001',
    addPath: true,
    nlri: route({ routeType: 3, rd: { type: 1, admin: '10.98.0.1', assigned: 2 }, ethTag: 0, originatorIp: '10.98.0.1' }, 7),
  },
  {
    name: 'ADD-PATH: path identifier 0xffffffff before a type 5 route',
    hex: 'ffffffff  05 22  0001 0a620001 0001  00000000000000000000  00000000  18 0a640000 00000000  0003e8',
    addPath: true,
    nlri: route(
      { routeType: 5, rd: RD_T1, esi: ZERO_ESI, ethTag: 0, prefix: '10.100.0.0', prefixLength: 24, gatewayIp: '0.0.0.0', label: 1000 },
      0xffffffff,
    ),
  },
];

describe('EVPN NLRI hand-built vectors', () => {
  for (const v of VECTORS) {
    const addPath = v.addPath ?? false;
    it(`encodes: ${v.name}`, () => {
      const want = fromHex(v.hex);
      expect(encodingLengthEvpnNlri(v.nlri, addPath)).toBe(want.length);
      const buf = new Uint8Array(want.length + 4).fill(0xee);
      expect(encodeEvpnNlri(v.nlri, buf, 2, addPath)).toBe(2 + want.length);
      expect(toHex(buf.subarray(2, 2 + want.length))).toBe(toHex(want));
      expect(buf[0]).toBe(0xee);
      expect(buf[want.length + 2]).toBe(0xee);
    });
    it(`decodes: ${v.name}`, () => {
      const bytes = fromHex(v.hex);
      const framed = new Uint8Array(bytes.length + 2);
      framed.set(bytes, 1);
      const r = new Reader(framed, 1, 1 + bytes.length);
      expect(decodeEvpnNlri(r, addPath)).toStrictEqual(v.nlri);
      expect(r.pos).toBe(1 + bytes.length);
    });
  }

  it('ADD-PATH off: a pathId on the value is not written', () => {
    const v = VECTORS.find((x) => x.addPath)!;
    const buf = new Uint8Array(encodingLengthEvpnNlri(v.nlri, false));
    encodeEvpnNlri(v.nlri, buf, 0, false);
    expect(toHex(buf)).toBe(toHex(fromHex(v.hex).subarray(4)));
  });

  it('ADD-PATH on: a value without pathId is sent with path identifier 0', () => {
    const n: EvpnNlri = { route: { routeType: 3, rd: RD_T1, ethTag: 0, originatorIp: '10.98.0.1' } };
    const buf = new Uint8Array(encodingLengthEvpnNlri(n, true));
    encodeEvpnNlri(n, buf, 0, true);
    expect(toHex(buf.subarray(0, 6))).toBe('000000000311');
  });
});

describe('route distinguisher wire form (RFC 4364 §4.2)', () => {
  const cases: [RouteDistinguisher, string, string][] = [
    [RD_T0, '0000fe4c00000002', '65100:2'],
    [{ type: 0, admin: 0, assigned: 0xffffffff }, '00000000ffffffff', '0:4294967295'],
    [RD_T1, '00010a6200010001', '10.98.0.1:1'],
    [{ type: 1, admin: '255.255.255.255', assigned: 65535 }, '0001ffffffffffff', '255.255.255.255:65535'],
    [RD_T2, '0002fa56ea000005', '4200000000:5'],
    [{ type: 2, admin: 65100, assigned: 5 }, '00020000fe4c0005', '65100L:5'],
    [{ type: 0xabcd, raw: Uint8Array.from([1, 2, 3, 4, 5, 6]) }, 'abcd010203040506', '43981:0x010203040506'],
  ];
  for (const [rd, hex, text] of cases) {
    it(`${text} ↔ ${hex}`, () => {
      const buf = new Uint8Array(8);
      expect(rdCodec.encode(rd, buf, 0)).toBe(8);
      expect(toHex(buf)).toBe(hex);
      expect(rdCodec.decode(new Reader(fromHex(hex)))).toStrictEqual(rd);
      expect(rdCodec.rdToString(rd)).toBe(text);
      expect(rdCodec.parseRd(text)).toStrictEqual(rd);
    });
  }
});
