import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShow } from '../../../src/cli/show';
import { parseConfig } from '../../../src/config';
import { parseRequest } from '../../../src/control/protocol';
import { ControlServer } from '../../../src/control/server';
import type { CounterSnapshot } from '../../../src/dataplane/native';
import { memoryLogger } from '../../../src/util/log';
import { VirtualClock } from '../../../src/util/clock';
import { Vtep } from '../../../src/vtep/vtep';
import { vtepView } from '../../../src/vtep/views';
import { ipPrefixRoute } from '../../../src/bgp/wire/evpn/builders';
import { peer, roundTrip } from '../rib/support';
import { remoteAnnounce } from './support';

/**
 * `evpn-vtep show vrfs` and `show routes --vrf NAME` end to end inside one
 * process: a real Vtep (its speaker never started, no sockets but the
 * control one), the real control server on a Unix socket, the real CLI.
 */

const YAML = `router-id: 10.0.0.1
as: 65100
underlay: { address: 10.99.0.1 }
l2vnis:
  - { vni: 100, interface: h100, vrf: red, gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 } }
vrfs:
  - { name: red, l3vni: 1000, prefixes: ["::/0"] }
  - { name: blue, l3vni: 2000, router-mac: 02:bb:00:00:00:01, route-targets: { import: ["65100:2000", "65000:2000"] } }
`;

class Out {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

const NO_COUNTERS = (): CounterSnapshot => ({ vnis: new Map(), ports: new Map() }) as unknown as CounterSnapshot;

describe('show vrfs / show routes --vrf', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ir-show-'));
  const socket = path.join(dir, 'ctl.sock');
  let server: ControlServer;
  let vtep: Vtep;

  beforeAll(async () => {
    const parsed = parseConfig(YAML, 'show.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map(String).join('\n'));
    vtep = new Vtep({
      config: parsed.config,
      dataplane: { applyOps: () => undefined, sendArpProbe: () => undefined, onEvents: () => () => undefined },
      portOf: () => 0,
      log: memoryLogger(),
      clock: new VirtualClock(0),
      underlayMac: '52:54:00:aa:bb:cc',
    });
    // Wire the parts as begin() does, without opening BGP sessions.
    vtep.importer.attach(vtep.rib);
    vtep.importer.onEvents((evs) => vtep.l3.onEvpnEvents(evs));
    vtep.l3.start();
    vtep.rib.peerUp(peer('10.99.0.2', { bgpId: '10.99.0.2', localAddress: '10.99.0.1' }));
    vtep.rib.applyUpdate(
      '10.99.0.2',
      roundTrip(remoteAnnounce([ipPrefixRoute({ rd: '10.99.0.2:3', prefix: '10.200.0.0/24', label: 1000 })], { nextHop: '10.99.0.2', rts: ['65100:1000'], routerMac: '02:aa:00:00:00:02' })),
    );
    vtep.rib.flush();
    server = new ControlServer(socket, { peers: () => [], rib: vtep.rib, view: (what, filters) => vtepView(vtep, NO_COUNTERS, what, filters) }, memoryLogger());
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('show vrfs --json: tenant, L3VNI, router MAC (auto: the underlay MAC), RD, RTs, counts', async () => {
    const out = new Out();
    expect(await runShow(['vrfs', '--json', '--socket', socket], out, new Out())).toBe(0);
    expect(JSON.parse(out.text)).toEqual([
      { vrf: 'red', l3vni: 1000, routerMac: '52:54:00:aa:bb:cc', rd: '10.0.0.1:2', export: '65100:1000', import: '65100:1000', l2vnis: '100', advertised: 2, type5: 1, hosts: 0, usable: 1 },
      { vrf: 'blue', l3vni: 2000, routerMac: '02:bb:00:00:00:01', rd: '10.0.0.1:3', export: '65100:2000', import: '65100:2000 65000:2000', l2vnis: '', advertised: 0, type5: 0, hosts: 0, usable: 0 },
    ]);
  });

  it('show routes --vrf red --json: our prefixes, then the imported ones', async () => {
    const out = new Out();
    expect(await runShow(['routes', '--vrf', 'red', '--json', '--socket', socket], out, new Out())).toBe(0);
    expect(JSON.parse(out.text)).toEqual([
      { vrf: 'red', prefix: '10.100.0.0/24', nextHop: 'local', routerMac: '52:54:00:aa:bb:cc', l3vni: 1000, source: 'connected', best: true, usable: true },
      { vrf: 'red', prefix: '::/0', nextHop: 'local', routerMac: '52:54:00:aa:bb:cc', l3vni: 1000, source: 'configured', best: true, usable: false },
      { vrf: 'red', prefix: '10.200.0.0/24', nextHop: '10.99.0.2', routerMac: '02:aa:00:00:00:02', l3vni: 1000, source: 'type-5', best: true, usable: true },
    ]);
  });

  it('the human table', async () => {
    const out = new Out();
    expect(await runShow(['routes', '--vrf', 'red', '--socket', socket], out, new Out())).toBe(0);
    expect(out.text.split('\n')[0]).toMatch(/^vrf\s+prefix\s+nextHop\s+routerMac\s+l3vni\s+source\s+best\s+usable$/);
    expect(out.text).toContain('10.200.0.0/24  10.99.0.2');
    expect(out.text).toContain('3 entries');
  });

  it('an unknown VRF is an error naming the configured ones; bad flag combinations are usage errors', async () => {
    const err = new Out();
    expect(await runShow(['routes', '--vrf', 'green', '--socket', socket], new Out(), err)).toBe(1);
    expect(err.text).toBe('evpn-vtep show: no VRF "green"; vrfs: red, blue\n');
    const e2 = new Out();
    expect(await runShow(['routes', '--vrf', 'red', '--type', '5', '--socket', socket], new Out(), e2)).toBe(2);
    expect(e2.text).toMatch(/--type and --vni do not apply to a VRF's routes/);
    const e3 = new Out();
    expect(await runShow(['macs', '--vrf', 'red', '--socket', socket], new Out(), e3)).toBe(2);
    expect(e3.text).toMatch(/--vrf applies to routes and vrfs/);
    const e4 = new Out();
    expect(await runShow(['vrf-routes', '--socket', socket], new Out(), e4)).toBe(2);
  });

  it('the control protocol validates the vrf filter', () => {
    expect(parseRequest({ cmd: 'show', what: 'vrf-routes', filters: { vrf: 'red' } })).toEqual({ cmd: 'show', what: 'vrf-routes', filters: { vrf: 'red' } });
    expect(parseRequest({ cmd: 'show', what: 'vrf-routes' })).toBe('"vrf-routes" needs filters.vrf');
    expect(parseRequest({ cmd: 'show', what: 'vrfs', filters: { vrf: 7 } })).toBe('filters.vrf must be a VRF name');
    expect(parseRequest({ cmd: 'show', what: 'vrfs' })).toEqual({ cmd: 'show', what: 'vrfs' });
  });
});
