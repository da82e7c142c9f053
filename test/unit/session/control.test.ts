import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBgp } from '../../../src/cli/bgp';
import { formatDuration, runShow } from '../../../src/cli/show';
import { request } from '../../../src/control/client';
import { ControlServer } from '../../../src/control/server';
import { Speaker } from '../../../src/bgp/speaker';
import { NO_JITTER } from '../../../src/bgp/timers';
import { imetRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { AttrType } from '../../../src/bgp/wire/iana';
import { memoryLogger } from '../../../src/util/log';
import { bgpConfig, MapRib, neighbor } from './support';

const dir = mkdtempSync(path.join(tmpdir(), 'evpn-ctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('control socket and show', () => {
  it('serves peers and routes; show prints tables and JSON with filters', async () => {
    const log = memoryLogger();
    const rib = new MapRib(65001);
    const sp = new Speaker({
      config: bgpConfig({ routerId: '10.0.0.1', as: 65001, neighbors: [neighbor({ address: '127.0.0.5', remoteAs: 65005, passive: true, description: 'leaf5' })] }),
      rib,
      log,
      jitter: NO_JITTER,
    });
    const sock = path.join(dir, 'a.sock');
    const ctl = new ControlServer(sock, { peers: () => sp.peers(), rib }, log);
    await sp.start();
    await ctl.start();
    try {
      rib.originate(macIpRoute({ rd: '10.0.0.1:1', mac: '02:00:00:00:00:01', ip: '10.1.0.1', label1: 100 }), [
        { type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'route-target', form: 'as2', asn: 65001, local: 100 }, { kind: 'mac-mobility', flags: 0, seq: 3 }] },
      ]);
      rib.originate(macIpRoute({ rd: '10.0.0.1:2', mac: '02:00:00:00:00:02', label1: 200 }), []);
      rib.originate(imetRoute({ rd: '10.0.0.1:1', originatorIp: '10.0.0.1' }), [
        { type: AttrType.PMSI_TUNNEL, flags: 0xc0, tunnelFlags: 0, tunnelType: 6, label: 100, tunnelId: '10.0.0.1' },
      ]);

      const peers = await request(sock, { cmd: 'show', what: 'peers' });
      expect(peers).toMatchObject({ ok: true, peers: [{ address: '127.0.0.5', remoteAs: 65005, state: 'Active', passive: true, description: 'leaf5' }] });

      const out = new Capture();
      const err = new Capture();
      expect(await runShow(['peers', '--socket', sock], out, err)).toBe(0);
      const lines = out.text.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^Neighbor\s+AS\s+Type\s+State\s+Up\/Down\s+MsgRcvd\s+MsgSent\s+PfxRcd\s+PfxSnt\s+Name\s+Last error$/);
      expect(lines[1]).toMatch(/^127\.0\.0\.5\s+65005\s+eBGP\s+Active \(passive\)\s+never\s+0\s+0\s+0\s+0\s+leaf5$/);
      expect(out.text).not.toContain('\x1b[');

      const tty = new Capture(true);
      await runShow(['peers', '--socket', sock], tty, err);
      expect(tty.text).toContain('\x1b[33mActive (passive)');

      const json = new Capture();
      expect(await runShow(['routes', '--type', '2', '--vni', '100', '--json', '--socket', sock], json, err)).toBe(0);
      const rows = JSON.parse(json.text) as { prefix: string; vni: number; mobilitySeq: number; routeTargets: string[]; rd: string }[];
      expect(rows).toEqual([
        expect.objectContaining({ type: 2, rd: '10.0.0.1:1', prefix: '[2]:[0]:[48]:[02:00:00:00:00:01]:[32]:[10.1.0.1]', vni: 100, mobilitySeq: 3, routeTargets: ['65001:100'], from: 'local', best: true }),
      ]);

      const v100 = new Capture();
      await runShow(['routes', '--vni', '100', '--socket', sock], v100, err);
      expect(v100.text).toContain('[3]:[0]:[32]:[10.0.0.1]');
      expect(v100.text).toContain('2 paths, 2 best');
      expect(v100.text).not.toContain('02:00:00:00:00:02');

      const bad = new Capture();
      expect(await runShow(['routes', '--type', '9', '--socket', sock], new Capture(), bad)).toBe(2);
      expect(bad.text).toContain('--type must be an EVPN route type 1..5');

      expect(await ctl.answer('{"cmd":"show","what":"nope"}')).toEqual({ ok: false, error: 'unknown "what" "nope": peers, routes, macs, arp, vteps, vnis, counters, vrfs, vrf-routes' });
      expect(await ctl.answer('{"cmd":"show","what":"macs"}')).toEqual({ ok: false, error: '"show macs" needs a VTEP (evpn-vtep run); this is a BGP speaker only' });
      expect(await ctl.answer('not json')).toEqual({ ok: false, error: 'request is not valid JSON' });
    } finally {
      await ctl.stop();
      await sp.stop();
    }
    const gone = new Capture();
    expect(await runShow(['peers', '--socket', sock], new Capture(), gone)).toBe(1);
    expect(gone.text).toContain(`no speaker is listening on ${sock}`);
  });

  it('formats durations like FRR', () => {
    expect(formatDuration(0)).toBe('00:00:00');
    expect(formatDuration(3_723_000)).toBe('01:02:03');
    expect(formatDuration(93_780_000)).toBe('1d02h03m');
    expect(formatDuration(8 * 86_400_000 + 3_600_000)).toBe('1w1d01h');
  });
});

describe('evpn-vtep bgp', () => {
  it('a config error prints file:line:col and exits 2 without starting anything', async () => {
    const f = path.join(dir, 'bad.yaml');
    writeFileSync(f, 'router-id: 10.0.0.1\nas: 65001\nneighbors:\n  - address: 10.0.0.2\n    remote-as: banana\n');
    const err = new Capture();
    expect(await runBgp(['--config', f], err)).toBe(2);
    expect(err.text).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:\\d+: `, 'm'));
  });

  it('missing --config is a usage error', async () => {
    const err = new Capture();
    expect(await runBgp([], err)).toBe(2);
    expect(err.text).toContain('usage: evpn-vtep bgp --config FILE');
  });

  it('runs the speaker with its control socket and stops gracefully', async () => {
    const f = path.join(dir, 'ok.yaml');
    const sock = path.join(dir, 'rr.sock');
    writeFileSync(f, `router-id: 10.0.0.1\nas: 65001\nlisten: { address: 127.0.0.1, port: 0 }\ncontrol-socket: ${sock}\nlog: { level: warn }\nneighbors:\n  - address: 127.0.0.7\n    remote-as: 65001\n    passive: true\n    route-reflector-client: true\n`);
    const ac = new AbortController();
    const err = new Capture();
    const running = runBgp(['--config', f], err, ac.signal);
    const peers = await (async () => {
      for (let i = 0; i < 100; i++) {
        try {
          return await request(sock, { cmd: 'show', what: 'peers' });
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error('control socket never answered');
    })();
    expect(peers).toMatchObject({ ok: true, peers: [{ address: '127.0.0.7', ibgp: true, routeReflectorClient: true, state: 'Active' }] });
    const routes = await request(sock, { cmd: 'show', what: 'routes' });
    expect(routes).toEqual({ ok: true, routes: [] });
    ac.abort();
    expect(await running).toBe(0);
    expect(err.text).toBe('');
  });
});
