import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import { fromHex } from '../../../src/util/bytes';
import { decodeEvpnNlri, decodeEvpnNlriList, EvpnNlriError } from '../../../src/bgp/wire/evpn/nlri';
import * as type2 from '../../../src/bgp/wire/evpn/type2-mac-ip';

/*
 * Malformed NLRIs: what error, where decoding can resume (boundaryIntact),
 * and which route type is reported. Hex fields are separated by spaces.
 */

const RD = '0001 0a620001 0002';
const ESI0 = '00000000000000000000';
const ET0 = '00000000';
const MAC = '30 02cc00000011';

/** A well-formed type 3 route, used around bad ones in list tests. */
const GOOD3 = `03 11 ${RD} ${ET0} 20 0a620001`;
/** A well-formed type 5 route. */
const GOOD5 = `05 22 ${RD} ${ESI0} ${ET0} 18 0a640000 00000000 0003e8`;

function zeros(n: number): string {
  return '00'.repeat(n);
}

interface Bad {
  name: string;
  hex: string;
  message: RegExp;
  intact: boolean;
  routeType: number;
  addPath?: boolean;
}

const BAD: Bad[] = [
  // Type 1: exactly 25 octets.
  { name: 'type 1 length 24', hex: `01 18 ${zeros(24)}`, message: /type 1\): invalid length 24, must be 25/, intact: true, routeType: 1 },
  { name: 'type 1 length 26', hex: `01 1a ${zeros(26)}`, message: /invalid length 26, must be 25/, intact: true, routeType: 1 },
  // Type 2: 33/36/37/40/49/52.
  ...[0, 32, 34, 35, 38, 39, 41, 48, 50, 51, 53, 255].map(
    (len): Bad => ({
      name: `type 2 length ${len}`,
      hex: `02 ${len.toString(16).padStart(2, '0')} ${zeros(len)}`,
      message: new RegExp(`type 2\\): invalid length ${len}, must be 33, 36, 37, 40, 49 or 52`),
      intact: true,
      routeType: 2,
    }),
  ),
  {
    name: 'type 2 MAC length 47',
    hex: `02 21 ${RD} ${ESI0} ${ET0} 2f 02cc00000011 00 000064`,
    message: /MAC address length 47 bits, must be 48/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 MAC length 0',
    hex: `02 21 ${RD} ${ESI0} ${ET0} 00 02cc00000011 00 000064`,
    message: /MAC address length 0 bits, must be 48/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 IP length 8',
    hex: `02 25 ${RD} ${ESI0} ${ET0} ${MAC} 08 0a64000b 000064`,
    message: /IP address length 8 bits, must be 0, 32 or 128/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 IP length 64',
    hex: `02 25 ${RD} ${ESI0} ${ET0} ${MAC} 40 0a64000b 000064`,
    message: /IP address length 64 bits/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 length 33 with IP length 32',
    hex: `02 21 ${RD} ${ESI0} ${ET0} ${MAC} 20 000064`,
    message: /length 33 disagrees with IP address length 32 \(leaves -1 octet/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 length 37 with IP length 0',
    hex: `02 25 ${RD} ${ESI0} ${ET0} ${MAC} 00 0a64000b 000064`,
    message: /length 37 disagrees with IP address length 0 \(leaves 7 octet/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 length 49 with IP length 32',
    hex: `02 31 ${RD} ${ESI0} ${ET0} ${MAC} 20 ${zeros(16)} 000064`,
    message: /length 49 disagrees with IP address length 32/,
    intact: true,
    routeType: 2,
  },
  {
    name: 'type 2 length 40 with IP length 128',
    hex: `02 28 ${RD} ${ESI0} ${ET0} ${MAC} 80 0a64000b 000064 0003e8`,
    message: /length 40 disagrees with IP address length 128/,
    intact: true,
    routeType: 2,
  },
  // Type 3: 17 or 29, IP length must match.
  { name: 'type 3 length 16', hex: `03 10 ${zeros(16)}`, message: /type 3\): invalid length 16, must be 17 or 29/, intact: true, routeType: 3 },
  { name: 'type 3 length 18', hex: `03 12 ${zeros(18)}`, message: /invalid length 18/, intact: true, routeType: 3 },
  {
    name: 'type 3 length 17 with IP length 128',
    hex: `03 11 ${RD} ${ET0} 80 0a620001`,
    message: /IP address length 128 bits disagrees with route length 17 \(needs 32\)/,
    intact: true,
    routeType: 3,
  },
  {
    name: 'type 3 length 29 with IP length 32',
    hex: `03 1d ${RD} ${ET0} 20 ${zeros(16)}`,
    message: /IP address length 32 bits disagrees with route length 29 \(needs 128\)/,
    intact: true,
    routeType: 3,
  },
  // Type 4: 23 or 35.
  { name: 'type 4 length 22', hex: `04 16 ${zeros(22)}`, message: /type 4\): invalid length 22, must be 23 or 35/, intact: true, routeType: 4 },
  { name: 'type 4 length 36', hex: `04 24 ${zeros(36)}`, message: /invalid length 36/, intact: true, routeType: 4 },
  {
    name: 'type 4 length 23 with IP length 128',
    hex: `04 17 ${RD} ${ESI0} 80 0a620001`,
    message: /IP address length 128 bits disagrees with route length 23/,
    intact: true,
    routeType: 4,
  },
  {
    name: 'type 4 length 35 with IP length 0',
    hex: `04 23 ${RD} ${ESI0} 00 ${zeros(16)}`,
    message: /IP address length 0 bits disagrees with route length 35 \(needs 128\)/,
    intact: true,
    routeType: 4,
  },
  // Type 5: 34 or 58, prefix length bounded by the family.
  { name: 'type 5 length 33', hex: `05 21 ${zeros(33)}`, message: /type 5\): invalid length 33, must be 34 \(IPv4\) or 58 \(IPv6\)/, intact: true, routeType: 5 },
  { name: 'type 5 length 46', hex: `05 2e ${zeros(46)}`, message: /invalid length 46/, intact: true, routeType: 5 },
  { name: 'type 5 length 59', hex: `05 3b ${zeros(59)}`, message: /invalid length 59/, intact: true, routeType: 5 },
  {
    name: 'type 5 IPv4 prefix length 33',
    hex: `05 22 ${RD} ${ESI0} ${ET0} 21 0a640000 00000000 0003e8`,
    message: /prefix length 33 exceeds 32 for an IPv4 route \(length 34\)/,
    intact: true,
    routeType: 5,
  },
  {
    name: 'type 5 IPv6 prefix length 129',
    hex: `05 3a ${RD} ${ESI0} ${ET0} 81 ${zeros(32)} 0003e8`,
    message: /prefix length 129 exceeds 128 for an IPv6 route \(length 58\)/,
    intact: true,
    routeType: 5,
  },
  {
    name: 'type 5 IPv4 prefix length 255',
    hex: `05 22 ${RD} ${ESI0} ${ET0} ff 0a640000 00000000 0003e8`,
    message: /prefix length 255 exceeds 32/,
    intact: true,
    routeType: 5,
  },
  // Broken boundaries.
  { name: 'type 2 TLV longer than the field', hex: `02 21 ${RD} ${ESI0}`, message: /length 33 exceeds the 18 octet\(s\) left/, intact: false, routeType: 2 },
  { name: 'type 5 length 255 in a short field', hex: `05 ff 00`, message: /length 255 exceeds the 1 octet\(s\) left/, intact: false, routeType: 5 },
  { name: 'unknown type 9 longer than the field', hex: `09 05 0102`, message: /type 9.* length 5 exceeds the 2 octet/, intact: false, routeType: 9 },
  { name: 'header without the length octet', hex: `02`, message: /truncated header, need 2 octets \(type, length\), 1 left/, intact: false, routeType: 2 },
  { name: 'ADD-PATH identifier truncated', hex: `000000`, addPath: true, message: /truncated ADD-PATH path identifier, need 4 octets, 3 left/, intact: false, routeType: -1 },
  { name: 'ADD-PATH identifier without a route', hex: `00000001`, addPath: true, message: /truncated header, need 2 octets \(type, length\), 0 left/, intact: false, routeType: -1 },
  {
    name: 'ADD-PATH then a bad type 2 length',
    hex: `00000001 02 22 ${zeros(34)}`,
    addPath: true,
    message: /invalid length 34/,
    intact: true,
    routeType: 2,
  },
];

