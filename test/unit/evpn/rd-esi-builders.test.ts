import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { DecodeError } from '../../../src/util/errors';
import { fromHex, toHex } from '../../../src/util/bytes';
import * as rdc from '../../../src/bgp/wire/evpn/rd';
import * as esic from '../../../src/bgp/wire/evpn/esi';
import { ethernetAdRoute, ethernetSegmentRoute, imetRoute, ipPrefixRoute, macIpRoute, MAX_ET } from '../../../src/bgp/wire/evpn/builders';
import { decodeEvpnNlri, encodeEvpnNlri, encodingLengthEvpnNlri } from '../../../src/bgp/wire/evpn/nlri';
import { ZERO_ESI, type EvpnRoute } from '../../../src/bgp/wire/evpn/types';

describe('parseRd', () => {
  it('chooses type 0 when the administrator fits 2 octets', () => {
    expect(rdc.parseRd('65100:2')).toEqual({ type: 0, admin: 65100, assigned: 2 });
    expect(rdc.parseRd('65535:4294967295')).toEqual({ type: 0, admin: 65535, assigned: 4294967295 });
    expect(rdc.parseRd(' 0:0 ')).toEqual({ type: 0, admin: 0, assigned: 0 });
  });
  it('chooses type 2 when the administrator needs 4 octets', () => {
    expect(rdc.parseRd('4200000000:5')).toEqual({ type: 2, admin: 4200000000, assigned: 5 });
    expect(rdc.parseRd('65536:65535')).toEqual({ type: 2, admin: 65536, assigned: 65535 });
  });
  it('chooses type 1 for an IPv4 administrator', () => {
    expect(rdc.parseRd('10.98.0.1:2')).toEqual({ type: 1, admin: '10.98.0.1', assigned: 2 });
  });
  it('accepts the explicit forms', () => {
    expect(rdc.parseRd('65100L:5')).toEqual({ type: 2, admin: 65100, assigned: 5 });
    expect(rdc.parseRd('2:65100:5')).toEqual({ type: 2, admin: 65100, assigned: 5 });
    expect(rdc.parseRd('0:1:2')).toEqual({ type: 0, admin: 1, assigned: 2 });
    expect(rdc.parseRd('1:10.0.0.1:7')).toEqual({ type: 1, admin: '10.0.0.1', assigned: 7 });
    expect(rdc.parseRd('7:0x0102030405ff')).toEqual({ type: 7, raw: fromHex('0102030405ff') });
    // A raw form of a known type decodes to the structured value.
    expect(rdc.parseRd('0:0xfe4c00000000')).toEqual({ type: 0, admin: 65100, assigned: 0 });
  });
  it('rejects RDs that no type can hold, and garbage', () => {
    for (const bad of [
      '65536:65536', // 4-octet ASN leaves 2 octets for the number
      '4294967296:1',
      '65100:4294967296',
      '10.98.0.1:65536',
      '0:65536:1',
      '2:1:65536',
      '1:65100:1',
      '3:1:2',
      '65100L:65536',
      '256.0.0.1:1',
      '1.2.3:4',
      '-1:1',
      '+1:1',
      '1:1:1:1',
      '65100',
      '',
      'a:b',
      '7:0x01',
      '70000:0x010203040506',
    ]) {
      expect(() => rdc.parseRd(bad), bad).toThrow(RangeError);
    }
  });
  it('rdToString writes a type 2 RD with a small ASN with the L suffix', () => {
    expect(rdc.rdToString({ type: 2, admin: 1, assigned: 1 })).toBe('1L:1');
    expect(rdc.rdToString({ type: 2, admin: 4200000000, assigned: 5 })).toBe('4200000000:5');
  });
  it('the encoder rejects out-of-range fields with RangeError', () => {
    const buf = new Uint8Array(8);
    expect(() => rdc.encode({ type: 0, admin: 65536, assigned: 0 }, buf, 0)).toThrow(RangeError);
    expect(() => rdc.encode({ type: 1, admin: '10.0.0.1', assigned: 65536 }, buf, 0)).toThrow(RangeError);
    expect(() => rdc.encode({ type: 1, admin: 'x', assigned: 1 }, buf, 0)).toThrow(RangeError);
    expect(() => rdc.encode({ type: 2, admin: 2 ** 32, assigned: 0 }, buf, 0)).toThrow(RangeError);
    expect(() => rdc.encode({ type: 5, raw: new Uint8Array(5) }, buf, 0)).toThrow(RangeError);
  });
  it('decode throws DecodeError on fewer than 8 octets', () => {
    expect(() => rdc.decode(new Reader(new Uint8Array(7)))).toThrow(DecodeError);
  });
  it('rdEquals compares values, including raw ones', () => {
    expect(rdc.rdEquals(rdc.parseRd('10.0.0.1:1'), { type: 1, admin: '10.0.0.1', assigned: 1 })).toBe(true);
    expect(rdc.rdEquals(rdc.parseRd('1:1'), rdc.parseRd('1L:1'))).toBe(false);
    expect(rdc.rdEquals(rdc.parseRd('9:0x010203040506'), rdc.parseRd('9:0x010203040506'))).toBe(true);
    expect(rdc.rdEquals(rdc.parseRd('9:0x010203040506'), rdc.parseRd('9:0x010203040507'))).toBe(false);
  });
});

