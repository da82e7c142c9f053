import { parsePrefix } from '../config/prefix';
import type { EvpnEvent } from '../evpn/events';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import type { L3Op } from './l3-intents';
import type { DataplaneOp } from './ops';

/**
 * Turns the EVPN control plane's change events into data-plane operations,
 * one batch per flush (ARCHITECTURE guideline 7). Remote VTEPs get a table
 * index the first time a MAC or a flood list needs them and lose it when
 * nothing refers to them any more, so a VTEP going away is a single record
 * and MAC entries stay 4-octet indexes.
 *
 * Local MACs are learned by the data plane itself; remote ones only ever come
 * from BGP (nothing is learned from the underlay).
 */
export class Programmer {
  private readonly index = new Map<Ip, { idx: number; refs: number }>();
  private readonly freeIdx: number[] = [];
  private nextIdx = 0;
  /** (vni, mac) → VTEP it points at, so a move or a withdraw releases the right one. */
  private readonly macs = new Map<string, Ip>();
  /** (vni, vtep) flood list memberships. */
  private readonly flood = new Set<string>();
  /** L3VNI → tenant index of the data plane's routing tables. */
  private readonly tenants = new Map<number, number>();
  /** (l3vni, prefix) → VTEP a remote route points at, so a replace or a delete releases it. */
  private readonly routes = new Map<string, Ip>();

  constructor(
    private readonly opts: {
      /** Most VTEPs the data plane was sized for. */
      maxVteps: number;
      /** The next-hop MAC towards a VTEP on the underlay, when known (else the data plane's default). */
      nextHopMac?: (vtep: Ip) => Mac | undefined;
    },
  ) {}

  /** Operations that bring the data plane in line with `events`, in an order it can apply. */
  program(events: readonly EvpnEvent[]): DataplaneOp[] {
    const ops: DataplaneOp[] = [];
    const released: Ip[] = [];
    for (const e of events) {
      switch (e.kind) {
        case 'macAdded':
        case 'macMoved': {
          const key = `${e.vni}/${e.mac}`;
          const prev = this.macs.get(key);
          if (e.local) {
            // The winner is our own host: the data plane's learned entry is the truth.
            if (prev !== undefined) {
              this.macs.delete(key);
              released.push(prev);
            }
            break;
          }
          const vtep = e.kind === 'macAdded' ? e.vtep : e.to;
          if (prev === vtep) break;
          const idx = this.acquire(vtep, ops);
          if (idx === undefined) break;
          ops.push({ op: 'remoteMacAdd', vni: e.vni, mac: e.mac, vtepIdx: idx, seq: e.seq, sticky: e.sticky });
          this.macs.set(key, vtep);
          if (prev !== undefined) released.push(prev);
          break;
        }
        case 'macRemoved': {
          const key = `${e.vni}/${e.mac}`;
          const prev = this.macs.get(key);
          if (prev === undefined) break;
          ops.push({ op: 'remoteMacDel', vni: e.vni, mac: e.mac });
          this.macs.delete(key);
          released.push(prev);
          break;
        }
        case 'arpAdded':
          ops.push({ op: 'arpAdd', vni: e.vni, ip: e.ip, mac: e.mac });
          break;
        case 'arpRemoved':
          ops.push({ op: 'arpDel', vni: e.vni, ip: e.ip });
          break;
        case 'vtepAdded': {
          const key = `${e.vni}/${e.vtep}`;
          if (this.flood.has(key)) break;
          const idx = this.acquire(e.vtep, ops);
          if (idx === undefined) break;
          ops.push({ op: 'floodAdd', vni: e.vni, vtepIdx: idx });
          this.flood.add(key);
          break;
        }
        case 'vtepRemoved': {
          const key = `${e.vni}/${e.vtep}`;
          if (!this.flood.delete(key)) break;
          ops.push({ op: 'floodDel', vni: e.vni, vtepIdx: this.index.get(e.vtep)!.idx });
          released.push(e.vtep);
          break;
        }
        case 'prefixAdded':
        case 'prefixRemoved':
          // Tenant routing tables belong to the L3 service (symmetric IRB), programmed separately.
          break;
      }
    }
    // Deletions last, so a VTEP that lost one reference and gained another in
    // the same batch keeps its index and its entries.
    for (const vtep of released) this.release(vtep, ops);
    return ops;
  }

