import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { fromHex, toHex } from '../../../src/util/bytes';
import { DecodeError } from '../../../src/util/errors';
import { BgpError } from '../../../src/bgp/wire/errors';
import * as header from '../../../src/bgp/wire/header';
import * as open from '../../../src/bgp/wire/open';
import * as notification from '../../../src/bgp/wire/notification';
import * as keepalive from '../../../src/bgp/wire/keepalive';
import * as routeRefresh from '../../../src/bgp/wire/route-refresh';

const MARKER = 'ff'.repeat(16);

/** A whole message with a correct length field around `bodyHex`. */
function msg(type: number, bodyHex: string): Uint8Array {
  const body = fromHex(bodyHex);
  const len = 19 + body.length;
  return fromHex(MARKER + len.toString(16).padStart(4, '0') + type.toString(16).padStart(2, '0') + toHex(body));
}

/** A header with an arbitrary length field, followed by `bodyHex`. */
function raw(len: number, type: number, bodyHex = ''): Uint8Array {
  return fromHex(MARKER + len.toString(16).padStart(4, '0') + type.toString(16).padStart(2, '0') + bodyHex);
}

/** OPEN body: version 4, AS 65001, hold 90, id 192.0.2.1, then the given optional parameters. */
function openBody(params: string, opts: { version?: number; as?: number; hold?: number; id?: string } = {}): string {
  const p = fromHex(params);
  const h2 = (n: number): string => n.toString(16).padStart(4, '0');
  return (
    (opts.version ?? 4).toString(16).padStart(2, '0') +
    h2(opts.as ?? 65001) +
    h2(opts.hold ?? 90) +
    (opts.id ?? 'c0000201') +
    p.length.toString(16).padStart(2, '0') +
    params
  );
}

type Decoder = (b: Uint8Array) => unknown;
const decodeHeader: Decoder = (b) => header.decode(new Reader(b), { extendedMessage: false });
const decodeHeaderExt: Decoder = (b) => header.decode(new Reader(b), { extendedMessage: true });
const decodeOpen: Decoder = (b) => open.decodeMessage(b);
const decodeRr: Decoder = (b) => routeRefresh.decodeMessage(b);
const decodeNotification: Decoder = (b) => notification.decodeMessage(b);
const decodeKeepalive: Decoder = (b) => keepalive.decodeMessage(b);

interface Case {
  name: string;
  bytes: Uint8Array;
  decode: Decoder;
  code: number;
  subcode: number;
  /** Expected NOTIFICATION data, hex; omitted = not checked. */
  data?: string;
}

