import { defaultFlags, type PathAttribute } from '../bgp/wire/attributes/index';
import { afiSafiKey } from '../bgp/wire/context';
import { routeKey } from './route-key';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import { Afi, AttrType, Safi } from '../bgp/wire/iana';
import { buildEndOfRib, isEndOfRib, type DecodedUpdate, type Update } from '../bgp/wire/update';
import { AdjRibIn, type AdjInCounters } from './adj-rib-in';
import { AdjRibOut, type AdjOutCounters } from './adj-rib-out';
import type { BestChange, RibApi, RibLocal, RibPeer } from './api';
import { AttrInterner } from './attr-set';
import { rankPaths } from './best-path';
import { ipv4Number } from './ip-order';
import { LocRib } from './loc-rib';
import type { LoopContext } from './loop-check';
import { LOCAL_SOURCE_ID, Path, type PathSource } from './path';
import { RouteTable } from './route-table';

/*
 * The RIB of the speaker: Adj-RIB-In per peer, local routes, Loc-RIB,
 * Adj-RIB-Out per peer, tied together per event-loop turn:
 *
 *   applyUpdate / originate / withdrawLocal / peerDown  → keys marked dirty
 *   flush()  → best path once per dirty key → subscribers get one batch of
 *              BestChange → each peer's Adj-RIB-Out diff, packed into UPDATEs
 *   drainOut(peer)  → the session sends them
 *
 * A peer coming up gets the whole Loc-RIB at the next flush, then an
 * End-of-RIB for each negotiated family (RFC 4724 §2). Pure logic: no I/O,
 * no timers.
 */

const EVPN_FAMILY = afiSafiKey(Afi.L2VPN, Safi.EVPN);

interface PeerState {
  peer: RibPeer;
  source: PathSource;
  adjIn: AdjRibIn;
  adjOut: AdjRibOut;
  /** The initial table dump and End-of-RIB are due at the next flush. */
  needsDump: boolean;
  /** A route refresh asked for everything again. */
  refreshPending: boolean;
}

export interface PeerRibCounters {
  /** Paths held from the peer (stale ones included). */
  received: number;
  stale: number;
  /** Paths the peer has from us. */
  advertised: number;
  in: AdjInCounters;
  out: AdjOutCounters;
  lastLoop: string | null;
}

/** One path of a key, for `show`: where it came from and, for losers, the rule that ruled it out. */
export interface PathView {
  from: string;
  best: boolean;
  /** The best-path rule by which this path lost (undefined for the best path). */
  lostBy?: string;
  route: EvpnRoute;
  attrs: readonly PathAttribute[];
  nextHop: string | null;
  stale: boolean;
}

export class Rib implements RibApi {
  private readonly interner = new AttrInterner();
  private readonly table = new RouteTable();
  private readonly loc = new LocRib(this.table);
  private readonly peers = new Map<string, PeerState>();
  /** Adj-RIB-In of peers down under graceful restart: their paths are stale but still used. */
  private readonly restarting = new Map<string, AdjRibIn>();
  private readonly subscribers = new Set<(changes: readonly BestChange[]) => void>();
  private readonly localSource: PathSource;
  private readonly loopCtx: LoopContext;

  constructor(readonly self: RibLocal) {
    this.localSource = {
      id: LOCAL_SOURCE_ID,
      local: true,
      ibgp: false,
      rrClient: false,
      asn: self.asn,
      bgpId: self.routerId,
      bgpIdNumber: ipv4Number(self.routerId),
      address: self.routerId,
      stale: false,
      count: 0,
    };
    this.loopCtx = { asn: self.asn, routerId: self.routerId, clusterId: self.clusterId };
  }

  // ------------------------------------------------------------ peers

  peerUp(peer: RibPeer): void {
    if (this.peers.has(peer.id)) this.peerDown(peer.id);
    const source: PathSource = {
      id: peer.id,
      local: false,
      ibgp: peer.ibgp,
      rrClient: peer.ibgp && peer.routeReflectorClient,
      asn: peer.asn,
      bgpId: peer.bgpId,
      bgpIdNumber: ipv4Number(peer.bgpId),
      address: peer.address,
      stale: false,
      count: 0,
    };
    const adjIn = new AdjRibIn(source, this.table, this.interner);
    const old = this.restarting.get(peer.id);
    if (old !== undefined) {
      adjIn.staleSource = old.source;
      this.restarting.delete(peer.id);
    }
    const ctx = this.self.vtepIp === undefined ? { local: this.self } : { local: this.self, vtepIp: this.self.vtepIp };
    const adjOut = new AdjRibOut(peer, this.interner, ctx);
    this.peers.set(peer.id, { peer, source, adjIn, adjOut, needsDump: true, refreshPending: false });
  }

