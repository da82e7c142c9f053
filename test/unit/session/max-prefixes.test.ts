import { afterEach, describe, expect, it } from 'vitest';
import { Speaker } from '../../../src/bgp/speaker';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { Afi, AttrType, MsgType, Safi } from '../../../src/bgp/wire/iana';
import { buildUpdate } from '../../../src/bgp/wire/update';
import { NO_JITTER } from '../../../src/bgp/timers';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { Rib } from '../../../src/rib/rib';
import { memoryLogger } from '../../../src/util/log';
import { bgpConfig, KEEPALIVE, neighbor, openBytes, RawPeer, until, updateBytes, type RawConn } from './support';

/**
 * max-prefixes over a real TCP session with the real RIB: the count is the
 * peer's Adj-RIB-In, `warn` only logs, `teardown` sends Cease/Maximum Number
 * of Prefixes Reached (RFC 4486 §4: AFI, SAFI, upper bound) and the session
 * stays down, refusing the peer's connections.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function routes(n: number, from = 0): EvpnRoute[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return macIpRoute({ rd: '10.0.0.3:1', mac: `02:00:00:00:${((k >> 8) & 0xff).toString(16).padStart(2, '0')}:${(k & 0xff).toString(16).padStart(2, '0')}`, label1: 100 });
  });
}

function announce(rs: EvpnRoute[]): Uint8Array {
  return updateBytes(
    buildUpdate({
      attributes: [
        { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: ['127.0.0.3'], reserved: 0, nlri: { kind: 'evpn', routes: rs.map((route) => ({ route })) } },
        { type: AttrType.ORIGIN, origin: 0 },
        { type: AttrType.AS_PATH, segments: [{ type: 2, asns: [65003] }] },
        { type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'route-target', form: 'as2', asn: 65003, local: 100 }] },
      ],
    }),
  );
}

function withdraw(rs: EvpnRoute[]): Uint8Array {
  return updateBytes(buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nlri: { kind: 'evpn', routes: rs.map((route) => ({ route })) } }] }));
}

async function setup(limit: number, action: 'warn' | 'teardown') {
  const log = memoryLogger();
  const rib = new Rib({ asn: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
  const raw = new RawPeer('127.0.0.3');
  const port = await raw.listen();
  const n = { ...neighbor({ address: '127.0.0.3', remoteAs: 65003, localAddress: '127.0.0.1' }), maxPrefixes: { limit, action } };
  const sp = new Speaker({
    config: bgpConfig({ routerId: '10.0.0.1', as: 65001, listen: { address: '127.0.0.1', port: 0 }, neighbors: [n] }),
    rib,
    log,
    fsm: { idleHoldTime: 0.1, connectRetryTime: 2 },
    jitter: NO_JITTER,
    remotePort: () => port,
  });
  cleanups.push(async () => {
    await sp.stop();
    await raw.close();
  });
  await sp.start();
  const c: RawConn = await until('connection', () => raw.conns[0]);
  await c.next(MsgType.OPEN);
  c.send(openBytes({ as: 65003, bgpId: '10.0.0.3' }));
  c.send(KEEPALIVE);
  await c.next(MsgType.KEEPALIVE);
  await until('Established', () => sp.peers()[0]!.state === 'Established');
  return { sp, rib, raw, c, log };
}

describe('max-prefixes', () => {
  it('teardown: at the limit the session stays; one more sends Cease 6/1 with AFI/SAFI and the limit, and it stays down', async () => {
    const { sp, raw, c, log } = await setup(100, 'teardown');
    c.send(announce(routes(60)));
    c.send(announce(routes(40, 60)));
    await until('100 held', () => sp.peers()[0]!.adjRibIn === 100);
    // A re-announcement of held routes and a withdraw+announce keep the count at 100.
    c.send(announce(routes(10)));
    c.send(withdraw(routes(1, 99)));
    c.send(announce(routes(1, 200)));
    await until('applied', () => sp.peers()[0]!.updatesIn === 5);
    expect(sp.peers()[0]!.state).toBe('Established');
    expect(c.notifications()).toEqual([]);

    c.send(announce(routes(1, 300)));
    const m = await c.next(MsgType.NOTIFICATION);
    if (m.type !== MsgType.NOTIFICATION) throw new Error('not a NOTIFICATION');
    expect(m.notification.code).toBe(6);
    expect(m.notification.subcode).toBe(1);
    // RFC 4486 §4: AFI (2 octets), SAFI (1), prefix upper bound (4).
    expect([...m.notification.data]).toEqual([0, 25, 70, 0, 0, 0, 100]);
    await until('down', () => sp.peers()[0]!.state === 'Idle');
    expect(sp.peers()[0]!.adjRibIn ?? 0).toBe(0);
    expect(log.records.some((r) => r.msg === 'max-prefixes exceeded: tearing the session down' && r.held === 101 && r.limit === 100)).toBe(true);
    expect(sp.peers()[0]!.lastError).toBe('sent Cease/Maximum Number of Prefixes Reached');
    // No automatic restart: no new connection from us, and the peer's is refused.
    await new Promise((r) => setTimeout(r, 500));
    expect(raw.conns).toHaveLength(1);
    const back = await raw.connect('127.0.0.1', sp.port);
    await until('refused', () => back.closed);
    expect(sp.peers()[0]!.state).toBe('Idle');
  });

  it('warn: logs once when crossing, keeps the session and the routes, logs again after coming back under', async () => {
    const { sp, c, log } = await setup(10, 'warn');
    const warned = (): number => log.records.filter((r) => r.msg === 'max-prefixes exceeded').length;
    c.send(announce(routes(12)));
    c.send(announce(routes(3, 12)));
    await until('15 held', () => sp.peers()[0]!.adjRibIn === 15);
    expect(warned()).toBe(1);
    c.send(withdraw(routes(10)));
    c.send(announce(routes(8, 100)));
    await until('13 held', () => sp.peers()[0]!.adjRibIn === 13);
    expect(warned()).toBe(2);
    expect(sp.peers()[0]!.state).toBe('Established');
    expect(c.notifications()).toEqual([]);
  });
});