const cases: Case[] = [
  // Message header (RFC 4271 §6.1)
  { name: 'marker with one 0xfe octet', bytes: fromHex('ff'.repeat(15) + 'fe' + '001304'), decode: decodeHeader, code: 1, subcode: 1, data: '' },
  { name: 'all-zero marker', bytes: fromHex('00'.repeat(16) + '001304'), decode: decodeHeader, code: 1, subcode: 1 },
  { name: 'length 18 < 19', bytes: raw(18, 4), decode: decodeHeader, code: 1, subcode: 2, data: '0012' },
  { name: 'length 0', bytes: raw(0, 2), decode: decodeHeader, code: 1, subcode: 2, data: '0000' },
  { name: 'length 4097 without extended messages', bytes: raw(4097, 2), decode: decodeHeader, code: 1, subcode: 2, data: '1001' },
  { name: 'OPEN of 4097 even with extended messages (RFC 8654 §4)', bytes: raw(4097, 1), decode: decodeHeaderExt, code: 1, subcode: 2, data: '1001' },
  { name: 'KEEPALIVE of 20 octets', bytes: raw(20, 4, '00'), decode: decodeHeader, code: 1, subcode: 2, data: '0014' },
  { name: 'KEEPALIVE of 20 octets with extended messages', bytes: raw(20, 4, '00'), decode: decodeHeaderExt, code: 1, subcode: 2 },
  { name: 'OPEN of 28 octets', bytes: raw(28, 1, '00'.repeat(9)), decode: decodeHeader, code: 1, subcode: 2, data: '001c' },
  { name: 'UPDATE of 22 octets', bytes: raw(22, 2, '000000'), decode: decodeHeader, code: 1, subcode: 2, data: '0016' },
  { name: 'NOTIFICATION of 20 octets', bytes: raw(20, 3, '06'), decode: decodeHeader, code: 1, subcode: 2, data: '0014' },
  { name: 'ROUTE-REFRESH of 22 octets', bytes: raw(22, 5, '000100'), decode: decodeHeader, code: 1, subcode: 2, data: '0016' },
  { name: 'type 0', bytes: raw(19, 0), decode: decodeHeader, code: 1, subcode: 3, data: '00' },
  { name: 'type 6', bytes: raw(19, 6), decode: decodeHeader, code: 1, subcode: 3, data: '06' },
  { name: 'type 255', bytes: raw(40, 255, '00'.repeat(21)), decode: decodeHeader, code: 1, subcode: 3, data: 'ff' },
  { name: 'bad marker beats bad length', bytes: fromHex('00'.repeat(16) + '000004'), decode: decodeHeader, code: 1, subcode: 1 },
  { name: 'KEEPALIVE via its own codec with a body', bytes: raw(21, 4, '0000'), decode: decodeKeepalive, code: 1, subcode: 2 },
  { name: 'NOTIFICATION via its own codec, 20 octets', bytes: raw(20, 3, '06'), decode: decodeNotification, code: 1, subcode: 2 },

  // OPEN (RFC 4271 §6.2 and extensions)
  { name: 'version 3', bytes: msg(1, openBody('', { version: 3 })), decode: decodeOpen, code: 2, subcode: 1, data: '0004' },
  { name: 'version 5', bytes: msg(1, openBody('', { version: 5 })), decode: decodeOpen, code: 2, subcode: 1, data: '0004' },
  { name: 'My AS 0 (RFC 7607 §2)', bytes: msg(1, openBody('', { as: 0 })), decode: decodeOpen, code: 2, subcode: 2 },
  { name: 'hold time 1', bytes: msg(1, openBody('', { hold: 1 })), decode: decodeOpen, code: 2, subcode: 6 },
  { name: 'hold time 2', bytes: msg(1, openBody('', { hold: 2 })), decode: decodeOpen, code: 2, subcode: 6 },
  { name: 'BGP Identifier 0.0.0.0 (RFC 6286 §2.2)', bytes: msg(1, openBody('', { id: '00000000' })), decode: decodeOpen, code: 2, subcode: 3 },
  { name: 'Authentication parameter (type 1, deprecated by RFC 5492)', bytes: msg(1, openBody('0100')), decode: decodeOpen, code: 2, subcode: 4 },
  { name: 'unknown parameter type 3 after a good one', bytes: msg(1, openBody('0206010400010001' + '030100')), decode: decodeOpen, code: 2, subcode: 4 },
  { name: 'Opt Parm Len larger than the message', bytes: msg(1, openBody('').slice(0, -2) + '04'), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'octets after the parameters', bytes: msg(1, openBody('') + '0200'), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'parameter runs past Opt Parm Len', bytes: msg(1, openBody('0205020000')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'one octet parameter header', bytes: msg(1, openBody('02')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'capability runs past its parameter', bytes: msg(1, openBody('02030105' + '00')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'capability header cut by its parameter', bytes: msg(1, openBody('020101')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'multiprotocol of length 3 (RFC 4760 §8)', bytes: msg(1, openBody('0205010300010001')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'route refresh of length 1 (RFC 2918 §2)', bytes: msg(1, openBody('0203020100')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'Cisco route refresh of length 1', bytes: msg(1, openBody('0203800100')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'enhanced route refresh of length 1 (RFC 7313 §3)', bytes: msg(1, openBody('0203460100')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'extended message of length 1 (RFC 8654 §3)', bytes: msg(1, openBody('0203060100')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'extended next hop of length 4 (RFC 8950 §3)', bytes: msg(1, openBody('0206050400190046')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: '4-octet AS of length 2 (RFC 6793 §3)', bytes: msg(1, openBody('02044102fde8')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: '4-octet AS 0 (RFC 7607 §2)', bytes: msg(1, openBody('0206410400000000')), decode: decodeOpen, code: 2, subcode: 2 },
  { name: 'graceful restart of length 1 (RFC 4724 §3)', bytes: msg(1, openBody('02034001c0')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'graceful restart of length 5', bytes: msg(1, openBody('02074005c078001946')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'ADD-PATH of length 5 (RFC 7911 §4)', bytes: msg(1, openBody('0207450500194601ff')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'LLGR of length 6 (RFC 9494 §3)', bytes: msg(1, openBody('020847060019468000000000'.slice(0, 20))), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'FQDN whose hostname runs past it', bytes: msg(1, openBody('0206490409616200')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'FQDN of length 1', bytes: msg(1, openBody('0203490100')), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'FQDN with a domain length mismatch', bytes: msg(1, openBody('02074905016101ff00'.slice(0, 18))), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'RFC 9072 marker without the 2-octet length', bytes: msg(1, '04fde9005ac0000201ffff'), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'RFC 9072 length larger than the message', bytes: msg(1, '04fde9005ac0000201ffff0010'), decode: decodeOpen, code: 2, subcode: 0 },
  { name: 'RFC 9072 unknown parameter type', bytes: msg(1, '04fde9005ac0000201ffff0003010000'), decode: decodeOpen, code: 2, subcode: 4 },

  // ROUTE-REFRESH (RFC 7313 §5)
  { name: 'BoRR with one extra octet', bytes: msg(5, '0019014600'), decode: decodeRr, code: 7, subcode: 1 },
  { name: 'EoRR with four extra octets', bytes: msg(5, '0019024600000000'), decode: decodeRr, code: 7, subcode: 1 },
];

describe('malformed corpus → NOTIFICATION code/subcode', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let err: unknown;
    try {
      c.decode(c.bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BgpError);
    const e = err as BgpError;
    expect([e.code, e.subcode]).toEqual([c.code, c.subcode]);
    if (c.data !== undefined) expect(toHex(e.data)).toBe(c.data);
    // Whatever the fault, the NOTIFICATION built from it round-trips.
    const n = notification.fromBgpError(e);
    const buf = new Uint8Array(notification.encodingLength(n));
    notification.encode(n, buf, 0);
    expect(notification.decodeMessage(buf)).toEqual(n);
  });

  it('ROUTE-REFRESH 7/1 carries the complete offending message as data (RFC 7313 §5)', () => {
    const bytes = msg(5, '0019024600000000');
    try {
      routeRefresh.decodeMessage(bytes);
      expect.unreachable();
    } catch (e) {
      expect(toHex((e as BgpError).data)).toBe(toHex(bytes));
    }
  });

  it('a message cut short inside the buffer is a truncation, not a protocol error', () => {
    const b = msg(1, openBody('')).slice(0, 25);
    expect(() => open.decodeMessage(b)).toThrow(DecodeError);
    expect(() => open.decodeMessage(b)).not.toThrow(BgpError);
  });

  it('well-formed borderline messages are accepted', () => {
    expect(open.decodeMessage(msg(1, openBody('', { hold: 0 }))).holdTime).toBe(0);
    expect(open.decodeMessage(msg(1, openBody('', { hold: 3 }))).holdTime).toBe(3);
    expect(open.decodeMessage(msg(1, openBody(''))).capabilities).toEqual([]);
    expect(header.decode(new Reader(raw(4096, 2, '00'.repeat(4077))))).toEqual({ length: 4096, type: 2 });
    expect(header.decode(new Reader(raw(65535, 2, '00'.repeat(65516))), { extendedMessage: true })).toEqual({ length: 65535, type: 2 });
    expect(header.decode(new Reader(raw(4097, 3, '00'.repeat(4078))), { extendedMessage: true })).toEqual({ length: 4097, type: 3 });
    // ADD-PATH with Send/Receive 0 is "not understood and ignored" (RFC 7911 §4): kept opaque.
    expect(open.decodeMessage(msg(1, openBody('0206450400194600'))).capabilities).toEqual([
      { kind: 'unknown', code: 69, value: fromHex('00194600') },
    ]);
    // FQDN that is not UTF-8 is informational only: kept opaque rather than resetting the session.
    expect(open.decodeMessage(msg(1, openBody('0206490401ff0100'))).capabilities[0]).toMatchObject({
      kind: 'unknown',
      code: 73,
    });
    // Unknown capability kept byte for byte.
    expect(open.decodeMessage(msg(1, openBody('020509030a0b0c'))).capabilities).toEqual([
      { kind: 'unknown', code: 9, value: fromHex('0a0b0c') },
    ]);
    // A NOTIFICATION with any code and data decodes (RFC 4271 §6.4: it cannot be answered).
    expect(notification.decodeMessage(msg(3, 'fefe0102'))).toEqual({ code: 254, subcode: 254, data: fromHex('0102') });
    // ROUTE-REFRESH with an unknown subtype decodes; the receiver ignores it (RFC 7313 §5).
    expect(routeRefresh.decodeMessage(msg(5, '00010701'))).toEqual({ afi: 1, safi: 1, subtype: 7 });
    expect(routeRefresh.decodeMessage(msg(5, '0001000101020304'))).toEqual({ afi: 1, safi: 1, subtype: 0, orf: fromHex('01020304') });
  });
});
