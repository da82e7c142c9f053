import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { fromHex, toHex } from '../../../src/util/bytes';
import { BgpError } from '../../../src/bgp/wire/errors';
import * as open from '../../../src/bgp/wire/open';
import type { OpenMessage } from '../../../src/bgp/wire/open';
import * as cap from '../../../src/bgp/wire/capabilities';
import * as notification from '../../../src/bgp/wire/notification';
import * as routeRefresh from '../../../src/bgp/wire/route-refresh';
import * as keepalive from '../../../src/bgp/wire/keepalive';
import { negotiate, advertisedFamilies } from '../../../src/bgp/wire/negotiate';

function enc<T>(v: T, len: (v: T) => number, e: (v: T, b: Uint8Array, o: number) => number): Uint8Array {
  const b = new Uint8Array(len(v));
  e(v, b, 0);
  return b;
}

const base: OpenMessage = { version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] };

describe('notification names', () => {
  it.each([
    [6, 2, 'Cease/Administrative Shutdown'],
    [6, 4, 'Cease/Administrative Reset'],
    [6, 9, 'Cease/Hard Reset'],
    [6, 10, 'Cease/BFD Down'],
    [6, 0, 'Cease/Unspecific'],
    [1, 1, 'Message Header Error/Connection Not Synchronized'],
    [2, 7, 'OPEN Message Error/Unsupported Capability'],
    [2, 11, 'OPEN Message Error/Role Mismatch'],
    [3, 11, 'UPDATE Message Error/Malformed AS_PATH'],
    [4, 0, 'Hold Timer Expired'],
    [5, 2, 'Finite State Machine Error/Receive Unexpected Message in OpenConfirm State'],
    [7, 1, 'ROUTE-REFRESH Message Error/Invalid Message Length'],
    [8, 0, 'Send Hold Timer Expired'],
    [5, 0, 'Finite State Machine Error/Unspecified Error'],
    [6, 99, 'Cease/Unknown Subcode 99'],
    [42, 1, 'Unknown Error Code 42/Unknown Subcode 1'],
  ])('%i/%i → %s', (code, sub, name) => {
    expect(notification.notificationName(code, sub)).toBe(name);
  });

  it('fromBgpError copies code, subcode and data', () => {
    const e = new BgpError('x', 2, 1, Uint8Array.of(0, 4));
    const n = notification.fromBgpError(e);
    expect(n).toEqual({ code: 2, subcode: 1, data: Uint8Array.of(0, 4) });
    expect(n.data).not.toBe(e.data);
    expect(notification.toBgpError(n).message).toBe('OPEN Message Error/Unsupported Version Number');
  });
});

describe('RFC 9003 shutdown communication', () => {
  it('encodes and decodes a UTF-8 message', () => {
    const n = notification.adminShutdown('maintenance — back at 10:00 🛠');
    const bytes = enc(n, notification.encodingLength, notification.encode);
    const d = notification.decodeMessage(bytes);
    expect(d.data[0]).toBe(d.data.length - 1);
    expect(notification.shutdownCommunication(d)).toEqual({ ok: true, message: 'maintenance — back at 10:00 🛠' });
    expect(notification.notificationName(d.code, d.subcode)).toBe('Cease/Administrative Shutdown');
  });

  it('reports a bad length or bad UTF-8 without throwing (RFC 9003 §4)', () => {
    expect(notification.shutdownCommunication({ code: 6, subcode: 2, data: fromHex('05616263') })).toMatchObject({ ok: false });
    expect(notification.shutdownCommunication({ code: 6, subcode: 4, data: fromHex('02c328') })).toEqual({ ok: false, reason: 'not valid UTF-8' });
    expect(notification.shutdownCommunication({ code: 6, subcode: 2, data: new Uint8Array(0) })).toBeUndefined();
    expect(notification.shutdownCommunication({ code: 6, subcode: 3, data: fromHex('0161') })).toBeUndefined();
    expect(notification.shutdownCommunication({ code: 6, subcode: 2, data: fromHex('00') })).toEqual({ ok: true, message: '' });
  });

  it('limits the message to 255 octets and truncates at a character boundary', () => {
    expect(() => notification.shutdownData('x'.repeat(256))).toThrow(RangeError);
    const t = notification.truncateUtf8('é'.repeat(200));
    expect(t.length).toBe(127);
    expect(notification.shutdownData(t).length).toBe(255);
  });

  it('refuses to encode a NOTIFICATION beyond the negotiated length (RFC 8654 §4)', () => {
    const n = { code: 3, subcode: 1, data: new Uint8Array(5000) };
    expect(() => notification.encode(n, new Uint8Array(6000), 0)).toThrow(RangeError);
    expect(notification.encode(n, new Uint8Array(6000), 0, { extendedMessage: true })).toBe(5021);
  });
});