  peerDown(peerId: string, opts: { gracefulRestart?: boolean } = {}): void {
    const st = this.peers.get(peerId);
    if (st === undefined) {
      // The restart timer ran out (RFC 4724 §4.2): the stale paths go.
      const old = this.restarting.get(peerId);
      if (old !== undefined && !opts.gracefulRestart) {
        old.clear();
        this.restarting.delete(peerId);
      }
      return;
    }
    st.adjOut.clear();
    this.peers.delete(peerId);
    if (opts.gracefulRestart) {
      // A second restart before End-of-RIB: the older stale paths go (RFC 4724 §4.2 keeps one generation).
      st.adjIn.sweepStale();
      st.adjIn.markStale();
      this.restarting.set(peerId, st.adjIn);
    } else {
      st.adjIn.clear();
    }
  }

  private state(peerId: string): PeerState {
    const st = this.peers.get(peerId);
    if (st === undefined) throw new Error(`RIB: peer ${peerId} is not up`);
    return st;
  }

  // ------------------------------------------------------------ input

  applyUpdate(peerId: string, u: DecodedUpdate): void {
    const st = this.state(peerId);
    const eor = isEndOfRib(u);
    if (eor !== null) {
      this.endOfRib(peerId, eor.afi, eor.safi);
      return;
    }
    st.adjIn.apply(u, this.loopCtx);
  }

  endOfRib(peerId: string, afi: number, safi: number): void {
    const st = this.state(peerId);
    if (afiSafiKey(afi, safi) === EVPN_FAMILY) st.adjIn.sweepStale();
  }

  originate(route: EvpnRoute, attrs: PathAttribute[]): void {
    const list = attrs.filter((a) => a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI && a.type !== AttrType.NEXT_HOP);
    // RFC 4271 §5.1.1, §5.1.2: ORIGIN and AS_PATH are mandatory; an empty AS_PATH is ours.
    if (!list.some((a) => a.type === AttrType.ORIGIN)) list.push({ type: AttrType.ORIGIN, flags: defaultFlags(AttrType.ORIGIN), origin: 0 });
    if (!list.some((a) => a.type === AttrType.AS_PATH)) list.push({ type: AttrType.AS_PATH, flags: defaultFlags(AttrType.AS_PATH), segments: [] });
    list.sort((x, y) => x.type - y.type);
    const set = this.interner.intern(list, this.self.vtepIp ?? this.self.routerId);
    this.interner.ref(set);
    const old = this.table.put(routeKey(route), new Path(route, set, this.localSource));
    if (old !== undefined) this.interner.release(old.attrs);
  }

  withdrawLocal(route: EvpnRoute): void {
    const old = this.table.remove(routeKey(route), this.localSource);
    if (old !== undefined) this.interner.release(old.attrs);
  }

  refresh(peerId: string, afi: number, safi: number): void {
    const st = this.state(peerId);
    if (afiSafiKey(afi, safi) === EVPN_FAMILY && !st.needsDump) st.refreshPending = true;
  }

  // ------------------------------------------------------------ flush

