import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import { ZERO_ESI, type Esi } from './types';
import { colonHexAt, ipv4At, macAt, u24At, u32At, writeColonHex } from './fields';

/*
 * Ethernet Segment Identifier, RFC 7432 §5: 10 octets, a 1-octet type and a
 * 9-octet value.
 *
 *   type 0  operator configured: 9 arbitrary octets
 *   type 1  LACP:       CE LACP system MAC (6) | CE LACP port key (2) | 0x00
 *   type 2  bridged LAN: root bridge MAC (6)   | root bridge priority (2) | 0x00
 *   type 3  MAC-based:  system MAC (6)         | local discriminator (3)
 *   type 4  router-ID:  router ID (4)          | local discriminator (4) | 0x00
 *   type 5  AS-based:   ASN (4)                | local discriminator (4) | 0x00
 *
 * Reserved values (RFC 7432 §5): all-zero is a single-homed site, 0xFF in
 * all 10 octets is MAX-ESI. On the wire the ESI is opaque: routes carry it
 * as text (lower-case colon hex) and only displays look inside it.
 */

export const ESI_LENGTH = 10;
export const MAX_ESI: Esi = 'ff:ff:ff:ff:ff:ff:ff:ff:ff:ff';

/** The 10 octets at `off` as text; the caller has checked that they exist. */
export function esiAt(buf: Uint8Array, off: number): Esi {
  // Almost every ESI seen by a VTEP is zero (single-homed): share one string.
  if (
    (buf[off]! | buf[off + 1]! | buf[off + 2]! | buf[off + 3]! | buf[off + 4]! |
      buf[off + 5]! | buf[off + 6]! | buf[off + 7]! | buf[off + 8]! | buf[off + 9]!) === 0
  ) {
    return ZERO_ESI;
  }
  return colonHexAt(buf, off, ESI_LENGTH);
}

export function decode(r: Reader): Esi {
  if (r.remaining < ESI_LENGTH) throw new DecodeError(`truncated ESI: need 10 octets, ${r.remaining} left`, r.pos);
  const esi = esiAt(r.buf, r.pos);
  r.pos += ESI_LENGTH;
  return esi;
}

export function encodingLength(_esi?: Esi): number {
  return ESI_LENGTH;
}

/** Writes the canonical text form ("xx:xx:...", 10 octets); RangeError on anything else. */
export function encode(esi: Esi, buf: Uint8Array, off: number): number {
  if (esi === ZERO_ESI) {
    buf.fill(0, off, off + ESI_LENGTH);
    return off + ESI_LENGTH;
  }
  return writeColonHex(buf, off, esi, ESI_LENGTH, 'an ESI (10 colon-separated hex octets)');
}

/**
 * Accepts "00:11:...", "00-11-...", "0011.2233...", or 20 bare hex digits and
 * returns the canonical lower-case colon form.
 */
export function parseEsi(text: string): Esi {
  const hex = text.trim().replace(/[:.\-]/g, '');
  if (!/^[0-9a-fA-F]{20}$/.test(hex)) throw new RangeError(`not an ESI (10 octets of hex): ${text}`);
  const b = new Uint8Array(ESI_LENGTH);
  for (let i = 0; i < ESI_LENGTH; i++) b[i] = parseInt(hex.substr(2 * i, 2), 16);
  return esiAt(b, 0);
}

export function esiBytes(esi: Esi): Uint8Array {
  const b = new Uint8Array(ESI_LENGTH);
  encode(esi, b, 0);
  return b;
}

export function isZeroEsi(esi: Esi): boolean {
  return esi === ZERO_ESI;
}

/** The fields of an ESI per RFC 7432 §5, for display and for ES configuration checks. */
export type EsiInfo =
  | { type: 0; value: string; singleHomed: boolean }
  | { type: 1; lacpSystemMac: string; lacpPortKey: number }
  | { type: 2; rootBridgeMac: string; rootBridgePriority: number }
  | { type: 3; systemMac: string; localDiscriminator: number }
  | { type: 4; routerId: string; localDiscriminator: number }
  | { type: 5; asn: number; localDiscriminator: number }
  | { type: number; value: string; maxEsi: boolean };

export function describeEsi(esi: Esi): EsiInfo {
  const b = esiBytes(esi);
  const value = esi.slice(3);
  switch (b[0]) {
    case 0:
      return { type: 0, value, singleHomed: esi === ZERO_ESI };
    case 1:
      return { type: 1, lacpSystemMac: macAt(b, 1), lacpPortKey: (b[7]! << 8) | b[8]! };
    case 2:
      return { type: 2, rootBridgeMac: macAt(b, 1), rootBridgePriority: (b[7]! << 8) | b[8]! };
    case 3:
      return { type: 3, systemMac: macAt(b, 1), localDiscriminator: u24At(b, 7) };
    case 4:
      return { type: 4, routerId: ipv4At(b, 1), localDiscriminator: u32At(b, 5) };
    case 5:
      return { type: 5, asn: u32At(b, 1), localDiscriminator: u32At(b, 5) };
    default:
      return { type: b[0]!, value, maxEsi: esi === MAX_ESI };
  }
}

/** One line for logs and the CLI, e.g. "type 3 (MAC-based) system MAC 02:00:00:00:00:01 discriminator 7". */
export function formatEsi(esi: Esi): string {
  const d = describeEsi(esi);
  if ('lacpSystemMac' in d) return `${esi} type 1 (LACP) system MAC ${d.lacpSystemMac} port key ${d.lacpPortKey}`;
  if ('rootBridgeMac' in d) return `${esi} type 2 (bridged LAN) root bridge ${d.rootBridgeMac} priority ${d.rootBridgePriority}`;
  if ('systemMac' in d) return `${esi} type 3 (MAC-based) system MAC ${d.systemMac} discriminator ${d.localDiscriminator}`;
  if ('routerId' in d) return `${esi} type 4 (router ID) ${d.routerId} discriminator ${d.localDiscriminator}`;
  if ('asn' in d) return `${esi} type 5 (AS-based) AS ${d.asn} discriminator ${d.localDiscriminator}`;
  if ('singleHomed' in d) return d.singleHomed ? `${esi} (single-homed)` : `${esi} type 0 (operator configured)`;
  return 'maxEsi' in d && d.maxEsi ? `${esi} (MAX-ESI, reserved)` : `${esi} type ${d.type} (unassigned)`;
}