describe('OPEN encoding details', () => {
  it('uses the RFC 9072 extended form when the parameters exceed 255 octets', () => {
    const caps: cap.Capability[] = Array.from({ length: 70 }, (_, i) => ({ kind: 'multiprotocol', afi: 1, safi: i }));
    const v = { ...base, capabilities: caps };
    const b = enc(v, open.encodingLength, open.encode);
    // 19 + 9 fixed + 255/255 + 2-octet length + 70 × (1 + 2 + 6)
    expect(b.length).toBe(19 + 9 + 4 + 70 * 9);
    expect(toHex(b.subarray(28, 32))).toBe(`ffff${(70 * 9).toString(16).padStart(4, '0')}`);
    expect(open.decodeMessage(b)).toEqual({ ...v, extendedOptParams: true });
  });

  it('keeps GoBGP-style grouping and FRR-style one-per-parameter', () => {
    const caps: cap.Capability[] = [{ kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 4200000000 }];
    const single = enc({ ...base, capabilities: caps, capabilityGroups: [2] }, open.encodingLength, open.encode);
    expect(toHex(single.subarray(28))).toBe('0a' + '0208' + '0200' + '4104fa56ea00');
    const each = enc({ ...base, capabilities: caps }, open.encodingLength, open.encode);
    expect(toHex(each.subarray(28))).toBe('0c' + '02020200' + '02064104fa56ea00');
    expect(() => enc({ ...base, capabilities: caps, capabilityGroups: [1] }, open.encodingLength, open.encode)).toThrow(RangeError);
  });

  it('AS_TRANS in My AS and the real AS from the capability (RFC 6793 §4.1)', () => {
    expect(open.twoOctetAs(4200000000)).toBe(23456);
    expect(open.twoOctetAs(65001)).toBe(65001);
    const v = { ...base, myAs: open.twoOctetAs(4200000000), capabilities: [{ kind: 'four-octet-as' as const, asn: 4200000000 }] };
    const d = open.decodeMessage(enc(v, open.encodingLength, open.encode));
    expect(d.myAs).toBe(23456);
    expect(open.peerAs(d)).toBe(4200000000);
    expect(open.peerAs(base)).toBe(65001);
  });

  it('refuses OPENs larger than 4096 octets', () => {
    const caps: cap.Capability[] = Array.from({ length: 20 }, () => ({ kind: 'unknown', code: 200, value: new Uint8Array(250) }));
    expect(() => enc({ ...base, capabilities: caps }, open.encodingLength, open.encode)).toThrow(RangeError);
  });

  it('unsupported version names version 4 in the data (RFC 4271 §6.2)', () => {
    const b = enc(base, open.encodingLength, open.encode);
    b[19] = 3;
    expect(() => open.decodeMessage(b)).toThrowError(expect.objectContaining({ code: 2, subcode: 1, data: Uint8Array.of(0, 4) }));
  });
});

describe('capabilities', () => {
  it('encodes graceful restart flags and times (RFC 4724 §3, RFC 8538 §2)', () => {
    const c: cap.Capability = {
      kind: 'graceful-restart',
      restarting: false,
      notification: true,
      restartTime: 4095,
      families: [{ afi: 25, safi: 70, forwardingPreserved: true }],
    };
    expect(toHex(enc(c, cap.encodingLength, cap.encode))).toBe('4006' + '4fff' + '00194680');
  });

  it('ignores the reserved bits of graceful restart on receipt', () => {
    expect(cap.decode(new Reader(fromHex('4006' + '3078' + '0019467f')))).toEqual({
      kind: 'graceful-restart',
      restarting: false,
      notification: false,
      restartTime: 120,
      families: [{ afi: 25, safi: 70, forwardingPreserved: false }],
    });
  });

  it('rejects values that do not fit', () => {
    expect(() => enc({ kind: 'graceful-restart', restarting: false, notification: false, restartTime: 4096, families: [] }, cap.encodingLength, cap.encode)).toThrow(RangeError);
    expect(() => enc({ kind: 'unknown', code: 300, value: new Uint8Array(0) }, cap.encodingLength, cap.encode)).toThrow(RangeError);
    expect(() => enc({ kind: 'fqdn', hostname: 'h'.repeat(300), domainName: '' }, cap.encodingLength, cap.encode)).toThrow(RangeError);
  });
});

