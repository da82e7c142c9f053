import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Speaker } from '../../../src/bgp/speaker';
import { NO_JITTER } from '../../../src/bgp/timers';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import { MsgType } from '../../../src/bgp/wire/iana';
import { Bgp4mpSubtype, MrtType } from '../../../src/mrt/constants';
import { encodeRecords } from '../../../src/mrt/dump';
import { mrtFileName, periodStart, RotatingMrtFile } from '../../../src/mrt/live';
import { bgpMessageOf, readFile, readRecords } from '../../../src/mrt/reader';
import { Bgp4mpRecorder } from '../../../src/mrt/recorder';
import type { MrtRecord } from '../../../src/mrt/record';
import { Rib } from '../../../src/rib/rib';
import { memoryLogger } from '../../../src/util/log';
import { bgpConfig, MapRib, neighbor, until } from '../session/support';

/*
 * The live MRT recorder (config key `mrt`): file names and rotation, and two
 * speakers over loopback TCP where one records its session — every UPDATE
 * received as BGP4MP_MESSAGE_AS4, state changes as STATE_CHANGE_AS4 —
 * read back by our reader and by bgpdump (when installed), and a periodic
 * TABLE_DUMP_V2 of the RIB.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mrt-live-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const records = (file: string): MrtRecord[] =>
  [...readFile(file)].map((it) => {
    if ('error' in it) throw it.error;
    return it.record;
  });

/**
 * Starts both speakers' listeners and sessions and waits until both are
 * Established. The returned function stops both (once; afterEach does it if
 * the test did not get that far).
 */
async function establish(a: Speaker, b: Speaker): Promise<() => Promise<void>> {
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all([a.stop(), b.stop()]);
  };
  cleanups.push(stop);
  await a.listen();
  await b.listen();
  b.startSessions();
  a.startSessions();
  await until('Established', () => a.peers()[0]!.state === 'Established' && b.peers()[0]!.state === 'Established');
  return stop;
}

const hasBgpdump = spawnSync('bgpdump', ['-T'], { stdio: 'ignore' }).error === undefined;