describe('malformed EVPN NLRI', () => {
  for (const b of BAD) {
    it(`${b.name} → ${b.intact ? 'boundary intact' : 'boundary broken'}`, () => {
      const bytes = fromHex(b.hex);
      const r = new Reader(bytes);
      let err: unknown;
      try {
        decodeEvpnNlri(r, b.addPath ?? false);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EvpnNlriError);
      expect(err).toBeInstanceOf(DecodeError);
      const e = err as EvpnNlriError;
      expect(e.message).toMatch(b.message);
      expect(e.boundaryIntact).toBe(b.intact);
      expect(e.routeType).toBe(b.routeType);
      if (b.intact) {
        // The Length octet delimits the bad route: the reader (and `next`) sit after it.
        expect(e.next).toBe(bytes.length);
        expect(r.pos).toBe(bytes.length);
      } else {
        expect(e.next).toBe(-1);
      }
    });
  }

  it('an unknown route type is a value, not an error (RFC 7606 §5.4)', () => {
    const { nlris, error } = decodeEvpnNlriList(new Reader(fromHex(`07 02 abcd ${GOOD3}`)), false);
    expect(error).toBeUndefined();
    expect(nlris.map((n) => n.route.routeType)).toEqual([7, 3]);
    expect(nlris[0]!.route).toStrictEqual({ routeType: 7, unknown: true, value: Uint8Array.from([0xab, 0xcd]) });
  });

  it('list: a bad route with an intact boundary keeps the routes before and after it', () => {
    const { nlris, error } = decodeEvpnNlriList(new Reader(fromHex(`${GOOD3} 02 22 ${zeros(34)} ${GOOD5}`)), false);
    expect(nlris.map((n) => n.route.routeType)).toEqual([3, 5]);
    expect(error).toBeInstanceOf(EvpnNlriError);
    expect(error).toMatchObject({ boundaryIntact: true, routeType: 2, next: 19 + 36 });
  });

  it('list: only the first of several faults is reported', () => {
    const { nlris, error } = decodeEvpnNlriList(new Reader(fromHex(`03 10 ${zeros(16)} ${GOOD3} 05 21 ${zeros(33)}`)), false);
    expect(nlris).toHaveLength(1);
    expect(error?.routeType).toBe(3);
  });

  it('list: a broken boundary stops decoding, keeps earlier routes and leaves the reader at its end', () => {
    const bytes = fromHex(`${GOOD3} ${GOOD5} 02 21 ${RD}`);
    const r = new Reader(bytes);
    const { nlris, error } = decodeEvpnNlriList(r, false);
    expect(nlris.map((n) => n.route.routeType)).toEqual([3, 5]);
    expect(error).toMatchObject({ boundaryIntact: false, routeType: 2 });
    expect(r.pos).toBe(bytes.length);
  });

  it('list: an empty field is no routes and no error', () => {
    expect(decodeEvpnNlriList(new Reader(new Uint8Array(0)), true)).toEqual({ nlris: [] });
  });

  it('the type decoders reject a length beyond their reader window', () => {
    const r = new Reader(fromHex(`${RD} ${ESI0}`));
    expect(() => type2.decode(r, 33)).toThrow(DecodeError);
  });

  it('error offsets point into the input', () => {
    const hex = `${GOOD3} 02 21 ${RD} ${ESI0} ${ET0} 2f 02cc00000011 00 000064`;
    const { error } = decodeEvpnNlriList(new Reader(fromHex(hex)), false);
    // GOOD3 is 19 octets; the MAC length octet is at 19 + 2 + 22.
    expect(error?.offset).toBe(19 + 2 + 22);
  });
});
