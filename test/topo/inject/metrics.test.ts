import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteRow } from '../../../src/control/protocol';
import { waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { Vtep, type VtepOptions } from '../bgp/support';
import { Injector, MtLab } from './support';

/**
 * The metrics endpoint of a real `evpn-vtep bgp --config FILE` process in a
 * namespace, with `metrics: {listen: ADDR:9179}` in its config: an injector
 * in a second namespace sends 3 type-2, 1 type-3 and 1 type-5 routes, then
 * /metrics and /api/* are fetched with curl from the injector's namespace.
 */

const skip = rootSkipReason() ?? (hasCommand('curl') ? null : 'needs curl');
if (skip) console.warn(`[skip] metrics endpoint: ${skip}`);

class MetricsVtep extends Vtep {
  constructor(
    ns: string,
    o: VtepOptions,
    readonly metricsListen: string,
  ) {
    super(ns, o);
  }

  override config(): string {
    return `${super.config()}metrics: { listen: "${this.metricsListen}" }\n`;
  }
}

/** Prometheus text → "name{labels}" → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe.skipIf(skip !== null)('metrics endpoint of evpn-vtep bgp', () => {
  let lab: MtLab;
  let vtep: MetricsVtep;
  let inj: Injector;
  let injNs: string;
  let vtepAddr: string;
  let injAddr: string;
  let dir: string;
  const curl = (p: string): string => execFileSync('ip', ['netns', 'exec', injNs, 'curl', '-sS', '--max-time', '5', `http://${vtepAddr}:9179${p}`], { encoding: 'utf8' });

  beforeAll(async () => {
    lab = new MtLab();
    dir = mkdtempSync(path.join(tmpdir(), 'mt-metrics-'));
    try {
      const vNs = lab.ns('v');
      injNs = lab.ns('i');
      [vtepAddr, injAddr] = lab.link(vNs, injNs, 'l');
      vtep = new MetricsVtep(vNs, { routerId: '10.255.0.1', as: 65000, neighbors: [{ address: injAddr, remoteAs: 65010, passive: true }] }, `${vtepAddr}:9179`);
      await vtep.start();
      const routes = [
        ...[1, 2, 3].map((i) => `  - { type: 2, rd: "10.0.0.9:100", mac: "02:aa:00:00:00:0${i}", ip: 10.100.0.${i}, labels: [100], next-hop: 10.0.0.9, route-targets: ["65000:100"] }`),
        '  - { type: 3, rd: "10.0.0.9:100", originator: 10.0.0.9, next-hop: 10.0.0.9, pmsi: { vni: 100, tunnel: 10.0.0.9 } }',
        '  - { type: 5, rd: "10.0.0.9:1", prefix: 10.250.0.0/24, label: 1000, next-hop: 10.0.0.9 }',
      ];
      writeFileSync(path.join(dir, 'r.yaml'), `routes:\n${routes.join('\n')}\n`);
      inj = new Injector(injNs, ['--peer', vtepAddr, '--local-as', '65010', '--router-id', '10.255.0.10', '--hold-seconds', '120', path.join(dir, 'r.yaml')]);
      await waitFor('injector sent', () => inj.event('sent'), 30_000, 200).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${inj.stderr}\n${vtep.log()}`);
      });
    } catch (e) {
      await vtep?.destroy();
      lab.destroy();
      throw e;
    }
  }, 90_000);

  afterAll(async () => {
    try {
      await inj?.stop();
      await vtep?.destroy();
    } finally {
      lab?.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/metrics has the BGP families with the values of this session, and the process and data-plane families', async () => {
    const s = await waitFor('5 routes counted', () => {
      const x = samples(curl('/metrics'));
      return x.get(`evpn_vtep_bgp_adj_rib_in_routes{peer="${injAddr}"}`) === 5 ? x : undefined;
    }, 15_000, 300);
    expect(s.get(`evpn_vtep_bgp_session_state{peer="${injAddr}",state="Established"}`)).toBe(1);
    expect(s.get(`evpn_vtep_bgp_session_state{peer="${injAddr}",state="Active"}`)).toBe(0);
    expect(s.get(`evpn_vtep_bgp_session_established_total{peer="${injAddr}"}`)).toBe(1);
    expect(s.get(`evpn_vtep_bgp_routes_received_total{peer="${injAddr}",route_type="mac-ip"}`)).toBe(3);
    expect(s.get(`evpn_vtep_bgp_routes_received_total{peer="${injAddr}",route_type="imet"}`)).toBe(1);
    expect(s.get(`evpn_vtep_bgp_routes_received_total{peer="${injAddr}",route_type="ip-prefix"}`)).toBe(1);
    // The three type-2 routes share attributes: 3 UPDATEs (2+, 3, 5) plus End-of-RIB.
    expect(s.get(`evpn_vtep_bgp_update_processing_seconds_count{peer="${injAddr}"}`)).toBeGreaterThanOrEqual(3);
    expect(s.get(`evpn_vtep_bgp_messages_received_total{peer="${injAddr}",type="UPDATE"}`)).toBeGreaterThanOrEqual(4);
    expect(s.get('evpn_vtep_process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    const text = curl('/metrics');
    for (const f of ['dataplane_packets_total counter', 'dataplane_drops_total counter', 'arp_requests_answered_total counter', 'mac_table_entries gauge', 'arp_table_entries gauge', 'flood_list_vteps gauge', 'bgp_update_processing_seconds histogram']) {
      expect(text).toContain(`# TYPE evpn_vtep_${f}`);
    }
  });

  it('/api/peers and /api/routes return the documents of show --json', () => {
    const apiRoutes = JSON.parse(curl('/api/routes')) as RouteRow[];
    expect(apiRoutes).toEqual(vtep.routes());
    expect(apiRoutes.map((r) => r.type)).toEqual([2, 2, 2, 3, 5]);
    expect(JSON.parse(curl('/api/routes?type=5'))).toEqual(vtep.routes({ type: 5 }));
    expect(JSON.parse(curl('/api/routes?vni=100'))).toEqual(vtep.routes({ vni: 100 }));
    const apiPeers = JSON.parse(curl('/api/peers')) as { address: string; state: string; uptimeMs?: number }[];
    const showPeers = vtep.peers();
    // Uptime moves between the two reads; everything else is the same document.
    const still = (ps: { uptimeMs?: number }[]): unknown => ps.map(({ uptimeMs: _u, ...rest }) => rest);
    expect(still(apiPeers)).toEqual(still(showPeers));
    expect(apiPeers[0]).toMatchObject({ address: injAddr, state: 'Established' });
  });
});
