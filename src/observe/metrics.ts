import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PeerStatus } from '../bgp/session';
import type { FsmStateName } from '../bgp/fsm';

/*
 * The Prometheus metrics of a speaker or VTEP (issue 8), in one registry of
 * their own (never prom-client's global one, so two instances in a test
 * process do not mix). Names follow the Prometheus conventions: the
 * `evpn_vtep_` prefix, base units (seconds, bytes), `_total` on counters.
 *
 * Two kinds of sources:
 *  - pushed: the RIB wrapper (instrument.ts) counts routes received and sent
 *    per peer and route type, and times UPDATE processing and RIB flushes;
 *  - pulled at scrape time through callbacks: BGP session states and message
 *    counters (the speaker's peers()), and every data-plane family, which
 *    the VTEP plugs in with setDataplane() once its fast path runs. A family
 *    whose source is not set is present with no samples.
 */

export const FSM_STATES: readonly FsmStateName[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** EVPN route type label values. */
export const ROUTE_TYPE_LABELS: Record<number, string> = { 1: 'ethernet-ad', 2: 'mac-ip', 3: 'imet', 4: 'es', 5: 'ip-prefix' };

export function routeTypeLabel(t: number): string {
  return ROUTE_TYPE_LABELS[t] ?? `type-${t}`;
}

/** Traffic of one VNI on one port in one direction: "rx" into the VTEP, "tx" out of it. */
export interface TrafficSample {
  vni: number;
  port: string;
  direction: 'rx' | 'tx';
  packets: number;
  bytes: number;
}

/**
 * What the data plane reports, each a callback evaluated at scrape time.
 * Counters must be monotonic (the fast path's own counters).
 */
export interface DataplaneSource {
  /** Packets and bytes per VNI and port; direction "rx" (into the VTEP) or "tx". */
  traffic?(): TrafficSample[];
  /** Dropped packets by reason (e.g. "no-vni", "ttl", "ring-full", "malformed"). */
  drops?(): { reason: string; packets: number }[];
  /** ARP requests (and ND solicitations) answered locally from EVPN state (RFC 9161), per VNI. */
  arpAnswered?(): { vni: number; count: number }[];
  /** MAC table sizes per VNI, local (learned on access ports) and remote (from EVPN type 2). */
  macTable?(): { vni: number; local: number; remote: number }[];
  /** ARP/ND suppression table sizes per VNI. */
  arpTable?(): { vni: number; entries: number }[];
  /** Remote VTEPs in each VNI's flood list (from type 3 routes). */
  floodList?(): { vni: number; vteps: number }[];
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag) from prom-client's default collectors. Default true. */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  private peersSource: (() => PeerStatus[]) | null = null;
  private dataplane: DataplaneSource = {};

  readonly routesReceived: Counter<'peer' | 'route_type'>;
  readonly routesWithdrawn: Counter<'peer' | 'route_type'>;
  readonly routesSent: Counter<'peer' | 'route_type'>;
  readonly routesWithdrawnSent: Counter<'peer' | 'route_type'>;
  readonly updateSeconds: Histogram<'peer'>;
  readonly flushSeconds: Histogram<never>;

  constructor(o: MetricsOptions = {}) {
    const r = this.registry;
    const self = this;
    const peers = (): PeerStatus[] => (self.peersSource ? self.peersSource() : []);

    new Gauge({
      name: 'evpn_vtep_bgp_session_state',
      help: 'BGP FSM state of each peer: 1 for the current state, 0 for the others (RFC 4271 §8)',
      labelNames: ['peer', 'state'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) for (const s of FSM_STATES) this.set({ peer: p.address, state: s }, p.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'evpn_vtep_bgp_session_established_seconds',
      help: 'Seconds the session has been Established (0 when it is not)',
      labelNames: ['peer'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) this.set({ peer: p.address }, p.state === 'Established' ? (p.uptimeMs ?? 0) / 1000 : 0);
      },
    });
    new Counter({
      name: 'evpn_vtep_bgp_session_established_total',
      help: 'Times the session reached Established',
      labelNames: ['peer'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) this.inc({ peer: p.address }, p.establishedCount);
      },
    });
    const messages = (name: string, help: string, pick: (p: PeerStatus) => Record<string, number>): void => {
      new Counter({
        name,
        help,
        labelNames: ['peer', 'type'],
        registers: [r],
        collect() {
          this.reset();
          for (const p of peers()) for (const [type, n] of Object.entries(pick(p))) this.inc({ peer: p.address, type }, n);
        },
      });
    };
    messages('evpn_vtep_bgp_messages_received_total', 'BGP messages received, by message type', (p) => p.messagesIn);
    messages('evpn_vtep_bgp_messages_sent_total', 'BGP messages sent, by message type', (p) => p.messagesOut);
    new Gauge({
      name: 'evpn_vtep_bgp_adj_rib_in_routes',
      help: 'Routes held from the peer (Adj-RIB-In)',
      labelNames: ['peer'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) if (p.adjRibIn !== undefined) this.set({ peer: p.address }, p.adjRibIn);
      },
    });
    new Gauge({
      name: 'evpn_vtep_bgp_adj_rib_out_routes',
      help: 'Routes advertised to the peer (Adj-RIB-Out)',
      labelNames: ['peer'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) if (p.adjRibOut !== undefined) this.set({ peer: p.address }, p.adjRibOut);
      },
    });

    this.routesReceived = new Counter({
      name: 'evpn_vtep_bgp_routes_received_total',
      help: 'EVPN routes announced by the peer, by route type',
      labelNames: ['peer', 'route_type'],
      registers: [r],
    });
    this.routesWithdrawn = new Counter({
      name: 'evpn_vtep_bgp_routes_withdrawn_received_total',
      help: 'EVPN routes withdrawn by the peer, by route type',
      labelNames: ['peer', 'route_type'],
      registers: [r],
    });
    this.routesSent = new Counter({
      name: 'evpn_vtep_bgp_routes_sent_total',
      help: 'EVPN routes announced to the peer, by route type',
      labelNames: ['peer', 'route_type'],
      registers: [r],
    });
    this.routesWithdrawnSent = new Counter({
      name: 'evpn_vtep_bgp_routes_withdrawn_sent_total',
      help: 'EVPN routes withdrawn towards the peer, by route type',
      labelNames: ['peer', 'route_type'],
      registers: [r],
    });
    this.updateSeconds = new Histogram({
      name: 'evpn_vtep_bgp_update_processing_seconds',
      help: 'Time to apply one received UPDATE to the RIB (Adj-RIB-In and dirty marking; decoding excluded)',
      labelNames: ['peer'],
      buckets: [1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.025, 0.1],
      registers: [r],
    });
    this.flushSeconds = new Histogram({
      name: 'evpn_vtep_rib_flush_seconds',
      help: 'Time of one RIB flush: best path for the changed keys, subscribers, Adj-RIB-Out diffs',
      buckets: [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [r],
    });

    const dp = (): DataplaneSource => self.dataplane;
    new Counter({
      name: 'evpn_vtep_dataplane_packets_total',
      help: 'Packets through the fast path, by VNI, port and direction',
      labelNames: ['vni', 'port', 'direction'],
      registers: [r],
      collect() {
        this.reset();
        for (const t of dp().traffic?.() ?? []) this.inc({ vni: t.vni, port: t.port, direction: t.direction }, t.packets);
      },
    });
    new Counter({
      name: 'evpn_vtep_dataplane_bytes_total',
      help: 'Bytes through the fast path, by VNI, port and direction',
      labelNames: ['vni', 'port', 'direction'],
      registers: [r],
      collect() {
        this.reset();
        for (const t of dp().traffic?.() ?? []) this.inc({ vni: t.vni, port: t.port, direction: t.direction }, t.bytes);
      },
    });
    new Counter({
      name: 'evpn_vtep_dataplane_drops_total',
      help: 'Packets dropped by the fast path, by reason',
      labelNames: ['reason'],
      registers: [r],
      collect() {
        this.reset();
        for (const d of dp().drops?.() ?? []) this.inc({ reason: d.reason }, d.packets);
      },
    });
    new Counter({
      name: 'evpn_vtep_arp_requests_answered_total',
      help: 'ARP requests and ND solicitations answered from EVPN state (RFC 9161), by VNI',
      labelNames: ['vni'],
      registers: [r],
      collect() {
        this.reset();
        for (const a of dp().arpAnswered?.() ?? []) this.inc({ vni: a.vni }, a.count);
      },
    });
    new Gauge({
      name: 'evpn_vtep_mac_table_entries',
      help: 'MAC table entries by VNI and source (local: learned on access ports; remote: EVPN type 2)',
      labelNames: ['vni', 'source'],
      registers: [r],
      collect() {
        this.reset();
        for (const m of dp().macTable?.() ?? []) {
          this.set({ vni: m.vni, source: 'local' }, m.local);
          this.set({ vni: m.vni, source: 'remote' }, m.remote);
        }
      },
    });
    new Gauge({
      name: 'evpn_vtep_arp_table_entries',
      help: 'ARP/ND suppression entries by VNI',
      labelNames: ['vni'],
      registers: [r],
      collect() {
        this.reset();
        for (const a of dp().arpTable?.() ?? []) this.set({ vni: a.vni }, a.entries);
      },
    });
    new Gauge({
      name: 'evpn_vtep_flood_list_vteps',
      help: 'Remote VTEPs in the flood list (ingress replication, from type 3 routes), by VNI',
      labelNames: ['vni'],
      registers: [r],
      collect() {
        this.reset();
        for (const f of dp().floodList?.() ?? []) this.set({ vni: f.vni }, f.vteps);
      },
    });

    if (o.processMetrics ?? true) collectDefaultMetrics({ register: r, prefix: 'evpn_vtep_' });
  }

  /** The BGP sessions to report (the speaker's peers()). */
  setPeers(fn: () => PeerStatus[]): void {
    this.peersSource = fn;
  }

  /** The data-plane callbacks; replaces any set before. */
  setDataplane(src: DataplaneSource): void {
    this.dataplane = src;
  }

  /** The text exposition format (what /metrics serves). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
