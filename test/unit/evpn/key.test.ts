import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../src/util/bytes';
import { evpnNlriKey, evpnRouteKey, evpnRouteKeyAt, formatRoute, describeNlri, keyToHex } from '../../../src/bgp/wire/evpn/key';
import { encodeEvpnRoute, encodingLengthEvpnRoute } from '../../../src/bgp/wire/evpn/nlri';
import { ethernetAdRoute, ethernetSegmentRoute, imetRoute, ipPrefixRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';

const base = macIpRoute({ rd: '10.98.0.1:2', mac: '02:cc:00:00:00:11', ip: '10.100.0.11', label1: 100, label2: 1000 });

describe('MAC/IP route key (RFC 7432 §7.2): RD, Ethernet Tag, MAC, IP', () => {
  it('ESI and labels are not part of the key', () => {
    const other = { ...base, esi: '00:11:22:33:44:55:66:77:88:99', label1: 200 };
    delete (other as { label2?: number }).label2;
    expect(evpnRouteKey(other)).toBe(evpnRouteKey(base));
  });

  it('a different IP is a different route', () => {
    expect(evpnRouteKey({ ...base, ip: '10.100.0.12' })).not.toBe(evpnRouteKey(base));
  });

  it('MAC-only and MAC+IP routes of one host are different routes', () => {
    const macOnly = macIpRoute({ rd: '10.98.0.1:2', mac: '02:cc:00:00:00:11', label1: 100 });
    expect(evpnRouteKey(macOnly)).not.toBe(evpnRouteKey(base));
  });

  it('IPv4 and IPv6 addresses with equal leading octets differ (the IP length is in the key)', () => {
    const v6 = { ...base, ip: 'a64:b::' };
    expect(evpnRouteKey(v6)).not.toBe(evpnRouteKey(base));
  });

  it('RD, Ethernet Tag and MAC are part of the key', () => {
    const k = evpnRouteKey(base);
    expect(evpnRouteKey({ ...base, rd: { type: 1, admin: '10.98.0.1', assigned: 3 } })).not.toBe(k);
    expect(evpnRouteKey({ ...base, rd: { type: 0, admin: 65100, assigned: 2 } })).not.toBe(k);
    expect(evpnRouteKey({ ...base, ethTag: 1 })).not.toBe(k);
    expect(evpnRouteKey({ ...base, mac: '02:cc:00:00:00:12' })).not.toBe(k);
  });

  it('is the route type, RD, Ethernet Tag, MAC length, MAC, IP length and IP octets', () => {
    expect(keyToHex(evpnRouteKey(base))).toBe('02' + '00010a6200010002' + '00000000' + '30' + '02cc00000011' + '20' + '0a64000b');
  });
});

describe('IP Prefix route key (RFC 9136 §3.1): RD, Ethernet Tag, prefix length, prefix', () => {
  const p = ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '10.100.0.0/24', label: 1000 });
  it('ESI, gateway IP and label are not part of the key', () => {
    expect(evpnRouteKey({ ...p, esi: '00:11:22:33:44:55:66:77:88:99', gatewayIp: '10.100.0.1', label: 5 })).toBe(evpnRouteKey(p));
  });
  it('prefix length, prefix, family and RD are', () => {
    const k = evpnRouteKey(p);
    expect(evpnRouteKey({ ...p, prefixLength: 25 })).not.toBe(k);
    expect(evpnRouteKey({ ...p, prefix: '10.100.1.0' })).not.toBe(k);
    expect(evpnRouteKey({ ...p, rd: { type: 1, admin: '10.98.0.2', assigned: 1 } })).not.toBe(k);
    const v6 = ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '::/0', label: 1000 });
    const v4 = ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '0.0.0.0/0', label: 1000 });
    expect(evpnRouteKey(v6)).not.toBe(evpnRouteKey(v4));
  });
});

