import { describe, expect, it } from 'vitest';
import { Action, ACTION_NAMES, BgpError } from '../../../src/bgp/wire/errors';
import { AttrType } from '../../../src/bgp/wire/iana';
import { decode, decodeBody, isEndOfRib, notificationFor } from '../../../src/bgp/wire/update';
import { Reader } from '../../../src/util/reader';
import { BASE, IBGP, RFC7606_CASES, v4 } from '../../support/rfc7606-cases';
import { EXT_RT, MP_UNREACH_EVPN, NLRI_24, attr, updateMsg } from './build';

/*
 * The RFC 7606 corpus (test/support/rfc7606-cases.ts, shared with the
 * live-session matrix in test/topo/robustness): hand-built UPDATEs, each
 * with the action (and, for a session reset, the NOTIFICATION subcode) the
 * RFC prescribes.
 */

const CASES = RFC7606_CASES;

describe('RFC 7606 malformed corpus', () => {
  it('has at least 40 cases of faults', () => {
    expect(CASES.filter((c) => c.action !== Action.NONE).length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const u = decode(new Reader(c.msg), c.ctx ?? IBGP);
    expect(ACTION_NAMES[u.action], JSON.stringify(u.faults.map((f) => f.reason))).toBe(ACTION_NAMES[c.action]);
    if (c.action === Action.NONE) {
      expect(u.faults).toEqual([]);
    } else {
      const f = u.faults.find((x) => x.action === u.action)!;
      expect(f.reason).toMatch(/RFC \d+/);
      if (c.subcode !== undefined) expect(f.subcode).toBe(c.subcode);
      if (c.attrType !== undefined) expect(f.attrType).toBe(c.attrType);
      if (c.family) expect([f.afi, f.safi]).toEqual(c.family);
    }
    if (c.kept) expect(u.attributes.map((a) => a.type)).toEqual(c.kept);
    const n = notificationFor(u);
    if (u.action === Action.SESSION_RESET) {
      expect(n).toBeInstanceOf(BgpError);
      expect(n!.code).toBe(3);
      expect(n!.subcode).toBe(u.faults.find((x) => x.action === Action.SESSION_RESET)!.subcode);
    } else {
      expect(n).toBeNull();
    }
  });
});

describe('UPDATE framing errors (RFC 7606 §3 b: session reset, 3/1)', () => {
  const expect31 = (msg: Uint8Array, useBody = false): void => {
    try {
      if (useBody) decodeBody(new Reader(msg), IBGP);
      else decode(new Reader(msg), IBGP);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BgpError);
      expect([(e as BgpError).code, (e as BgpError).subcode]).toEqual([3, 1]);
    }
  };

  it('Withdrawn Routes Length overruns the message', () => expect31(updateMsg(NLRI_24, [], '', { withdrawn: 40 })));
  it('Withdrawn Routes Length leaves no room for the attribute length', () => expect31(updateMsg('', [], '', { withdrawn: 1 })));
  it('Total Path Attribute Length overruns the message', () => expect31(updateMsg('', BASE, NLRI_24, { attrs: 300 })));
  it('a body shorter than its two length fields', () => expect31(Uint8Array.of(0, 0, 0), true));
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('an empty UPDATE is the IPv4 unicast End-of-RIB', () => {
    expect(isEndOfRib(decode(new Reader(updateMsg('', [])), IBGP))).toEqual({ afi: 1, safi: 1 });
  });
  it('an UPDATE with only an empty MP_UNREACH is the End-of-RIB of its family', () => {
    expect(isEndOfRib(decode(new Reader(updateMsg('', [attr(0x80, 15, '0019 46')])), IBGP))).toEqual({ afi: 25, safi: 70 });
  });
  it('a non-empty MP_UNREACH or any other attribute is not', () => {
    expect(isEndOfRib(decode(new Reader(updateMsg('', [MP_UNREACH_EVPN])), IBGP))).toBeNull();
    expect(isEndOfRib(decode(new Reader(updateMsg('', [attr(0x80, 15, '0019 46'), EXT_RT])), IBGP))).toBeNull();
  });
});

describe('repeated and discarded attributes', () => {
  it('keeps the first ORIGIN value, not the second', () => {
    const u = decode(new Reader(v4(attr(0x40, 1, '02'))), IBGP);
    expect(u.attributes[0]).toMatchObject({ type: AttrType.ORIGIN, origin: 0 });
  });
  it('an attribute discarded as malformed does not make the first occurrence of a later duplicate', () => {
    const u = decode(new Reader(v4(attr(0x40, 6, '00'), attr(0x40, 6, ''))), IBGP);
    expect(u.attributes.some((a) => a.type === AttrType.ATOMIC_AGGREGATE)).toBe(false);
    expect(u.faults.map((f) => f.action)).toEqual([Action.ATTRIBUTE_DISCARD, Action.ATTRIBUTE_DISCARD]);
  });
  it('session-reset faults carry the erroneous attribute as NOTIFICATION data (RFC 4271 §6.3)', () => {
    const bad = attr(0x40, 99, '01');
    const u = decode(new Reader(v4(bad)), IBGP);
    expect(notificationFor(u)!.data).toEqual(bad);
  });
});
