import { routeKey } from './route-key';
import { wireKeys } from '../bgp/wire/evpn/key';
import type { EvpnNlri, EvpnRoute } from '../bgp/wire/evpn/types';
import { Action } from '../bgp/wire/errors';
import { evpnReach, evpnUnreach, nextHopOf, type DecodedUpdate } from '../bgp/wire/update';
import type { AttrInterner, AttrSet } from './attr-set';
import { loopReason, type LoopContext } from './loop-check';
import { Path, sameRouteValue, type PathSource } from './path';
import type { RouteTable } from './route-table';

/*
 * Adj-RIB-In of one peer (RFC 4271 §3.2): route key → the path it sent, as it
 * arrived (no inbound policy). The paths themselves live in the shared
 * RouteTable (route-table.ts), tagged with the peer's PathSource; this class
 * is the peer's view of it. Applying an UPDATE honours its RFC 7606
 * outcome:
 *
 *   NONE, ATTRIBUTE_DISCARD  the routes are installed; the decoder already
 *                            left the discarded attributes out (§2);
 *   TREAT_AS_WITHDRAW        every NLRI the message reaches, announced or
 *                            withdrawn, is withdrawn (§2);
 *   stronger                 never handed to the RIB by the session layer; if it
 *                            is anyway, the same as treat-as-withdraw, so that no
 *                            route of a broken message is installed.
 *
 * EVPN route types this implementation does not know are skipped (RFC 7606
 * §5.4). Routes failing the loop checks (loop-check.ts) replace, i.e.
 * withdraw, what the peer had sent for the same key.
 *
 * Route keys come from the decoder, taken from the wire octets (evpn/key.ts
 * wireKeys); routes built in memory get theirs from routeKey.
 *
 * Keys whose paths changed are marked dirty in the table: the Loc-RIB
 * recomputes them once at flush.
 *
 * Graceful restart (RFC 4724 §4.2): the paths of the previous session keep
 * its PathSource, flagged stale; a new announcement or withdrawal of a key
 * drops the stale path of the key, End-of-RIB drops the rest.
 */

export interface AdjInCounters {
  updates: number;
  announced: number;
  withdrawn: number;
  /** Announcements ignored by a loop check. */
  loops: number;
  /** UPDATEs applied as treat-as-withdraw. */
  treatAsWithdraw: number;
  /** NLRIs of unknown EVPN route types skipped. */
  unknownTypes: number;
}

export function newAdjInCounters(): AdjInCounters {
  return { updates: 0, announced: 0, withdrawn: 0, loops: 0, treatAsWithdraw: 0, unknownTypes: 0 };
}

// Per-route calls go through module-local bindings: run from source (tsx,
// esbuild's CommonJS output) every use of an imported binding is a getter
// call, which costs more than these small functions themselves.
const PathOf = Path;
const sameValue = sameRouteValue;

function isUnknownRoute(r: EvpnRoute): boolean {
  return 'unknown' in r;
}

export class AdjRibIn {
  readonly counters = newAdjInCounters();
  /** The last loop-check rejection, for logs. */
  lastLoop: string | null = null;
  /** The source of the previous session's paths under graceful restart, until End-of-RIB. */
  staleSource: PathSource | null = null;

  constructor(
    readonly source: PathSource,
    private readonly table: RouteTable,
    private readonly interner: AttrInterner,
  ) {}

  /** Paths held from the current session. */
  get size(): number {
    return this.source.count;
  }

  get staleCount(): number {
    return this.staleSource?.count ?? 0;
  }

  apply(u: DecodedUpdate, local: LoopContext): void {
    const c = this.counters;
    c.updates++;
    const unreach = evpnUnreach(u);
    const reach = evpnReach(u);
    if (u.action >= Action.TREAT_AS_WITHDRAW) {
      c.treatAsWithdraw++;
      this.withdrawAll(unreach);
      this.withdrawAll(reach);
      return;
    }
    this.withdrawAll(unreach);
    if (reach.length === 0) return;

    const set = this.interner.intern(u.attributes, nextHopOf(u) ?? null);
    const loop = loopReason(set, this.source.ibgp, local);
    if (loop !== null) {
      c.loops += reach.length;
      this.lastLoop = loop;
      this.withdrawAll(reach);
      this.interner.dropIfUnused(set);
      return;
    }
    const keys = wireKeys(reach);
    for (let i = 0; i < reach.length; i++) {
      const route = reach[i]!.route;
      if (isUnknownRoute(route)) {
        c.unknownTypes++;
        continue;
      }
      c.announced++;
      this.announce(keys !== undefined ? keys[i]! : routeKey(route), route, set);
    }
    this.interner.dropIfUnused(set);
  }

  /** Installs a path; a re-announcement equal to what is installed changes nothing. */
  announce(key: string, route: EvpnRoute, set: AttrSet): void {
    const n = this.table.entry(key);
    for (let p = this.table.first(n); p !== undefined; p = p.next) {
      if (p.source === this.source && p.attrs === set && sameValue(p.route, route)) return;
    }
    this.interner.ref(set);
    const old = this.table.putIn(n, new PathOf(route, set, this.source));
    if (old !== undefined) this.interner.release(old.attrs);
    if (this.staleSource !== null) this.dropStale(key);
  }

  withdraw(key: string): void {
    const old = this.table.remove(key, this.source);
    if (old !== undefined) this.interner.release(old.attrs);
    if (this.staleSource !== null) this.dropStale(key);
  }

  private withdrawAll(list: readonly EvpnNlri[]): void {
    const keys = wireKeys(list);
    for (let i = 0; i < list.length; i++) {
      const route = list[i]!.route;
      if (isUnknownRoute(route)) {
        this.counters.unknownTypes++;
        continue;
      }
      this.counters.withdrawn++;
      this.withdraw(keys !== undefined ? keys[i]! : routeKey(route));
    }
  }

  private dropStale(key: string): void {
    const p = this.table.remove(key, this.staleSource!);
    if (p !== undefined) this.interner.release(p.attrs);
  }

  /** End-of-RIB from the restarted peer (RFC 4724 §4.2): stale paths it did not re-send are removed. */
  sweepStale(): void {
    const src = this.staleSource;
    if (src === null) return;
    this.table.removeAll(src, (p) => this.interner.release(p.attrs));
    this.staleSource = null;
  }

  /** Session down under graceful restart: the current paths become stale. */
  markStale(): void {
    this.source.stale = true;
  }

  /** Removes every path (session down without graceful restart). */
  clear(): void {
    this.table.removeAll(this.source, (p) => this.interner.release(p.attrs));
    this.sweepStale();
  }
}