describe('keys of the other route types', () => {
  it('type 1: RD, ESI, Ethernet Tag; not the label', () => {
    const a = ethernetAdRoute({ rd: '10.98.0.1:1', esi: '03:02:aa:00:00:00:01:00:00:07', ethTag: 0xffffffff });
    expect(evpnRouteKey({ ...a, label: 100 })).toBe(evpnRouteKey(a));
    expect(evpnRouteKey({ ...a, esi: '03:02:aa:00:00:00:01:00:00:08' })).not.toBe(evpnRouteKey(a));
    expect(evpnRouteKey({ ...a, ethTag: 0 })).not.toBe(evpnRouteKey(a));
  });
  it('type 3: RD, Ethernet Tag, originator', () => {
    const a = imetRoute({ rd: '10.98.0.1:2', originatorIp: '10.98.0.1' });
    expect(evpnRouteKey({ ...a, originatorIp: '10.98.0.2' })).not.toBe(evpnRouteKey(a));
    expect(evpnRouteKey({ ...a, ethTag: 100 })).not.toBe(evpnRouteKey(a));
    expect(evpnRouteKey(imetRoute({ rd: '10.98.0.1:2', originatorIp: '10.98.0.1' }))).toBe(evpnRouteKey(a));
  });
  it('type 4: RD, ESI, originator', () => {
    const a = ethernetSegmentRoute({ rd: '10.98.0.1:1', esi: '03:02:aa:00:00:00:01:00:00:07', originatorIp: '10.98.0.1' });
    expect(evpnRouteKey({ ...a, esi: '03:02:aa:00:00:00:01:00:00:08' })).not.toBe(evpnRouteKey(a));
    expect(evpnRouteKey({ ...a, originatorIp: 'fd00::1' })).not.toBe(evpnRouteKey(a));
  });
  it('routes of different types never share a key', () => {
    const routes: EvpnRoute[] = [
      ethernetAdRoute({ rd: '1.1.1.1:1', esi: '00:00:00:00:00:00:00:00:00:00' }),
      base,
      imetRoute({ rd: '1.1.1.1:1', originatorIp: '1.1.1.1' }),
      ethernetSegmentRoute({ rd: '1.1.1.1:1', esi: '00:00:00:00:00:00:00:00:00:00', originatorIp: '1.1.1.1' }),
      ipPrefixRoute({ rd: '1.1.1.1:1', prefix: '1.1.1.1/32', label: 1 }),
      { routeType: 9, unknown: true, value: new Uint8Array(0) },
    ];
    expect(new Set(routes.map(evpnRouteKey)).size).toBe(routes.length);
  });
  it('unknown route types key on their whole value', () => {
    const a: EvpnRoute = { routeType: 9, unknown: true, value: Uint8Array.from([1, 2]) };
    expect(evpnRouteKey(a)).not.toBe(evpnRouteKey({ ...a, value: Uint8Array.from([1, 3]) }));
    expect(keyToHex(evpnRouteKey(a))).toBe('09020102');
  });
  it('evpnRouteKeyAt reads a TLV in the middle of a buffer', () => {
    const buf = new Uint8Array(5 + encodingLengthEvpnRoute(base));
    encodeEvpnRoute(base, buf, 5);
    expect(evpnRouteKeyAt(buf, 5)).toBe(evpnRouteKey(base));
  });
  it('ADD-PATH path identifier is a key prefix', () => {
    expect(keyToHex(evpnNlriKey({ route: { routeType: 9, unknown: true, value: fromHex('aa') }, pathId: 258 }))).toBe('00000102' + '0901aa');
  });
});

describe('formatRoute (FRR bracket style)', () => {
  it('formats every route type', () => {
    expect(formatRoute(base)).toBe('[2]:[0]:[48]:[02:cc:00:00:00:11]:[32]:[10.100.0.11]');
    expect(formatRoute(macIpRoute({ rd: '1.1.1.1:1', mac: '02:cc:00:00:00:11', ip: 'fd00::11', label1: 1 }))).toBe(
      '[2]:[0]:[48]:[02:cc:00:00:00:11]:[128]:[fd00::11]',
    );
    expect(formatRoute(macIpRoute({ rd: '1.1.1.1:1', mac: '02:CC:00:00:00:11', label1: 1 }))).toBe('[2]:[0]:[48]:[02:cc:00:00:00:11]');
    expect(formatRoute(ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '10.100.0.0/24', label: 1000 }))).toBe('[5]:[0]:[24]:[10.100.0.0]');
    expect(formatRoute(ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '2001:db8::/64', label: 1000 }))).toBe('[5]:[0]:[64]:[2001:db8::]');
    expect(formatRoute(imetRoute({ rd: '10.98.0.1:2', originatorIp: '10.98.0.1' }))).toBe('[3]:[0]:[32]:[10.98.0.1]');
    expect(formatRoute(ethernetAdRoute({ rd: '1.1.1.1:1', esi: '03:02:aa:00:00:00:01:00:00:07', ethTag: 0xffffffff }))).toBe(
      '[1]:[4294967295]:[03:02:aa:00:00:00:01:00:00:07]',
    );
    expect(formatRoute(ethernetSegmentRoute({ rd: '1.1.1.1:1', esi: '03:02:aa:00:00:00:01:00:00:07', originatorIp: '10.98.0.1' }))).toBe(
      '[4]:[03:02:aa:00:00:00:01:00:00:07]:[32]:[10.98.0.1]',
    );
    expect(formatRoute({ routeType: 9, unknown: true, value: fromHex('0102') })).toBe('[9]:[0102]');
  });
  it('can prefix the RD, and describeNlri adds the non-key fields', () => {
    expect(formatRoute(base, { withRd: true })).toBe('10.98.0.1:2 [2]:[0]:[48]:[02:cc:00:00:00:11]:[32]:[10.100.0.11]');
    expect(describeNlri({ route: base, pathId: 3 })).toBe(
      'RD 10.98.0.1:2 [2]:[0]:[48]:[02:cc:00:00:00:11]:[32]:[10.100.0.11] ESI 00:00:00:00:00:00:00:00:00:00 label1 100 label2 1000 path-id 3',
    );
  });
});