describe('MRT file names and rotation', () => {
  it('expands %Y %m %d %H %M %S and %% in UTC', () => {
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(mrtFileName('/var/log/updates.%Y%m%d.%H%M%S.mrt', at)).toBe('/var/log/updates.20260102.030405.mrt');
    expect(mrtFileName('a%%b', at)).toBe('a%b');
  });

  it('periods are aligned to the epoch; 0 means one file', () => {
    expect(periodStart(901_000, 900)).toBe(900_000);
    expect(periodStart(1_799_999, 900)).toBe(900_000);
    expect(periodStart(123, 0)).toBe(0);
  });

  it('writes records to a new file each period, in order, and none is lost', async () => {
    const dir = tmp();
    let now = Date.UTC(2026, 0, 1, 0, 0, 0);
    const f = new RotatingMrtFile(path.join(dir, 'u.%H%M.mrt'), 60, undefined, () => now);
    // One BGP4MP state change per record, carrying n as its timestamp.
    let last: Uint8Array = new Uint8Array(0);
    const recorder = new Bgp4mpRecorder((b) => (last = b));
    const rec = (n: number): Uint8Array => {
      recorder.recordStateChange({ address: '10.0.0.1', asn: 65001 }, { address: '10.0.0.2', asn: 65002 }, 1, 2, n * 1000);
      return last;
    };
    for (let i = 0; i < 100; i++) f.add(rec(i));
    now += 60_000;
    for (let i = 100; i < 150; i++) f.add(rec(i));
    await f.close();
    expect(f.files()).toEqual([path.join(dir, 'u.0000.mrt'), path.join(dir, 'u.0001.mrt')]);
    expect(records(path.join(dir, 'u.0000.mrt')).map((r) => r.timestamp)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(records(path.join(dir, 'u.0001.mrt')).map((r) => r.timestamp)).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
    expect(f.dropped).toBe(0);
  });
});

describe('a live session recorded as BGP4MP', () => {
  it('every UPDATE received and the state changes, read back by our reader and by bgpdump; a TABLE_DUMP_V2 of the RIB', async () => {
    const dir = tmp();
    const updates = path.join(dir, 'updates.%Y%m%d.mrt');
    const table = path.join(dir, 'rib.%Y%m%d%H%M%S.mrt');
    const holder: { a?: Speaker; b?: Speaker } = {};
    const ribA = new MapRib(65001);
    // B records, and keeps a real RIB so its table can be dumped.
    const ribB = new Rib({ asn: 65002, routerId: '10.0.0.2', clusterId: '10.0.0.2' });
    const a = new Speaker({
      config: bgpConfig({ routerId: '10.0.0.1', as: 65001, listen: { address: '127.0.0.1', port: 0 }, neighbors: [neighbor({ address: '127.0.0.2', remoteAs: 65002, localAddress: '127.0.0.1' })] }),
      rib: ribA,
      log: memoryLogger(),
      fsm: { idleHoldTime: 0.1, connectRetryTime: 2 },
      jitter: NO_JITTER,
      remotePort: () => holder.b!.port,
    });
    const b = new Speaker({
      config: {
        ...bgpConfig({ routerId: '10.0.0.2', as: 65002, listen: { address: '127.0.0.2', port: 0 }, neighbors: [neighbor({ address: '127.0.0.1', remoteAs: 65001, localAddress: '127.0.0.2', passive: true })] }),
        mrt: { updates: { file: updates, intervalSeconds: 0, allMessages: false, stateChanges: true }, table: { file: table, intervalSeconds: 3600 } },
      },
      rib: ribB,
      log: memoryLogger(),
      fsm: { idleHoldTime: 0.1, connectRetryTime: 2 },
      jitter: NO_JITTER,
      remotePort: () => holder.a!.port,
    });
    holder.a = a;
    holder.b = b;
    const stop = await establish(a, b);
    const routes = Array.from({ length: 20 }, (_, i) => macIpRoute({ rd: '10.0.0.1:1', mac: `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`, ip: `10.1.0.${i + 1}`, label1: 100 }));
    for (const r of routes) a.originate(r, []);
    await until('routes at B', () => [...ribB.routes()].length === routes.length);
    a.withdrawLocal(routes[0]!);
    await until('withdrawn at B', () => ![...ribB.routes()].some((p) => evpnRouteKey(p.route) === evpnRouteKey(routes[0]!)));

    const dumped = await b.mrtTable!.dumpNow();
    const updatesIn = b.peers()[0]!.messagesIn.UPDATE ?? 0;
    await stop();

    // Our reader: the state changes up to Established, then one record per UPDATE received, in order.
    const files = readdirSync(dir).filter((f) => f.startsWith('updates.'));
    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0]!);
    const recs = records(file);
    const states = recs.filter((r) => r.body.kind === 'bgp4mp-state-change').map((r) => (r.body.kind === 'bgp4mp-state-change' ? `${r.body.change.oldState}>${r.body.change.newState}` : ''));
    expect(states.slice(0, 3)).toEqual(['1>3', '3>4', '4>5']);
    expect(states).toContain('5>6');
    const msgs = recs.filter((r) => r.body.kind === 'bgp4mp-message');
    expect(msgs.length).toBe(updatesIn);
    expect(updatesIn).toBeGreaterThanOrEqual(3);
    for (const r of msgs) {
      expect(r.subtype).toBe(Bgp4mpSubtype.MESSAGE_AS4);
      if (r.body.kind !== 'bgp4mp-message') continue;
      expect(r.body.message).toMatchObject({ peerAs: 65001, localAs: 65002, peerIp: '127.0.0.1', localIp: '127.0.0.2' });
      expect(bgpMessageOf(r.body.message, r.subtype).type).toBe(MsgType.UPDATE);
    }
    // The file is exactly the records (nothing half-written), and re-encoding what our reader read gives the same octets.
    expect([...readRecords(readFileSync(file))].every((it) => !('error' in it))).toBe(true);
    expect(Buffer.from(encodeRecords(recs)).equals(readFileSync(file))).toBe(true);

    // The table dump: a PEER_INDEX_TABLE, then the 19 routes B still holds.
    const t = records(dumped);
    expect(t[0]!.type).toBe(MrtType.TABLE_DUMP_V2);
    expect(t.length - 1).toBe(routes.length - 1);

    if (hasBgpdump) {
      const out = execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const stateLines = out.split('\n').filter((l) => l.includes('|STATE|'));
      expect(stateLines.length).toBe(states.length);
      expect(stateLines.at(-1)).toMatch(/^BGP4MP\|\d+\|STATE\|127\.0\.0\.1\|65001\|\d\|\d$/);
      // Verbose output names each UPDATE record.
      const verbose = execFileSync('bgpdump', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(verbose.match(/^TYPE: BGP4MP\/MESSAGE\/Update$/gm)?.length ?? 0).toBe(msgs.length);
      // bgpdump prints no EVPN RIB entries (RIB_GENERIC), but it must walk the file without complaint.
      const tv = spawnSync('bgpdump', ['-v', dumped], { encoding: 'utf8' });
      expect(tv.status).toBe(0);
      expect(tv.stderr).not.toMatch(/error|corrupt|wrong|unknown|truncat/i);
    }
  });

  it('all-messages: OPEN, KEEPALIVE and UPDATE both ways, sent ones as MESSAGE_AS4_LOCAL', async () => {
    const dir = tmp();
    const file = path.join(dir, 'all.mrt');
    const holder: { a?: Speaker; b?: Speaker } = {};
    const mk = (id: string, as: number, peer: string, peerAs: number, other: () => Speaker, mrt?: boolean): Speaker =>
      new Speaker({
        config: {
          ...bgpConfig({ routerId: `10.0.0.${id}`, as, listen: { address: `127.0.0.${id}`, port: 0 }, neighbors: [neighbor({ address: peer, remoteAs: peerAs, localAddress: `127.0.0.${id}`, passive: !!mrt })] }),
          ...(mrt ? { mrt: { updates: { file, intervalSeconds: 0, allMessages: true, stateChanges: false } } } : {}),
        },
        rib: new MapRib(as),
        log: memoryLogger(),
        fsm: { idleHoldTime: 0.1, connectRetryTime: 2 },
        jitter: NO_JITTER,
        remotePort: () => other().port,
      });
    const a = mk('1', 65001, '127.0.0.2', 65002, () => holder.b!);
    const b = mk('2', 65002, '127.0.0.1', 65001, () => holder.a!, true);
    holder.a = a;
    holder.b = b;
    const stop = await establish(a, b);
    a.originate(macIpRoute({ rd: '10.0.0.1:1', mac: '02:00:00:00:02:01', label1: 100 }), []);
    await until('UPDATE at B', () => (b.peers()[0]!.messagesIn.UPDATE ?? 0) >= 2);
    await stop();
    const seen = new Set<string>();
    for (const r of records(file)) {
      expect(r.body.kind).toBe('bgp4mp-message');
      if (r.body.kind !== 'bgp4mp-message') continue;
      const sent = r.subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL;
      if (!sent) expect(r.subtype).toBe(Bgp4mpSubtype.MESSAGE_AS4);
      seen.add(`${sent ? 'sent' : 'received'} ${bgpMessageOf(r.body.message, r.subtype).type}`);
    }
    for (const t of [MsgType.OPEN, MsgType.KEEPALIVE, MsgType.UPDATE]) {
      expect(seen).toContain(`received ${t}`);
      expect(seen).toContain(`sent ${t}`);
    }
  });
});
