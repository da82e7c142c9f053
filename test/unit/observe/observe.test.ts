import { afterEach, describe, expect, it } from 'vitest';
import type { PeerStatus } from '../../../src/bgp/session';
import { ControlServer } from '../../../src/control/server';
import { ObserveServer } from '../../../src/observe/http';
import { instrumentRib } from '../../../src/observe/instrument';
import { Metrics } from '../../../src/observe/metrics';
import { Rib } from '../../../src/rib/rib';
import { memoryLogger } from '../../../src/util/log';
import { announce, LOCAL, peer, roundTrip, type2, type3, withdraw } from '../rib/support';

/** Prometheus text → "name{labels}" → value, for exact checks. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function status(address: string, state: PeerStatus['state'], o: Partial<PeerStatus> = {}): PeerStatus {
  return {
    address,
    remoteAs: 65100,
    localAs: 65100,
    ibgp: true,
    passive: false,
    routeReflectorClient: false,
    state,
    connections: 1,
    families: ['25/70'],
    establishedCount: 1,
    messagesIn: { UPDATE: 3, KEEPALIVE: 10 },
    messagesOut: { KEEPALIVE: 9 },
    updatesIn: 3,
    updatesOut: 0,
    prefixesReceived: 0,
    prefixesWithdrawn: 0,
    prefixesAccepted: 0,
    prefixesSent: 0,
    ...o,
  };
}

describe('metrics registry', () => {
  it('reports session states, message counters and every data-plane family from callbacks', async () => {
    const m = new Metrics({ processMetrics: false });
    m.setPeers(() => [status('10.0.0.1', 'Established', { uptimeMs: 2500, adjRibIn: 7, adjRibOut: 4 }), status('10.0.0.2', 'Active', { establishedCount: 0 })]);
    let s = samples(await m.text());
    expect(s.get('evpn_vtep_bgp_session_state{peer="10.0.0.1",state="Established"}')).toBe(1);
    expect(s.get('evpn_vtep_bgp_session_state{peer="10.0.0.1",state="Idle"}')).toBe(0);
    expect(s.get('evpn_vtep_bgp_session_state{peer="10.0.0.2",state="Active"}')).toBe(1);
    expect(s.get('evpn_vtep_bgp_session_established_seconds{peer="10.0.0.1"}')).toBe(2.5);
    expect(s.get('evpn_vtep_bgp_session_established_seconds{peer="10.0.0.2"}')).toBe(0);
    expect(s.get('evpn_vtep_bgp_messages_received_total{peer="10.0.0.1",type="UPDATE"}')).toBe(3);
    expect(s.get('evpn_vtep_bgp_adj_rib_in_routes{peer="10.0.0.1"}')).toBe(7);
    expect(s.get('evpn_vtep_bgp_adj_rib_out_routes{peer="10.0.0.1"}')).toBe(4);
    // No data plane yet: the families exist, with no samples.
    const text = await m.text();
    for (const f of ['dataplane_packets_total', 'dataplane_bytes_total', 'dataplane_drops_total', 'arp_requests_answered_total', 'mac_table_entries', 'arp_table_entries', 'flood_list_vteps']) {
      expect(text).toContain(`# TYPE evpn_vtep_${f} `);
    }
    m.setDataplane({
      traffic: () => [
        { vni: 100, port: 'tap100', direction: 'rx', packets: 10, bytes: 1500 },
        { vni: 100, port: 'underlay', direction: 'tx', packets: 10, bytes: 2000 },
      ],
      drops: () => [{ reason: 'no-vni', packets: 2 }],
      arpAnswered: () => [{ vni: 100, count: 5 }],
      macTable: () => [{ vni: 100, local: 3, remote: 40 }],
      arpTable: () => [{ vni: 100, entries: 41 }],
      floodList: () => [{ vni: 100, vteps: 31 }],
    });
    s = samples(await m.text());
    expect(s.get('evpn_vtep_dataplane_packets_total{vni="100",port="tap100",direction="rx"}')).toBe(10);
    expect(s.get('evpn_vtep_dataplane_bytes_total{vni="100",port="underlay",direction="tx"}')).toBe(2000);
    expect(s.get('evpn_vtep_dataplane_drops_total{reason="no-vni"}')).toBe(2);
    expect(s.get('evpn_vtep_arp_requests_answered_total{vni="100"}')).toBe(5);
    expect(s.get('evpn_vtep_mac_table_entries{vni="100",source="remote"}')).toBe(40);
    expect(s.get('evpn_vtep_arp_table_entries{vni="100"}')).toBe(41);
    expect(s.get('evpn_vtep_flood_list_vteps{vni="100"}')).toBe(31);
  });

  it('counts routes received and sent per peer and type and times UPDATE processing through the RIB wrapper', async () => {
    const m = new Metrics({ processMetrics: false });
    const rib = new Rib(LOCAL);
    const r = instrumentRib(rib, m);
    r.peerUp(peer('10.0.0.1'));
    r.peerUp(peer('10.0.0.2', { ibgp: false, asn: 65200, routeReflectorClient: false }));
    r.applyUpdate('10.0.0.1', roundTrip(announce([type2(1), type2(2), type3('10.99.0.1')])));
    r.applyUpdate('10.0.0.1', roundTrip(withdraw([type2(2)])));
    r.flush();
    const out = r.drainOut('10.0.0.2');
    expect(out.length).toBeGreaterThan(0);
    const s = samples(await m.text());
    expect(s.get('evpn_vtep_bgp_routes_received_total{peer="10.0.0.1",route_type="mac-ip"}')).toBe(2);
    expect(s.get('evpn_vtep_bgp_routes_received_total{peer="10.0.0.1",route_type="imet"}')).toBe(1);
    expect(s.get('evpn_vtep_bgp_routes_withdrawn_received_total{peer="10.0.0.1",route_type="mac-ip"}')).toBe(1);
    expect(s.get('evpn_vtep_bgp_routes_sent_total{peer="10.0.0.2",route_type="mac-ip"}')).toBe(1);
    expect(s.get('evpn_vtep_bgp_routes_sent_total{peer="10.0.0.2",route_type="imet"}')).toBe(1);
    expect(s.get('evpn_vtep_bgp_update_processing_seconds_count{peer="10.0.0.1"}')).toBe(2);
    expect(s.get('evpn_vtep_bgp_update_processing_seconds_bucket{le="+Inf",peer="10.0.0.1"}')).toBe(2);
    expect(s.get('evpn_vtep_rib_flush_seconds_count')).toBe(1);
    expect(rib.size).toBe(2);
  });

  it('includes process metrics by default', async () => {
    const text = await new Metrics().text();
    expect(text).toContain('evpn_vtep_process_resident_memory_bytes');
    expect(text).toContain('evpn_vtep_nodejs_eventloop_lag_seconds');
  });
});

describe('HTTP endpoint', () => {
  let server: ObserveServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('serves /metrics and the show documents under /api, with errors for the rest', async () => {
    const m = new Metrics({ processMetrics: false });
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1), type3('10.99.0.1')])));
    rib.flush();
    const peers = (): PeerStatus[] => [status('10.0.0.1', 'Established')];
    m.setPeers(peers);
    const control = new ControlServer('/nonexistent/never-started.sock', { peers, rib }, memoryLogger());
    server = new ObserveServer({ listen: { address: '127.0.0.1', port: 0 }, metrics: m, show: (req) => control.answer(JSON.stringify(req)) });
    await server.start();
    const base = `http://127.0.0.1:${server.port}`;

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain('evpn_vtep_bgp_session_state{peer="10.0.0.1",state="Established"} 1');

    const same = (req: object): unknown => {
      const a = control.answer(JSON.stringify(req)) as Record<string, unknown>;
      return JSON.parse(JSON.stringify(a.peers ?? a.routes));
    };
    expect(await (await fetch(`${base}/api/peers`)).json()).toEqual(same({ cmd: 'show', what: 'peers' }));
    const all = await (await fetch(`${base}/api/routes`)).json();
    expect(all).toEqual(same({ cmd: 'show', what: 'routes' }));
    expect(all).toHaveLength(2);
    const t3 = (await (await fetch(`${base}/api/routes?type=3`)).json()) as { type: number }[];
    expect(t3.map((r) => r.type)).toEqual([3]);
    expect(await (await fetch(`${base}/api/routes?vni=100`)).json()).toEqual(same({ cmd: 'show', what: 'routes', filters: { vni: 100 } }));

    const err = async (url: string, init?: RequestInit): Promise<[number, unknown]> => {
      const res = await fetch(`${base}${url}`, init);
      return [res.status, await res.json()];
    };
    expect(await err('/api/routes?type=9')).toEqual([400, { error: 'filters.type must be 1..5' }]);
    expect(await err('/api/routes?type=abc')).toEqual([400, { error: 'type must be a number' }]);
    expect(await err('/api/routes?colour=red')).toEqual([400, { error: 'unknown parameter "colour": type, vni' }]);
    expect((await err('/api/nonsense'))[0]).toBe(404);
    expect((await err('/'))[0]).toBe(404);
    expect((await err('/metrics', { method: 'POST' }))[0]).toBe(405);
  });
});
