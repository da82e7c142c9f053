import { defaultFlags, isUnknownAttr, type PathAttribute } from '../bgp/wire/attributes/index';
import { afiSafiKey } from '../bgp/wire/context';
import { Afi, AttrType, MsgType, Safi } from '../bgp/wire/iana';
import { encodeToBytes, isEndOfRib, type Update } from '../bgp/wire/update';
import { BgpError } from '../bgp/wire/errors';
import { isLocalSubtype } from '../mrt/bgp4mp';
import { bgpMessageOf, readRecords } from '../mrt/reader';
import { DecodeError } from '../util/errors';
import type { SessionFacts } from './build';

/*
 * `inject --replay FILE.mrt`: the UPDATEs of an MRT file, made fit for the
 * session at hand.
 *
 *  - BGP4MP / BGP4MP_ET: every UPDATE the recorded speaker received (the
 *    _LOCAL subtypes, messages it sent, only with `includeSent`), in file
 *    order. End-of-RIB markers are left out: the replaying session sends
 *    its own.
 *  - TABLE_DUMP_V2: one UPDATE per RIB record announcing its route with the
 *    first entry's attributes (the dump writer puts the best path first;
 *    without ADD-PATH a session can carry one path per route). The
 *    abbreviated MP_REACH_NLRI of the entry gives the next hop.
 *
 * Each UPDATE is decoded and re-encoded for the session's negotiated
 * encoding (2- or 4-octet AS_PATH, no ADD-PATH path identifiers), keeping
 * only families the session negotiated; for an eBGP peer our AS is put in
 * front of the AS_PATH (RFC 4271 §5.1.2). A recorded UPDATE with RFC 7606
 * faults cannot be re-encoded faithfully and is skipped, with the reason.
 */

export interface ReplayOptions {
  includeSent?: boolean;
  /** Negotiated "afi/safi" keys; routes of other families are dropped. */
  families: ReadonlySet<string>;
}

export interface ReplayResult {
  messages: Uint8Array[];
  /** Records not replayed, with why. */
  skipped: { offset: number; reason: string }[];
  /** Records read. */
  records: number;
}

function stripPathIds(a: PathAttribute): PathAttribute {
  if (isUnknownAttr(a) || (a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI)) return a;
  const n = a.nlri;
  if (n.kind === 'evpn') return { ...a, nlri: { kind: 'evpn', routes: n.routes.map((r) => ({ route: r.route })) } };
  if (n.kind === 'prefix') return { ...a, nlri: { kind: 'prefix', prefixes: n.prefixes.map((p) => ({ prefix: p.prefix, length: p.length })) } };
  return a;
}

/** Adapts an UPDATE to the session; null when nothing of it is left. */
export function adaptUpdate(u: Update, facts: SessionFacts, families: ReadonlySet<string>): Update | null {
  const v4 = families.has(afiSafiKey(Afi.IPV4, Safi.UNICAST));
  let attributes = u.attributes
    .filter((a) => isUnknownAttr(a) || (a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI) || families.has(afiSafiKey(a.afi, a.safi)))
    .map(stripPathIds);
  const nlri = v4 ? u.nlri.map((p) => ({ prefix: p.prefix, length: p.length })) : [];
  const withdrawn = v4 ? u.withdrawn.map((p) => ({ prefix: p.prefix, length: p.length })) : [];
  const reach = attributes.some((a) => a.type === AttrType.MP_REACH_NLRI) || nlri.length > 0;
  const unreach = attributes.some((a) => a.type === AttrType.MP_UNREACH_NLRI) || withdrawn.length > 0;
  if (!reach && !unreach) return null;
  if (!reach) attributes = attributes.filter((a) => a.type === AttrType.MP_UNREACH_NLRI);
  if (reach && facts.localAs !== facts.peerAs) {
    attributes = attributes.map((a) => {
      if (isUnknownAttr(a) || a.type !== AttrType.AS_PATH) return a;
      const segs = a.segments.map((s) => ({ ...s, asns: [...s.asns] }));
      if (segs[0]?.asns[0] === facts.localAs) return a;
      if (segs[0]?.type === 2 && segs[0].asns.length < 255) segs[0].asns.unshift(facts.localAs);
      else segs.unshift({ type: 2, asns: [facts.localAs] });
      return { ...a, segments: segs };
    });
  }
  return { withdrawn, attributes, nlri };
}