describe('ROUTE-REFRESH and KEEPALIVE', () => {
  it('encodes the RFC 7313 subtypes', () => {
    expect(toHex(enc({ afi: 25, safi: 70, subtype: routeRefresh.RouteRefreshSubtype.BORR }, routeRefresh.encodingLength, routeRefresh.encode))).toBe(
      'ff'.repeat(16) + '0017' + '05' + '0019' + '01' + '46',
    );
    expect(routeRefresh.isKnownSubtype(2)).toBe(true);
    expect(routeRefresh.isKnownSubtype(3)).toBe(false);
    expect(() => enc({ afi: 1, safi: 1, subtype: 2, orf: Uint8Array.of(1) }, routeRefresh.encodingLength, routeRefresh.encode)).toThrow(RangeError);
  });

  it('KEEPALIVE is exactly the 19-octet header', () => {
    expect(toHex(keepalive.keepaliveBytes())).toBe('ff'.repeat(16) + '001304');
  });
});

describe('negotiate', () => {
  const mp = (afi: number, safi: number): cap.Capability => ({ kind: 'multiprotocol', afi, safi });

  it('intersects families; no MP capability at all means IPv4 unicast (RFC 4760 §8)', () => {
    expect(advertisedFamilies(base)).toEqual([{ afi: 1, safi: 1 }]);
    const a = { ...base, capabilities: [mp(1, 1), mp(25, 70), mp(2, 1)] };
    const b = { ...base, capabilities: [mp(2, 1), mp(25, 70)] };
    expect(negotiate(a, b).families).toEqual([{ afi: 25, safi: 70 }, { afi: 2, safi: 1 }]);
    expect(negotiate(a, base).families).toEqual([{ afi: 1, safi: 1 }]);
    expect(negotiate(b, base).families).toEqual([]);
  });

  it('derives ADD-PATH directions per family (RFC 7911 §5)', () => {
    const ap = (sr: 1 | 2 | 3): cap.Capability => ({ kind: 'add-path', families: [{ afi: 25, safi: 70, sendReceive: sr }] });
    const local = { ...base, capabilities: [mp(25, 70), ap(3)] };
    const n1 = negotiate(local, { ...base, capabilities: [mp(25, 70), ap(2)] });
    expect([...n1.addPathRx]).toEqual(['25/70']);
    expect([...n1.addPathTx]).toEqual([]);
    const n2 = negotiate(local, { ...base, capabilities: [mp(25, 70), ap(1)] });
    expect([...n2.addPathRx]).toEqual([]);
    expect([...n2.addPathTx]).toEqual(['25/70']);
    const n3 = negotiate(local, { ...base, capabilities: [mp(1, 1), ap(3)] });
    expect(n3.addPathRx.size + n3.addPathTx.size).toBe(0);
  });

  it('hold time is the minimum, 0 if either is 0; keepalive a third', () => {
    expect(negotiate({ ...base, holdTime: 0 }, { ...base, holdTime: 90 })).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
    expect(negotiate({ ...base, holdTime: 10 }, { ...base, holdTime: 90 })).toMatchObject({ holdTime: 10, keepaliveTime: 3 });
  });

  it('needs both sides for AS4, extended message, route refresh; Cisco 128 counts as route refresh', () => {
    const a = { ...base, capabilities: [{ kind: 'four-octet-as', asn: 65001 }, { kind: 'extended-message' }, { kind: 'route-refresh' }] as cap.Capability[] };
    const b = { ...base, capabilities: [{ kind: 'route-refresh-cisco' }] as cap.Capability[] };
    expect(negotiate(a, b)).toMatchObject({ fourOctetAs: false, extendedMessage: false, routeRefresh: true, enhancedRouteRefresh: false });
    expect(negotiate(a, a)).toMatchObject({ fourOctetAs: true, extendedMessage: true, routeRefresh: true });
  });

  it('extended next hop only where both advertised the same triple (RFC 8950)', () => {
    const e = (nhAfi: number): cap.Capability => ({ kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nhAfi }] });
    expect(negotiate({ ...base, capabilities: [e(2)] }, { ...base, capabilities: [e(2)] }).extendedNextHop).toEqual([{ afi: 1, safi: 1, nhAfi: 2 }]);
    expect(negotiate({ ...base, capabilities: [e(2)] }, { ...base, capabilities: [e(3)] }).extendedNextHop).toEqual([]);
  });
});
