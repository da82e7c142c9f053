import * as attrCodec from '../bgp/wire/attributes/index';
import { isUnknownAttr, type PathAttribute } from '../bgp/wire/attributes/index';
import { asPathLength, AsSegmentType, type AsPathSegment } from '../bgp/wire/attributes/as-path';
import type { BgpCtx } from '../bgp/wire/context';
import { formatRouteTarget, MAC_MOBILITY_STICKY, type ExtCommunity } from '../bgp/wire/ext-community';
import { AttrType } from '../bgp/wire/iana';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import { ipv4Number } from './ip-order';

/*
 * Interned attribute sets. An UPDATE carries one set of path attributes for
 * all of its NLRIs (FRR packs up to a few hundred EVPN routes per message), so
 * the RIB stores each distinct set once and every route points at it: a
 * million routes from a handful of UPDATE shapes cost one pointer each.
 *
 * A set holds the attributes other than MP_REACH_NLRI / MP_UNREACH_NLRI (the
 * NLRI are the routes themselves) plus the next hop taken from MP_REACH_NLRI.
 * Its identity is the wire encoding of those attributes (4-octet ASNs) and
 * the next hop: two sets with equal keys are interchangeable, so equality is
 * pointer equality once interned. The figures best-path selection and EVPN
 * import look at are worked out once per set, not once per route.
 */

/** Canonical encoding context for keys and sizes: 4-octet ASNs are never shorter than 2-octet ones. */
const KEY_CTX: BgpCtx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set() };

export class AttrSet {
  /** Number of RIB entries (Adj-RIB-In, local routes, Adj-RIB-Out) pointing here. */
  refs = 0;
  /** Octets of `attrs` on the wire (4-octet ASNs), for UPDATE packing. */
  readonly wireLength: number;
  /** LOCAL_PREF, or -1 when absent. */
  readonly localPref: number;
  readonly asPathLength: number;
  /** The first AS of the path (RFC 4271 §9.1.2.2 c "neighboring AS"), 0 for an empty path. */
  readonly neighborAs: number;
  /** ORIGIN value; INCOMPLETE (2) when absent. */
  readonly origin: number;
  /** MULTI_EXIT_DISC; 0 when absent (RFC 4271 §9.1.2.2 c). */
  readonly med: number;
  /** ORIGINATOR_ID as a number, or -1 when absent. */
  readonly originatorId: number;
  readonly clusterList: readonly Ip[];
  /** RFC 7432 §7.7 MAC Mobility sequence number; 0 without the community (§15). */
  readonly macSeq: number;
  readonly sticky: boolean;
  /** Route targets as text ("65100:100"). */
  readonly routeTargets: readonly string[];
  /** RFC 9135 §8.1 Router's MAC, or null. */
  readonly routerMac: Mac | null;
  /** Every ASN of AS_PATH and AS4_PATH, for loop checks. */
  readonly pathAsns: ReadonlySet<number>;

  constructor(
    readonly id: number,
    readonly key: string,
    /** Frozen; in received (or originated) order. */
    readonly attrs: readonly PathAttribute[],
    /** The next hop of the routes (MP_REACH_NLRI, or NEXT_HOP), or null. */
    readonly nextHop: Ip | null,
  ) {
    this.wireLength = attrCodec.encodingLength(attrs, KEY_CTX);
    let localPref = -1;
    let segments: readonly AsPathSegment[] = [];
    let origin = 2;
    let med = 0;
    let originatorId = -1;
    let clusterList: readonly Ip[] = [];
    let macSeq = 0;
    let sticky = false;
    let routerMac: Mac | null = null;
    const rts: string[] = [];
    const asns = new Set<number>();
    for (const a of attrs) {
      if (isUnknownAttr(a)) continue;
      switch (a.type) {
        case AttrType.LOCAL_PREF:
          localPref = a.localPref;
          break;
        case AttrType.AS_PATH:
          segments = a.segments;
          for (const s of a.segments) for (const n of s.asns) asns.add(n);
          break;
        case AttrType.AS4_PATH:
          for (const s of a.segments) for (const n of s.asns) asns.add(n);
          break;
        case AttrType.ORIGIN:
          origin = a.origin;
          break;
        case AttrType.MULTI_EXIT_DISC:
          med = a.med;
          break;
        case AttrType.ORIGINATOR_ID:
          originatorId = ipv4Number(a.originatorId);
          break;
        case AttrType.CLUSTER_LIST:
          clusterList = a.clusterList;
          break;
        case AttrType.EXTENDED_COMMUNITIES:
          for (const c of a.communities as readonly ExtCommunity[]) {
            if (c.kind === 'route-target') rts.push(formatRouteTarget(c));
            else if (c.kind === 'mac-mobility') {
              macSeq = c.seq;
              sticky = (c.flags & MAC_MOBILITY_STICKY) !== 0;
            } else if (c.kind === 'router-mac') routerMac = c.mac;
          }
          break;
        default:
          break;
      }
    }
    this.localPref = localPref;
    this.asPathLength = asPathLength(segments);
    this.neighborAs = neighborAsOf(segments);
    this.origin = origin;
    this.med = med;
    this.originatorId = originatorId;
    this.clusterList = clusterList;
    this.macSeq = macSeq;
    this.sticky = sticky;
    this.routerMac = routerMac;
    this.routeTargets = rts;
    this.pathAsns = asns;
  }