export function replayMessages(buf: Uint8Array, facts: SessionFacts, o: ReplayOptions): ReplayResult {
  const out: ReplayResult = { messages: [], skipped: [], records: 0 };
  const emit = (offset: number, u: Update): void => {
    const a = adaptUpdate(u, facts, o.families);
    if (a === null) {
      out.skipped.push({ offset, reason: 'no negotiated family in it' });
      return;
    }
    try {
      out.messages.push(encodeToBytes(a, facts.ctx));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      out.skipped.push({ offset, reason: `cannot re-encode: ${e.message}` });
    }
  };
  for (const item of readRecords(buf)) {
    out.records++;
    if ('error' in item) {
      out.skipped.push({ offset: item.offset, reason: `malformed record: ${item.error.message}` });
      continue;
    }
    const rec = item.record;
    const b = rec.body;
    if (b.kind === 'bgp4mp-message') {
      if (isLocalSubtype(rec.subtype) && !o.includeSent) continue;
      let m;
      try {
        m = bgpMessageOf(b.message, rec.subtype);
      } catch (e) {
        if (!(e instanceof BgpError) && !(e instanceof DecodeError)) throw e;
        out.skipped.push({ offset: item.offset, reason: `malformed BGP message: ${e.message}` });
        continue;
      }
      if (m.type !== MsgType.UPDATE) continue;
      if (isEndOfRib(m.update)) continue;
      if (m.update.faults.length) {
        out.skipped.push({ offset: item.offset, reason: `UPDATE with RFC 7606 faults: ${m.update.faults.map((f) => f.reason).join('; ')}` });
        continue;
      }
      emit(item.offset, m.update);
    } else if (b.kind === 'rib') {
      const r = b.rib;
      const e = r.entries[0];
      if (!e) continue;
      if (r.nlri.kind === 'raw') {
        out.skipped.push({ offset: item.offset, reason: `RIB_GENERIC family ${r.afi}/${r.safi} is not known` });
        continue;
      }
      const attributes: PathAttribute[] = [];
      for (const a of e.attributes) {
        if (!isUnknownAttr(a) && a.type === AttrType.MP_REACH_NLRI) {
          const v4 = r.afi === Afi.IPV4 && r.safi === Safi.UNICAST;
          if (v4 && Array.isArray(a.nextHop) && a.nextHop.length === 1 && !a.nextHop[0]!.includes(':') && !e.attributes.some((x) => x.type === AttrType.NEXT_HOP)) {
            attributes.push({ type: AttrType.NEXT_HOP, flags: defaultFlags(AttrType.NEXT_HOP), nextHop: a.nextHop[0]! });
          } else if (!v4) {
            const nlri = r.nlri.kind === 'evpn' ? { kind: 'evpn' as const, routes: [{ route: r.nlri.route }] } : { kind: 'prefix' as const, prefixes: [r.nlri.prefix] };
            attributes.unshift({ ...a, afi: r.afi, safi: r.safi, reserved: 0, nlri });
          }
        } else {
          attributes.push(a);
        }
      }
      const ipv4Nlri = r.afi === Afi.IPV4 && r.safi === Safi.UNICAST && r.nlri.kind === 'prefix' ? [r.nlri.prefix] : [];
      if (ipv4Nlri.length === 0 && !attributes.some((a) => a.type === AttrType.MP_REACH_NLRI)) {
        out.skipped.push({ offset: item.offset, reason: 'RIB entry without a next hop' });
        continue;
      }
      emit(item.offset, { withdrawn: [], attributes, nlri: ipv4Nlri });
    }
  }
  return out;
}
