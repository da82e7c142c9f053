import type { EvpnRoute } from '../bgp/wire/evpn/types';
import { afiSafiKey } from '../bgp/wire/context';
import { Afi, BGP_MAX_MESSAGE, Safi } from '../bgp/wire/iana';
import type { Update } from '../bgp/wire/update';
import type { RibPeer } from './api';
import type { AttrInterner, AttrSet } from './attr-set';
import { mayAdvertise, outgoingAttrs, type ExportContext } from './export-policy';
import { packAnnouncements, packWithdrawals, type PackOptions } from './pack';
import { sameRouteValue, type Path, type PathSource } from './path';

/*
 * Adj-RIB-Out of one peer (RFC 4271 §3.2): route key → the attribute set we
 * advertised for it. At each flush the Loc-RIB changes are offered here; the
 * difference with what the peer already has becomes announcements (grouped
 * by outgoing attribute set) and withdrawals, packed into UPDATEs waiting in
 * `outbox` until the session drains them.
 *
 * Outgoing attribute sets are interned like incoming ones and derived once
 * per (source, incoming set) pair: the rewrite of export-policy.ts runs once
 * per UPDATE shape, not once per route.
 */

const EVPN_FAMILY = afiSafiKey(Afi.L2VPN, Safi.EVPN);

// Per-route calls go through module-local bindings: run from source (tsx,
// esbuild's CommonJS output) every use of an imported binding is a getter
// call, which costs more than these small functions themselves.
const mayAdvertiseTo = mayAdvertise;
const sameValue = sameRouteValue;

export interface AdjOutCounters {
  announced: number;
  withdrawn: number;
  updates: number;
}

export class AdjRibOut {
  readonly sent = new Map<string, AttrSet>();
  outbox: Update[] = [];
  readonly counters: AdjOutCounters = { announced: 0, withdrawn: 0, updates: 0 };
  private readonly cache = new WeakMap<PathSource, WeakMap<AttrSet, AttrSet>>();
  private lastSource: PathSource | null = null;
  private lastIn: AttrSet | null = null;
  private lastOut: AttrSet | null = null;
  private reach = new Map<AttrSet, EvpnRoute[]>();
  private withdrawals: EvpnRoute[] = [];
  private readonly pack: PackOptions;

  constructor(
    readonly peer: RibPeer,
    private readonly interner: AttrInterner,
    private readonly ctx: ExportContext,
  ) {
    this.pack = { maxLength: peer.extendedMessage ? 65535 : BGP_MAX_MESSAGE, addPath: peer.addPathTx.has(EVPN_FAMILY) };
  }

  get size(): number {
    return this.sent.size;
  }

  /** The EVPN family is negotiated with this peer. */
  get carriesEvpn(): boolean {
    return this.peer.families.has(EVPN_FAMILY);
  }

  /**
   * Offers the new best path of a key (undefined: none). `old` is the previous
   * best path, whose route value a withdrawal carries. With `force`, a path
   * the peer already has is sent again (initial dump, route refresh).
   */
  offer(key: string, old: Path | undefined, now: Path | undefined, force: boolean): void {
    const out = now !== undefined && mayAdvertiseTo(now, this.peer) ? this.outSet(now) : undefined;
    const cur = this.sent.get(key);
    if (out !== undefined) {
      if (cur === out && !force && old !== undefined && sameValue(old.route, now!.route)) return;
      if (cur !== out) {
        this.interner.ref(out);
        if (cur !== undefined) this.interner.release(cur);
        this.sent.set(key, out);
      }
      let list = this.reach.get(out);
      if (list === undefined) this.reach.set(out, (list = []));
      list.push(now!.route);
    } else if (cur !== undefined) {
      this.sent.delete(key);
      this.interner.release(cur);
      this.withdrawals.push((old ?? now)!.route);
    }
  }

  /** Packs what the offers of this flush produced into `outbox`. */
  finish(): void {
    if (this.withdrawals.length > 0) {
      this.counters.withdrawn += this.withdrawals.length;
      packWithdrawals(this.withdrawals, this.pack, this.outbox);
      this.withdrawals = [];
    }
    if (this.reach.size > 0) {
      for (const [set, routes] of this.reach) {
        this.counters.announced += routes.length;
        packAnnouncements(set, routes, this.pack, this.outbox);
      }
      this.reach = new Map();
    }
  }

  /** Hands the packed UPDATEs to the session. */
  drain(): Update[] {
    const out = this.outbox;
    this.outbox = [];
    this.counters.updates += out.length;
    return out;
  }

  /** Forgets everything (the session went down). */
  clear(): void {
    for (const set of this.sent.values()) this.interner.release(set);
    this.sent.clear();
    this.outbox = [];
    this.reach = new Map();
    this.withdrawals = [];
  }

  private outSet(path: Path): AttrSet {
    const src = path.source;
    const set = path.attrs;
    if (src === this.lastSource && set === this.lastIn && this.lastOut!.refs > 0) return this.lastOut!;
    let bySet = this.cache.get(src);
    if (bySet === undefined) this.cache.set(src, (bySet = new WeakMap()));
    let out = bySet.get(set);
    if (out === undefined) {
      const o = outgoingAttrs(path, this.peer, this.ctx);
      out = this.interner.intern(o.attrs, o.nextHop);
      bySet.set(set, out);
    } else if (out.refs === 0) {
      out = this.interner.revive(out);
      bySet.set(set, out);
    }
    this.lastSource = src;
    this.lastIn = set;
    this.lastOut = out;
    return out;
  }
}
