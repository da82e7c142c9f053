import { isUnknownAttr } from '../bgp/wire/attributes/types';
import { AttrType } from '../bgp/wire/iana';
import type { DecodedUpdate, Update } from '../bgp/wire/update';
import type { RibApi } from '../rib/api';
import { routeTypeLabel, type Metrics } from './metrics';

/*
 * A RibApi that forwards every call to the real RIB and feeds the metrics on
 * the way: EVPN routes received and sent per peer and route type (counted
 * from the UPDATEs themselves, so every announcement counts, also a
 * re-announcement), the time each received UPDATE takes in applyUpdate,
 * and the time of each flush. The speaker is given this wrapper instead of
 * the RIB; nothing else changes.
 */

function countEvpn(u: Update, onReach: (type: number, n: number) => void, onUnreach: (type: number, n: number) => void): void {
  for (const a of u.attributes) {
    if (isUnknownAttr(a)) continue;
    if ((a.type === AttrType.MP_REACH_NLRI || a.type === AttrType.MP_UNREACH_NLRI) && a.nlri.kind === 'evpn') {
      const by = new Map<number, number>();
      for (const n of a.nlri.routes) by.set(n.route.routeType, (by.get(n.route.routeType) ?? 0) + 1);
      for (const [t, n] of by) (a.type === AttrType.MP_REACH_NLRI ? onReach : onUnreach)(t, n);
    }
  }
}

/**
 * The RIB seen through the metrics. Only applyUpdate, flush and drainOut
 * are intercepted; every other property, the optional duck-typed ones too
 * (peerCounters, routes, ...), is the RIB's own, so the wrapper can stand in
 * for it anywhere.
 */
export function instrumentRib<R extends RibApi>(rib: R, m: Metrics): R {
  const over: Partial<RibApi> = {
    applyUpdate: (id: string, u: DecodedUpdate) => {
      const t0 = process.hrtime.bigint();
      try {
        rib.applyUpdate(id, u);
      } finally {
        m.updateSeconds.observe({ peer: id }, Number(process.hrtime.bigint() - t0) / 1e9);
      }
      countEvpn(
        u,
        (t, n) => m.routesReceived.inc({ peer: id, route_type: routeTypeLabel(t) }, n),
        (t, n) => m.routesWithdrawn.inc({ peer: id, route_type: routeTypeLabel(t) }, n),
      );
    },
    flush: () => {
      const t0 = process.hrtime.bigint();
      try {
        rib.flush();
      } finally {
        m.flushSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
      }
    },
    drainOut: (id) => {
      const out = rib.drainOut(id);
      for (const u of out) {
        countEvpn(
          u,
          (t, n) => m.routesSent.inc({ peer: id, route_type: routeTypeLabel(t) }, n),
          (t, n) => m.routesWithdrawnSent.inc({ peer: id, route_type: routeTypeLabel(t) }, n),
        );
      }
      return out;
    },
  };
  return new Proxy(rib, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(over, prop)) return over[prop as keyof RibApi];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