  /** The first attribute of a type, if present. */
  get(type: number): PathAttribute | undefined {
    for (const a of this.attrs) if (a.type === type) return a;
    return undefined;
  }
}

function neighborAsOf(segments: readonly AsPathSegment[]): number {
  const s = segments[0];
  return s !== undefined && s.type === AsSegmentType.AS_SEQUENCE && s.asns.length > 0 ? s.asns[0]! : 0;
}

function isMp(a: PathAttribute): boolean {
  return a.type === AttrType.MP_REACH_NLRI || a.type === AttrType.MP_UNREACH_NLRI;
}

/**
 * The table of live attribute sets. `intern` hands out the one set for given
 * attributes; holders call `ref`/`release`, and a set nobody holds leaves the
 * table.
 */
export class AttrInterner {
  private readonly sets = new Map<string, AttrSet>();
  private nextId = 1;
  private scratch = new Uint8Array(4096);

  /** Live sets (for tests and `show`). */
  get size(): number {
    return this.sets.size;
  }

  /**
   * The interned set for the non-MP attributes of `attrs` and `nextHop`. The
   * result may have no holder yet: call `ref` for each holder, or
   * `dropIfUnused` when none took it. Throws RangeError on attributes that
   * cannot be encoded.
   */
  intern(attrs: readonly PathAttribute[], nextHop: Ip | null): AttrSet {
    let list = attrs;
    for (const a of attrs) {
      if (isMp(a)) {
        list = attrs.filter((x) => !isMp(x));
        break;
      }
    }
    const key = this.keyOf(list, nextHop);
    const found = this.sets.get(key);
    if (found !== undefined) return found;
    const set = new AttrSet(this.nextId++, key, Object.freeze(list.slice()), nextHop);
    this.sets.set(key, set);
    return set;
  }

  /** Makes a set that left the table (e.g. one kept in a cache) live again; returns the live equal set. */
  revive(set: AttrSet): AttrSet {
    const found = this.sets.get(set.key);
    if (found !== undefined) return found;
    this.sets.set(set.key, set);
    return set;
  }

  ref(set: AttrSet): void {
    set.refs++;
  }

  release(set: AttrSet): void {
    if (--set.refs <= 0) {
      set.refs = 0;
      if (this.sets.get(set.key) === set) this.sets.delete(set.key);
    }
  }

  dropIfUnused(set: AttrSet): void {
    if (set.refs === 0 && this.sets.get(set.key) === set) this.sets.delete(set.key);
  }

  private keyOf(list: readonly PathAttribute[], nextHop: Ip | null): string {
    const n = attrCodec.encodingLength(list, KEY_CTX);
    if (n > this.scratch.length) this.scratch = new Uint8Array(n * 2);
    const end = attrCodec.encode(list, this.scratch, 0, KEY_CTX);
    return `${nextHop ?? ''}|${Buffer.from(this.scratch.buffer, this.scratch.byteOffset, end).toString('latin1')}`;
  }
}