describe('ESI (RFC 7432 §5)', () => {
  it('decodes and encodes the 10 octets', () => {
    const hex = '0102aa00000001010000';
    expect(esic.decode(new Reader(fromHex(hex)))).toBe('01:02:aa:00:00:00:01:01:00:00');
    expect(toHex(esic.esiBytes('01:02:AA:00:00:00:01:01:00:00'))).toBe(hex);
    expect(esic.decode(new Reader(new Uint8Array(10)))).toBe(ZERO_ESI);
    expect(() => esic.decode(new Reader(new Uint8Array(9)))).toThrow(DecodeError);
  });
  it('parses the usual spellings', () => {
    expect(esic.parseEsi('00-11-22-33-44-55-66-77-88-99')).toBe('00:11:22:33:44:55:66:77:88:99');
    expect(esic.parseEsi('0011.2233.4455.6677.8899')).toBe('00:11:22:33:44:55:66:77:88:99');
    expect(esic.parseEsi('00112233445566778899')).toBe('00:11:22:33:44:55:66:77:88:99');
    expect(() => esic.parseEsi('00:11')).toThrow(RangeError);
  });
  it('the encoder rejects non-canonical text with RangeError', () => {
    const b = new Uint8Array(10);
    for (const bad of ['00:11:22:33:44:55:66:77:88', '00:11:22:33:44:55:66:77:88:9g', '00-11-22-33-44-55-66-77-88-99']) {
      expect(() => esic.encode(bad, b, 0), bad).toThrow(RangeError);
    }
  });
  it('describes each ESI type', () => {
    expect(esic.describeEsi(ZERO_ESI)).toEqual({ type: 0, value: '00:00:00:00:00:00:00:00:00', singleHomed: true });
    expect(esic.describeEsi('00:11:22:33:44:55:66:77:88:99')).toMatchObject({ type: 0, singleHomed: false });
    expect(esic.describeEsi('01:02:aa:00:00:00:01:01:00:00')).toEqual({ type: 1, lacpSystemMac: '02:aa:00:00:00:01', lacpPortKey: 256 });
    expect(esic.describeEsi('02:02:aa:00:00:00:01:80:00:00')).toEqual({ type: 2, rootBridgeMac: '02:aa:00:00:00:01', rootBridgePriority: 32768 });
    expect(esic.describeEsi('03:02:aa:00:00:00:01:00:00:07')).toEqual({ type: 3, systemMac: '02:aa:00:00:00:01', localDiscriminator: 7 });
    expect(esic.describeEsi('04:0a:62:00:01:00:00:00:07:00')).toEqual({ type: 4, routerId: '10.98.0.1', localDiscriminator: 7 });
    expect(esic.describeEsi('05:00:00:fe:4c:00:00:00:01:00')).toEqual({ type: 5, asn: 65100, localDiscriminator: 1 });
    expect(esic.describeEsi(esic.MAX_ESI)).toMatchObject({ type: 255, maxEsi: true });
    expect(esic.describeEsi('06:00:00:00:00:00:00:00:00:01')).toMatchObject({ type: 6, maxEsi: false });
  });
  it('formats ESIs for logs', () => {
    expect(esic.formatEsi(ZERO_ESI)).toMatch(/single-homed/);
    expect(esic.formatEsi(esic.MAX_ESI)).toMatch(/MAX-ESI/);
    expect(esic.formatEsi('03:02:aa:00:00:00:01:00:00:07')).toMatch(/type 3 \(MAC-based\) system MAC 02:aa:00:00:00:01 discriminator 7/);
    expect(esic.formatEsi('05:00:00:fe:4c:00:00:00:01:00')).toMatch(/AS 65100/);
  });
});

