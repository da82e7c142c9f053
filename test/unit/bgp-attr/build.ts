import { fromHex } from '../../../src/util/bytes';

/* TEST-ONLY: hand-built UPDATE octets for the malformed corpus and the fuzzers. */

/** One attribute: flags, type, then a 1- or 2-octet length (per the Extended Length flag) and the value. */
export function attr(flags: number, type: number, valueHex: string, lengthOverride?: number): Uint8Array {
  const v = fromHex(valueHex);
  const len = lengthOverride ?? v.length;
  const ext = (flags & 0x10) !== 0;
  const head = ext ? [flags, type, len >>> 8, len & 0xff] : [flags, type, len];
  return Uint8Array.from([...head, ...v]);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A whole UPDATE message (header included) from its three fields. */
export function updateMsg(withdrawnHex: string, attrs: Uint8Array[], nlriHex = '', lengths?: { withdrawn?: number; attrs?: number }): Uint8Array {
  const w = fromHex(withdrawnHex);
  const a = concat(...attrs);
  const n = fromHex(nlriHex);
  const body = concat(
    Uint8Array.of((lengths?.withdrawn ?? w.length) >>> 8, (lengths?.withdrawn ?? w.length) & 0xff),
    w,
    Uint8Array.of((lengths?.attrs ?? a.length) >>> 8, (lengths?.attrs ?? a.length) & 0xff),
    a,
    n,
  );
  const len = 19 + body.length;
  return concat(new Uint8Array(16).fill(0xff), Uint8Array.of(len >>> 8, len & 0xff, 2), body);
}

// Well-formed building blocks.
export const ORIGIN_IGP = attr(0x40, 1, '00');
export const AS_PATH_EMPTY = attr(0x40, 2, '');
export const AS_PATH_65200 = attr(0x40, 2, '0201 0000fe b0');
export const NEXT_HOP = attr(0x40, 3, '0a000001');
/** 10.0.0.0/24 */
export const NLRI_24 = '18 0a0000';
/** An EVPN type-3 IMET route, RD 10.98.0.1:2, etag 0, originator 10.98.0.1. */
export const EVPN_IMET = '03 11 0001 0a620001 0002 00000000 20 0a620001';
/** MP_REACH_NLRI 25/70, next hop 10.98.0.1, one IMET route; FRR's flags (optional, extended length). */
export const MP_REACH_EVPN = attr(0x90, 14, `0019 46 04 0a620001 00 ${EVPN_IMET}`);
/** MP_UNREACH_NLRI 25/70 withdrawing the IMET route. */
export const MP_UNREACH_EVPN = attr(0x90, 15, `0019 46 ${EVPN_IMET}`);
export const EXT_RT = attr(0xc0, 16, '0002 fe4c 00000064');