  flush(): void {
    const diff = this.loc.recompute();
    const n = diff.keys.length;
    if (n > 0 && this.subscribers.size > 0) {
      const changes: BestChange[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const now = diff.now[i];
        const old = diff.old[i];
        const prevAttrs = old === undefined ? null : old.attrs.attrs;
        changes[i] =
          now !== undefined
            ? { key: diff.keys[i]!, route: now.route, attrs: now.attrs.attrs, nextHop: now.attrs.nextHop, from: now.source.id, prevAttrs }
            : { key: diff.keys[i]!, route: old!.route, attrs: null, nextHop: null, from: null, prevAttrs };
      }
      for (const fn of this.subscribers) fn(changes);
    }
    for (const st of this.peers.values()) {
      const out = st.adjOut;
      const full = st.needsDump || st.refreshPending;
      if (out.carriesEvpn && (n > 0 || full)) {
        if (full) {
          for (let i = 0; i < n; i++) if (diff.now[i] === undefined) out.offer(diff.keys[i]!, diff.old[i], undefined, false);
          for (const [key, p] of this.loc.entries()) out.offer(key, p, p, true);
        } else {
          for (let i = 0; i < n; i++) out.offer(diff.keys[i]!, diff.old[i], diff.now[i], false);
        }
        out.finish();
      }
      if (st.needsDump) {
        for (const fam of st.peer.families) {
          const [afi, safi] = fam.split('/').map(Number);
          out.outbox.push(buildEndOfRib(afi!, safi!));
        }
      }
      st.needsDump = false;
      st.refreshPending = false;
    }
  }

  drainOut(peerId: string): Update[] {
    return this.peers.get(peerId)?.adjOut.drain() ?? [];
  }

  subscribe(fn: (changes: readonly BestChange[]) => void): () => void {
    this.subscribers.add(fn);
    return () => {
      this.subscribers.delete(fn);
    };
  }

  // ------------------------------------------------------------ reading (show, tests)

  /** Number of keys in the Loc-RIB. */
  get size(): number {
    return this.loc.size;
  }

  /** Distinct live attribute sets (incoming, local and outgoing). */
  get attrSetCount(): number {
    return this.interner.size;
  }

  /** The best path of every key. */
  *bestPaths(): IterableIterator<{ key: string; route: EvpnRoute; attrs: readonly PathAttribute[]; nextHop: string | null; from: string }> {
    for (const [key, p] of this.loc.entries()) yield { key, route: p.route, attrs: p.attrs.attrs, nextHop: p.attrs.nextHop, from: p.source.id };
  }

  /** The best path of one route, or undefined. */
  best(route: EvpnRoute): { attrs: readonly PathAttribute[]; nextHop: string | null; from: string } | undefined {
    const p = this.loc.best(routeKey(route));
    return p && { attrs: p.attrs.attrs, nextHop: p.attrs.nextHop, from: p.source.id };
  }

  /** Every path of a route with the rule each loser lost by (`show ... detail`). */
  paths(route: EvpnRoute): PathView[] {
    const all: Path[] = [];
    const n = this.table.find(routeKey(route));
    for (let p = n < 0 ? undefined : this.table.first(n); p !== undefined; p = p.next) all.push(p);
    const { best, losers } = rankPaths(all);
    const view = (p: Path, lostBy?: string): PathView => {
      const v: PathView = { from: p.source.id, best: p === best, route: p.route, attrs: p.attrs.attrs, nextHop: p.attrs.nextHop, stale: p.source.stale };
      if (lostBy !== undefined) v.lostBy = lostBy;
      return v;
    };
    return best === null ? [] : [view(best), ...losers.map((l) => view(l.path, l.rule))];
  }

  peerCounters(peerId: string): PeerRibCounters | undefined {
    const st = this.peers.get(peerId);
    if (st === undefined) return undefined;
    const stale = st.adjIn.staleCount;
    return {
      received: st.adjIn.size + stale,
      stale,
      advertised: st.adjOut.size,
      in: { ...st.adjIn.counters },
      out: { ...st.adjOut.counters },
      lastLoop: st.adjIn.lastLoop,
    };
  }

  /**
   * Every path held, for `show routes`: each key's candidates from every
   * peer's Adj-RIB-In (stale ones included) and the local route, with `best`
   * as decided at the last flush. `filter.type` skips other route types
   * early; the caller applies any other filter.
   */
  *routes(filter?: { type?: number }): IterableIterator<{ route: EvpnRoute; attrs: readonly PathAttribute[]; nextHop: string | null; from: string; best: boolean; stale: boolean }> {
    const type = filter?.type;
    const t = this.table;
    for (const n of t.entries()) {
      const best = t.best(n);
      for (let p = t.first(n); p !== undefined; p = p.next) {
        if (type !== undefined && p.route.routeType !== type) continue;
        yield { route: p.route, attrs: p.attrs.attrs, nextHop: p.attrs.nextHop, from: p.source.id, best: p === best, stale: p.source.stale };
      }
    }
  }
}