describe('builders', () => {
  function roundTrip(r: EvpnRoute): EvpnRoute {
    const n = { route: r };
    const buf = new Uint8Array(encodingLengthEvpnNlri(n, false));
    encodeEvpnNlri(n, buf, 0, false);
    return decodeEvpnNlri(new Reader(buf), false).route;
  }

  it('macIpRoute fills defaults and normalises text to the decoded form', () => {
    const r = macIpRoute({ rd: '10.98.0.1:2', mac: '02-CC-00-00-00-11', ip: 'FD00:0:0::11', label1: 100, label2: 1000 });
    expect(r).toStrictEqual({
      routeType: 2,
      rd: { type: 1, admin: '10.98.0.1', assigned: 2 },
      esi: ZERO_ESI,
      ethTag: 0,
      mac: '02:cc:00:00:00:11',
      ip: 'fd00::11',
      label1: 100,
      label2: 1000,
    });
    expect(roundTrip(r)).toStrictEqual(r);
    expect(Object.keys(macIpRoute({ rd: '1:1', mac: '02:cc:00:00:00:11', label1: 1 }))).toEqual(['routeType', 'rd', 'esi', 'ethTag', 'mac', 'label1']);
  });
  it('imetRoute and ipPrefixRoute', () => {
    const i = imetRoute({ rd: { type: 1, admin: '10.98.0.1', assigned: 2 }, originatorIp: '10.98.0.1' });
    expect(i).toStrictEqual({ routeType: 3, rd: { type: 1, admin: '10.98.0.1', assigned: 2 }, ethTag: 0, originatorIp: '10.98.0.1' });
    const p = ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '10.100.0.0/24', label: 1000 });
    expect(p).toStrictEqual({
      routeType: 5,
      rd: { type: 1, admin: '10.98.0.1', assigned: 1 },
      esi: ZERO_ESI,
      ethTag: 0,
      prefix: '10.100.0.0',
      prefixLength: 24,
      gatewayIp: '0.0.0.0',
      label: 1000,
    });
    expect(ipPrefixRoute({ rd: '1:1', prefix: '2001:db8::', prefixLength: 48, label: 1 }).gatewayIp).toBe('::');
    for (const r of [i, p]) expect(roundTrip(r)).toStrictEqual(r);
  });
  it('ethernetAdRoute and ethernetSegmentRoute', () => {
    const a = ethernetAdRoute({ rd: '10.98.0.1:1', esi: '03-02-aa-00-00-00-01-00-00-07', ethTag: MAX_ET });
    expect(a).toStrictEqual({ routeType: 1, rd: { type: 1, admin: '10.98.0.1', assigned: 1 }, esi: '03:02:aa:00:00:00:01:00:00:07', ethTag: MAX_ET, label: 0 });
    const e = ethernetSegmentRoute({ rd: '10.98.0.1:1', esi: '03:02:aa:00:00:00:01:00:00:07', originatorIp: '2001:DB8::1' });
    expect(e.originatorIp).toBe('2001:db8::1');
    for (const r of [a, e]) expect(roundTrip(r)).toStrictEqual(r);
  });
  it('reject invalid input with RangeError', () => {
    expect(() => macIpRoute({ rd: '1:1', mac: '02:cc:00:00:00', label1: 1 })).toThrow(RangeError);
    expect(() => macIpRoute({ rd: '1:1', mac: '02:cc:00:00:00:11', label1: 0x1000000 })).toThrow(RangeError);
    expect(() => macIpRoute({ rd: '1:1', mac: '02:cc:00:00:00:11', ip: '10.0.0', label1: 1 })).toThrow(RangeError);
    expect(() => macIpRoute({ rd: '65536:65536', mac: '02:cc:00:00:00:11', label1: 1 })).toThrow(RangeError);
    expect(() => ipPrefixRoute({ rd: '1:1', prefix: '10.0.0.0/33', label: 1 })).toThrow(RangeError);
    expect(() => ipPrefixRoute({ rd: '1:1', prefix: '10.0.0.0', label: 1 })).toThrow(RangeError);
    expect(() => ipPrefixRoute({ rd: '1:1', prefix: '10.0.0.0/8', prefixLength: 9, label: 1 })).toThrow(RangeError);
    expect(() => ipPrefixRoute({ rd: '1:1', prefix: '10.0.0.0/8', gatewayIp: '::1', label: 1 })).toThrow(RangeError);
    expect(() => imetRoute({ rd: '1:1', originatorIp: '10.0.0.1', ethTag: -1 })).toThrow(RangeError);
  });
  it('encoders reject inconsistent values with RangeError', () => {
    const p = ipPrefixRoute({ rd: '1:1', prefix: '10.0.0.0/8', label: 1 });
    const buf = new Uint8Array(100);
    expect(() => encodeEvpnNlri({ route: { ...p, gatewayIp: '::' } }, buf, 0, false)).toThrow(RangeError);
    expect(() => encodeEvpnNlri({ route: { ...p, prefixLength: 33 } }, buf, 0, false)).toThrow(RangeError);
    expect(() => encodeEvpnNlri({ route: { ...p, label: -1 } }, buf, 0, false)).toThrow(RangeError);
    expect(() => encodeEvpnNlri({ route: p, pathId: 2 ** 32 }, buf, 0, true)).toThrow(RangeError);
    expect(() => encodeEvpnNlri({ route: { routeType: 9, unknown: true, value: new Uint8Array(256) } }, new Uint8Array(300), 0, false)).toThrow(RangeError);
  });
});