  /**
   * Maps the L3 service's intents (symmetric IRB) to tenant records. Tenants
   * get dense indexes by L3VNI; a remote route holds a reference on its VTEP
   * (the same index the MACs use), so the VTEP stays while a route needs it;
   * a gateway also installs its subnet as a connected route of the tenant.
   */
  programL3(intents: readonly L3Op[]): DataplaneOp[] {
    const ops: DataplaneOp[] = [];
    const released: Ip[] = [];
    for (const i of intents) {
      switch (i.op) {
        case 'vrfAdd': {
          let t = this.tenants.get(i.l3vni);
          if (t === undefined) this.tenants.set(i.l3vni, (t = this.tenants.size));
          ops.push({ op: 'vrfAdd', tenant: t, l3vni: i.l3vni, routerMac: i.routerMac });
          break;
        }
        case 'vniVrf': {
          const t = this.tenants.get(i.l3vni);
          if (t !== undefined) ops.push({ op: 'vniVrf', vni: i.vni, tenant: t });
          break;
        }
        case 'gatewayAdd': {
          const t = this.tenants.get(i.l3vni);
          ops.push({ op: 'gatewayAdd', vni: i.vni, ip: i.ip, prefixLength: i.prefixLength, mac: i.mac });
          if (t !== undefined) ops.push({ op: 'routeAdd', tenant: t, ip: i.ip, prefixLength: i.prefixLength, vni: i.vni, local: true });
          break;
        }
        case 'routeAdd': {
          const t = this.tenants.get(i.l3vni);
          if (t === undefined) break;
          const key = `${i.l3vni}/${i.prefix}`;
          const prev = this.routes.get(key);
          const idx = prev === i.vtep ? this.index.get(i.vtep)!.idx : this.acquire(i.vtep, ops);
          if (idx === undefined) break;
          const { ip, length } = parsePrefix(i.prefix);
          ops.push({ op: 'routeAdd', tenant: t, ip, prefixLength: length, vni: i.remoteVni, vtepIdx: idx, routerMac: i.routerMac });
          if (prev !== undefined && prev !== i.vtep) released.push(prev);
          this.routes.set(key, i.vtep);
          break;
        }
        case 'routeDel': {
          const t = this.tenants.get(i.l3vni);
          const key = `${i.l3vni}/${i.prefix}`;
          const prev = this.routes.get(key);
          if (t === undefined || prev === undefined) break;
          const { ip, length } = parsePrefix(i.prefix);
          ops.push({ op: 'routeDel', tenant: t, ip, prefixLength: length });
          this.routes.delete(key);
          released.push(prev);
          break;
        }
      }
    }
    for (const vtep of released) this.release(vtep, ops);
    return ops;
  }

  /** Index of a VTEP, adding it to the data plane on first use; undefined when the table is full. */
  private acquire(vtep: Ip, ops: DataplaneOp[]): number | undefined {
    const cur = this.index.get(vtep);
    if (cur) {
      cur.refs++;
      return cur.idx;
    }
    const idx = this.freeIdx.pop() ?? (this.nextIdx < this.opts.maxVteps ? this.nextIdx++ : undefined);
    if (idx === undefined) return undefined;
    this.index.set(vtep, { idx, refs: 1 });
    const nextHopMac = this.opts.nextHopMac?.(vtep);
    ops.push(nextHopMac ? { op: 'remoteVtepAdd', vtepIdx: idx, ip: vtep, nextHopMac } : { op: 'remoteVtepAdd', vtepIdx: idx, ip: vtep });
    return idx;
  }

  private release(vtep: Ip, ops: DataplaneOp[]): void {
    const cur = this.index.get(vtep);
    if (!cur || --cur.refs > 0) return;
    this.index.delete(vtep);
    this.freeIdx.push(cur.idx);
    ops.push({ op: 'remoteVtepDel', vtepIdx: cur.idx });
  }

  /** VTEP IP → data-plane index, for `show vteps` and event decoding. */
  vteps(): ReadonlyMap<Ip, number> {
    return new Map([...this.index].map(([ip, v]) => [ip, v.idx]));
  }

  vtepAt(idx: number): Ip | undefined {
    for (const [ip, v] of this.index) if (v.idx === idx) return ip;
    return undefined;
  }
}
