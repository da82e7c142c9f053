import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import type { BgpCtx } from '../context';
import { UpdateSub } from '../errors';
import { AttrType } from '../iana';
import { checkUint, MalformedAttribute, type UpdateCtx } from './attribute';

/*
 * AS_PATH (type 2, well-known mandatory; RFC 4271 §4.3 b, §5.1.2): a sequence
 * of path segments.
 *
 *   +--------------+--------------+-----------------------------+
 *   | Segment type | Segment len  | len × AS (2 or 4 octets)    |
 *   |  (1 octet)   | (1 octet,    |                             |
 *   |              |  ASN count)  |                             |
 *   +--------------+--------------+-----------------------------+
 *
 * The AS width is 4 octets once both sides sent the 4-octet AS capability
 * (RFC 6793 §3), else 2. Segment types: 1 AS_SET, 2 AS_SEQUENCE (RFC 4271),
 * 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET (RFC 5065 §3).
 *
 * RFC 7606 §7.2: malformed (treat-as-withdraw) if a segment type is
 * unrecognized, a segment overruns the attribute, a single octet is left
 * after the last segment (underrun), or a segment has length 0. RFC 5065 §5:
 * AS_CONFED_* segments from a peer outside our confederation make the AS_PATH
 * malformed too.
 */

export const enum AsSegmentType {
  AS_SET = 1,
  AS_SEQUENCE = 2,
  AS_CONFED_SEQUENCE = 3,
  AS_CONFED_SET = 4,
}

export interface AsPathSegment {
  type: AsSegmentType;
  asns: number[];
}

export interface AsPathAttr {
  type: AttrType.AS_PATH;
  flags: number;
  segments: AsPathSegment[];
}

export function segmentsLength(segments: readonly AsPathSegment[], asWidth: 2 | 4): number {
  let n = 0;
  for (const s of segments) n += 2 + asWidth * s.asns.length;
  return n;
}

export function encodeSegments(segments: readonly AsPathSegment[], buf: Uint8Array, off: number, asWidth: 2 | 4): number {
  for (const s of segments) {
    checkUint(s.type, 0xff, 'AS_PATH segment type');
    if (s.asns.length === 0 || s.asns.length > 255) {
      throw new RangeError(`AS_PATH segment must hold 1..255 ASNs, got ${s.asns.length}`);
    }
    buf[off++] = s.type;
    buf[off++] = s.asns.length;
    for (const asn of s.asns) {
      if (asWidth === 4) {
        checkUint(asn, 0xffffffff, 'AS number');
        off = put32(buf, off, asn);
      } else {
        // RFC 6793 §4.2.2: toward a 2-octet speaker a 4-octet AS must already be AS_TRANS here.
        checkUint(asn, 0xffff, 'AS number on a 2-octet AS session');
        buf[off++] = asn >>> 8;
        buf[off++] = asn & 0xff;
      }
    }
  }
  return off;
}

/** Decodes segments until the reader is exhausted, with the RFC 7606 §7.2 checks. */
export function decodeSegments(r: Reader, asWidth: 2 | 4, name: string, subcode: UpdateSub): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    if (r.remaining < 2) throw new MalformedAttribute(`${name}: one octet left after the last segment`, subcode, at);
    const type = r.u8();
    const count = r.u8();
    if (type < AsSegmentType.AS_SET || type > AsSegmentType.AS_CONFED_SET) {
      throw new MalformedAttribute(`${name}: unrecognized segment type ${type}`, subcode, at);
    }
    if (count === 0) throw new MalformedAttribute(`${name}: segment of length 0`, subcode, at);
    if (count * asWidth > r.remaining) {
      throw new MalformedAttribute(`${name}: segment of ${count} ASNs overruns the attribute`, subcode, at);
    }
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) asns[i] = asWidth === 4 ? r.u32() : r.u16();
    segments.push({ type: type as AsSegmentType, asns });
  }
  return segments;
}

export function hasConfedSegment(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.type === AsSegmentType.AS_CONFED_SEQUENCE || s.type === AsSegmentType.AS_CONFED_SET);
}

export function encodingLength(a: AsPathAttr, ctx: BgpCtx): number {
  return segmentsLength(a.segments, ctx.fourOctetAs ? 4 : 2);
}

export function encode(a: AsPathAttr, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  return encodeSegments(a.segments, buf, off, ctx.fourOctetAs ? 4 : 2);
}

export function decode(r: Reader, flags: number, ctx: UpdateCtx): AsPathAttr {
  const at = r.pos;
  const segments = decodeSegments(r, ctx.fourOctetAs ? 4 : 2, 'AS_PATH', UpdateSub.MALFORMED_AS_PATH);
  if (!ctx.ibgp && !ctx.confedPeer && hasConfedSegment(segments)) {
    throw new MalformedAttribute('AS_PATH: AS_CONFED segment from a peer outside the confederation', UpdateSub.MALFORMED_AS_PATH, at);
  }
  return { type: AttrType.AS_PATH, flags, segments };
}

/**
 * Path length for best-path selection (RFC 4271 §9.1.2.2 a): an AS_SET counts
 * as 1, confederation segments count 0 (RFC 5065 §5.3).
 */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AsSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsSegmentType.AS_SET) n += 1;
  }
  return n;
}

/** The usual text: "65100 65200 {1 2} (65001 65002) [65003]". */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      const list = s.asns.join(' ');
      switch (s.type) {
        case AsSegmentType.AS_SEQUENCE:
          return list;
        case AsSegmentType.AS_SET:
          return `{${list}}`;
        case AsSegmentType.AS_CONFED_SEQUENCE:
          return `(${list})`;
        case AsSegmentType.AS_CONFED_SET:
          return `[${list}]`;
      }
    })
    .join(' ');
}

/** A plain AS_SEQUENCE of the given ASNs (empty for a locally originated iBGP route), split at 255. */
export function sequence(asns: readonly number[]): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (let i = 0; i < asns.length; i += 255) out.push({ type: AsSegmentType.AS_SEQUENCE, asns: asns.slice(i, i + 255) });
  return out;
}

/** The first AS of the path: the neighbor AS that RFC 4271 §6.3 checks on eBGP. */
export function firstAs(segments: readonly AsPathSegment[]): number | undefined {
  const s = segments[0];
  return s && s.type === AsSegmentType.AS_SEQUENCE ? s.asns[0] : undefined;
}
