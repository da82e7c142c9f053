import { afterEach, describe, expect, it } from 'vitest';
import { Speaker } from '../../../src/bgp/speaker';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import { Afi, AttrType, MsgType, Safi } from '../../../src/bgp/wire/iana';
import { buildUpdate, type AttrInit } from '../../../src/bgp/wire/update';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { NO_JITTER } from '../../../src/bgp/timers';
import { VirtualClock } from '../../../src/util/clock';
import { memoryLogger } from '../../../src/util/log';
import {
  bgpConfig,
  FAST_FSM,
  KEEPALIVE,
  MapRib,
  neighbor,
  notificationBytes,
  openBytes,
  RawPeer,
  routeRefreshBytes,
  speakerToRawPeer,
  until,
  updateBytes,
  type RawConn,
} from './support';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


const route = macIpRoute({ rd: '10.0.0.1:1', mac: '02:00:00:00:00:01', ip: '10.1.0.1', label1: 100 });
const rtAttr: PathAttribute = { type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'route-target', form: 'as2', asn: 65001, local: 100 }] };

function pair(o: { asA: number; asB: number; passiveB?: boolean; idA?: string; idB?: string }) {
  const logA = memoryLogger();
  const logB = memoryLogger();
  const ribA = new MapRib(o.asA);
  const ribB = new MapRib(o.asB);
  const holder: { a?: Speaker; b?: Speaker } = {};
  const a = new Speaker({
    config: bgpConfig({ routerId: o.idA ?? '10.0.0.1', as: o.asA, listen: { address: '127.0.0.1', port: 0 }, neighbors: [neighbor({ address: '127.0.0.2', remoteAs: o.asB, localAddress: '127.0.0.1' })] }),
    rib: ribA,
    log: logA,
    fsm: FAST_FSM,
    jitter: NO_JITTER,
    remotePort: () => holder.b!.port,
    hostname: 'speaker-a',
  });
  const b = new Speaker({
    config: bgpConfig({
      routerId: o.idB ?? '10.0.0.2',
      as: o.asB,
      listen: { address: '127.0.0.2', port: 0 },
      neighbors: [neighbor({ address: '127.0.0.1', remoteAs: o.asA, localAddress: '127.0.0.2', passive: o.passiveB ?? false })],
    }),
    rib: ribB,
    log: logB,
    fsm: FAST_FSM,
    jitter: NO_JITTER,
    remotePort: () => holder.a!.port,
    hostname: 'speaker-b',
  });
  holder.a = a;
  holder.b = b;
  cleanups.push(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });
  return { a, b, ribA, ribB, logA, logB };
}

function notifLogs(log: ReturnType<typeof memoryLogger>, dir: 'sent' | 'received'): string[] {
  return log.records.map((r) => String(r.msg)).filter((m) => m.startsWith(`NOTIFICATION ${dir}`));
}

describe('two speakers over loopback TCP', () => {
  it('both active: reach Established once (collision resolved), exchange and withdraw EVPN routes', async () => {
    const { a, b, ribA, ribB, logA, logB } = pair({ asA: 65001, asB: 65002 });
    await a.listen();
    await b.listen();
    a.startSessions();
    b.startSessions();
    await until('Established on both', () => a.peers()[0]!.state === 'Established' && b.peers()[0]!.state === 'Established').catch((e) => {
      console.log(JSON.stringify(logA.records, null, 0), '\n----\n', JSON.stringify(logB.records));
      throw e;
    });
    const pa = a.peers()[0]!;
    expect(pa.connections).toBe(1);
    expect(pa.families).toEqual(['25/70']);
    expect(pa.hostname).toBe('speaker-b');
    expect(pa.bgpId).toBe('10.0.0.2');
    expect(pa.holdTime).toBe(90);
    expect(pa.keepaliveTime).toBe(30);
    // Each side got the other's End-of-RIB.
    await until('End-of-RIB', () => ribA.calls.includes('eor 127.0.0.2 25/70') && ribB.calls.includes('eor 127.0.0.1 25/70'));

    a.originate(route, [rtAttr]);
    const got = await until('route at B', () => ribB.learned('127.0.0.1').get(evpnRouteKey(route)));
    expect(got.route).toEqual(route);
    expect(got.nextHop).toBe('127.0.0.1');
    expect(got.attrs.find((x) => x.type === AttrType.EXTENDED_COMMUNITIES)).toMatchObject({ communities: [{ kind: 'route-target', asn: 65001, local: 100 }] });
    expect(got.attrs.find((x) => x.type === AttrType.AS_PATH)).toMatchObject({ segments: [{ asns: [65001] }] });

    const back = macIpRoute({ rd: '10.0.0.2:1', mac: '02:00:00:00:00:02', label1: 100 });
    b.originate(back, []);
    await until('route at A', () => ribA.learned('127.0.0.2').get(evpnRouteKey(back)));

    a.withdrawLocal(route);
    await until('withdrawn at B', () => !ribB.learned('127.0.0.1').has(evpnRouteKey(route)));
    expect(a.peers()[0]!.prefixesSent).toBe(1);
    expect(b.peers()[0]!.prefixesReceived).toBe(1);
    expect(b.peers()[0]!.prefixesWithdrawn).toBe(1);
    // No NOTIFICATION other than a possible collision Cease 6/7.
    for (const m of [...notifLogs(logA, 'sent'), ...notifLogs(logB, 'sent')]) expect(m).toContain('Connection Collision Resolution');
  });

  it('iBGP with a passive side; graceful stop sends Cease/Administrative Shutdown with the message', async () => {
    const { a, b, ribB, logB } = pair({ asA: 65000, asB: 65000, passiveB: true });
    await b.listen();
    await a.listen();
    b.startSessions();
    expect(b.peers()[0]!.state).toBe('Active');
    a.startSessions();
    await until('Established', () => a.peers()[0]!.state === 'Established' && b.peers()[0]!.state === 'Established');
    expect(b.peers()[0]!.ibgp).toBe(true);
    a.originate(route, []);
    const got = await until('route at B', () => ribB.learned('127.0.0.1').get(evpnRouteKey(route)));
    expect(got.attrs.find((x) => x.type === AttrType.LOCAL_PREF)).toMatchObject({ localPref: 100 });

    await a.stop('maintenance window');
    await until('B down', () => b.peers()[0]!.state !== 'Established');
    const rec = logB.records.filter((r) => String(r.msg).startsWith('NOTIFICATION received'));
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({ name: 'Cease/Administrative Shutdown', shutdownCommunication: 'maintenance window' });
    expect(ribB.calls).toContain('down 127.0.0.1');
    expect(ribB.learned('127.0.0.1').size).toBe(0);
  });
});

/** A speaker with one neighbor that is a scripted RawPeer. */
async function withRawPeer(o: { id?: string; peerId?: string; holdTime?: number; passive?: boolean; clock?: VirtualClock; as?: number; peerAs?: number } = {}) {
  const log = memoryLogger();
  const rib = new MapRib(o.as ?? 65001);
  const raw = new RawPeer('127.0.0.3');
  const sp = await speakerToRawPeer(
    raw,
    {
      config: bgpConfig({
        routerId: o.id ?? '10.0.0.1',
        as: o.as ?? 65001,
        listen: { address: '127.0.0.1', port: 0 },
        neighbors: [neighbor({ address: '127.0.0.3', remoteAs: o.peerAs ?? 65003, localAddress: '127.0.0.1', holdTime: o.holdTime ?? 90, keepalive: Math.floor((o.holdTime ?? 90) / 3), passive: o.passive ?? false })],
      }),
      rib,
      log,
      clock: o.clock,
    },
    (c) => cleanups.push(c),
  );
  return { sp, rib, raw, log };
}

/** Drives the scripted side of an outbound session to Established. */
async function establish(raw: RawPeer, opts: { as?: number; bgpId?: string; holdTime?: number } = {}): Promise<RawConn> {
  const c = await until('inbound connection', () => raw.conns[0]);
  await c.next(MsgType.OPEN);
  c.send(openBytes({ as: opts.as ?? 65003, bgpId: opts.bgpId ?? '10.0.0.3', holdTime: opts.holdTime ?? 90 }));
  c.send(KEEPALIVE);
  await c.next(MsgType.KEEPALIVE);
  return c;
}

describe('session against a scripted peer', () => {
  it('sends an OPEN with our capabilities', async () => {
    const { raw } = await withRawPeer({ as: 4200000001 });
    const c = await until('connection', () => raw.conns[0]);
    const m = await c.next(MsgType.OPEN);
    if (m.type !== MsgType.OPEN) throw new Error('not an OPEN');
    expect(m.open.myAs).toBe(23456);
    expect(m.open.bgpId).toBe('10.0.0.1');
    const kinds = m.open.capabilities.map((x) => x.kind);
    expect(kinds).toEqual(expect.arrayContaining(['multiprotocol', 'route-refresh', 'enhanced-route-refresh', 'four-octet-as', 'graceful-restart', 'extended-message']));
    expect(m.open.capabilities).toContainEqual({ kind: 'four-octet-as', asn: 4200000001 });
    expect(m.open.capabilities).toContainEqual({ kind: 'multiprotocol', afi: Afi.L2VPN, safi: Safi.EVPN });
    expect(m.open.capabilities).toContainEqual(expect.objectContaining({ kind: 'graceful-restart', restartTime: 120, families: [] }));
  });

  it('refuses an OPEN from the wrong AS with 2/2 (Bad Peer AS), logged once', async () => {
    const { sp, raw, log } = await withRawPeer();
    const c = await until('connection', () => raw.conns[0]);
    await c.next(MsgType.OPEN);
    c.send(openBytes({ as: 65099, bgpId: '10.0.0.3' }));
    const n = await c.next(MsgType.NOTIFICATION);
    expect(n).toMatchObject({ notification: { code: 2, subcode: 2 } });
    await until('closed', () => c.closed);
    expect(notifLogs(log, 'sent')).toEqual(['NOTIFICATION sent: OPEN Message Error/Bad Peer AS']);
    expect(sp.peers()[0]!.lastError).toBe('sent OPEN Message Error/Bad Peer AS');
    expect(sp.peers()[0]!.state).not.toBe('Established');
  });

  it('hold timer expiry sends 4/0 and withdraws the peer (virtual clock)', async () => {
    const clock = new VirtualClock();
    const { sp, raw, rib, log } = await withRawPeer({ clock, holdTime: 3 });
    const c = await establish(raw, { holdTime: 3 });
    await until('Established', () => sp.peers()[0]!.state === 'Established');
    expect(sp.peers()[0]!.holdTime).toBe(3);
    c.send(updateBytes(buildUpdate({
      attributes: [
        { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: ['127.0.0.3'], reserved: 0, nlri: { kind: 'evpn', routes: [{ route }] } },
        { type: AttrType.ORIGIN, origin: 0 },
        { type: AttrType.AS_PATH, segments: [{ type: 2, asns: [65003] }] },
      ],
    })));
    await until('route learned', () => rib.learned('127.0.0.3').size === 1);
    clock.advance(2900);
    expect(sp.peers()[0]!.state).toBe('Established');
    // Our keepalives went out meanwhile (keepalive 1 s).
    await until('keepalives', () => c.of(MsgType.KEEPALIVE).length >= 3);
    clock.advance(100);
    const n = await c.next(MsgType.NOTIFICATION);
    expect(n).toMatchObject({ notification: { code: 4, subcode: 0 } });
    expect(sp.peers()[0]!.state).toBe('Idle');
    expect(rib.calls).toContain('down 127.0.0.3');
    expect(notifLogs(log, 'sent')).toEqual(['NOTIFICATION sent: Hold Timer Expired']);
  });

  it('a NOTIFICATION received takes the session down and it comes back', async () => {
    const { sp, raw, rib, log } = await withRawPeer();
    const c = await establish(raw);
    await until('Established', () => sp.peers()[0]!.state === 'Established');
    c.send(notificationBytes(6, 4));
    await until('down', () => rib.calls.includes('down 127.0.0.3'));
    expect(notifLogs(log, 'received')).toEqual(['NOTIFICATION received: Cease/Administrative Reset']);
    // IdleHoldTimer (0.1 s) then a new connection.
    const c2 = await until('reconnect', () => raw.conns[1]);
    await c2.next(MsgType.OPEN);
    c2.send(openBytes({ as: 65003, bgpId: '10.0.0.3' }));
    c2.send(KEEPALIVE);
    await until('Established again', () => sp.peers()[0]!.state === 'Established');
    expect(sp.peers()[0]!.establishedCount).toBe(2);
  });

  it('a broken marker is answered with 1/1', async () => {
    const { raw } = await withRawPeer();
    const c = await establish(raw);
    const bad = new Uint8Array(KEEPALIVE);
    bad[3] = 0;
    c.send(bad);
    expect(await c.next(MsgType.NOTIFICATION)).toMatchObject({ notification: { code: 1, subcode: 1 } });
  });

  it('an UPDATE whose lengths overrun it is a session reset (3/1)', async () => {
    const { raw, rib } = await withRawPeer();
    const c = await establish(raw);
    // Header (23 octets total), Withdrawn Routes Length 0xffff.
    const m = new Uint8Array(23).fill(0xff);
    m[16] = 0;
    m[17] = 23;
    m[18] = 2;
    c.send(m);
    expect(await c.next(MsgType.NOTIFICATION)).toMatchObject({ notification: { code: 3, subcode: 1 } });
    await until('down', () => rib.calls.includes('down 127.0.0.3'));
  });

  it('treat-as-withdraw (missing AS_PATH) keeps the session and does not install the route', async () => {
    const { sp, raw, rib } = await withRawPeer();
    const c = await establish(raw);
    const reach: AttrInit = { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: ['127.0.0.3'], reserved: 0, nlri: { kind: 'evpn' as const, routes: [{ route }] } };
    c.send(updateBytes(buildUpdate({ attributes: [reach, { type: AttrType.ORIGIN, origin: 0 }] })));
    await until('update applied', () => rib.calls.includes('update 127.0.0.3'));
    expect(rib.learned('127.0.0.3').size).toBe(0);
    expect(sp.peers()[0]!.state).toBe('Established');
    expect(sp.peers()[0]!.prefixesAccepted).toBe(0);
    expect(c.notifications()).toEqual([]);
  });

  it('answers ROUTE-REFRESH with BoRR, the routes, then EoRR (RFC 7313)', async () => {
    const { sp, raw, rib } = await withRawPeer();
    const c = await establish(raw);
    sp.originate(route, []);
    await until('first update', () => c.of(MsgType.UPDATE).length >= 2); // the route and End-of-RIB
    const before = c.messages.length;
    c.send(routeRefreshBytes(Afi.L2VPN, Safi.EVPN));
    await until('EoRR', () => c.messages.slice(before).some((m) => m.type === MsgType.ROUTE_REFRESH && m.routeRefresh.subtype === 2));
    const after = c.messages.slice(before).map((m) => (m.type === MsgType.ROUTE_REFRESH ? `RR${m.routeRefresh.subtype}` : m.type === MsgType.UPDATE ? 'U' : 'K')).filter((x) => x !== 'K');
    expect(after).toEqual(['RR1', 'U', 'RR2']);
    expect(rib.calls).toContain('refresh 127.0.0.3 25/70');
    // A family that was not negotiated is ignored (RFC 2918 §4).
    c.send(routeRefreshBytes(Afi.IPV4, Safi.UNICAST));
    await new Promise((r) => setTimeout(r, 50));
    expect(rib.calls.filter((x) => x.startsWith('refresh'))).toHaveLength(1);
  });

  it('refuses connections from addresses that are not neighbors', async () => {
    const { sp, log } = await withRawPeer({ passive: true });
    const stranger = new RawPeer('127.0.0.9');
    cleanups.push(() => stranger.close());
    const c = await stranger.connect('127.0.0.1', sp.port);
    await until('closed', () => c.closed);
    expect(log.records.some((r) => String(r.msg).includes('not a configured neighbor') && r.remote === '127.0.0.9')).toBe(true);
  });

  it('passive neighbor: accepts the peer and reaches Established without connecting out', async () => {
    const { sp, raw } = await withRawPeer({ passive: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(raw.conns).toHaveLength(0);
    const c = await raw.connect('127.0.0.1', sp.port);
    c.send(openBytes({ as: 65003, bgpId: '10.0.0.3' }));
    await c.next(MsgType.OPEN);
    c.send(KEEPALIVE);
    await until('Established', () => sp.peers()[0]!.state === 'Established');
  });
});

describe('connection collision (RFC 4271 §6.8)', () => {
  async function collide(localId: string, peerId: string) {
    const { sp, raw, log } = await withRawPeer({ id: localId });
    const out = await until('our outbound connection', () => raw.conns[0]);
    await out.next(MsgType.OPEN);
    const inb = await raw.connect('127.0.0.1', sp.port);
    await inb.next(MsgType.OPEN);
    expect(sp.peers()[0]!.connections).toBe(2);
    // The peer sends its OPEN on its own connection first.
    inb.send(openBytes({ as: 65003, bgpId: peerId }));
    return { sp, out, inb, log };
  }

  it('peer has the higher BGP Identifier: its connection survives, ours gets Cease 6/7', async () => {
    const { sp, out, inb } = await collide('10.0.0.1', '10.0.0.9');
    expect(await out.next(MsgType.NOTIFICATION)).toMatchObject({ notification: { code: 6, subcode: 7 } });
    await until('our outbound closed', () => out.closed);
    await inb.next(MsgType.KEEPALIVE);
    inb.send(KEEPALIVE);
    await until('Established', () => sp.peers()[0]!.state === 'Established');
    expect(sp.peers()[0]!.connections).toBe(1);
    expect(inb.notifications()).toEqual([]);
  });

  it('we have the higher BGP Identifier: our connection survives, the peer\'s gets Cease 6/7', async () => {
    const { sp, out, inb } = await collide('10.0.0.5', '10.0.0.3');
    expect(await inb.next(MsgType.NOTIFICATION)).toMatchObject({ notification: { code: 6, subcode: 7 } });
    await until('peer connection closed', () => inb.closed);
    out.send(openBytes({ as: 65003, bgpId: '10.0.0.3' }));
    out.send(KEEPALIVE);
    await until('Established', () => sp.peers()[0]!.state === 'Established');
    expect(sp.peers()[0]!.connections).toBe(1);
    expect(out.notifications()).toEqual([]);
  });

  it('a connection while Established is closed with Cease 6/7 once its OPEN arrives', async () => {
    const { sp, raw } = await withRawPeer();
    await establish(raw);
    await until('Established', () => sp.peers()[0]!.state === 'Established');
    const extra = await raw.connect('127.0.0.1', sp.port);
    await extra.next(MsgType.OPEN);
    extra.send(openBytes({ as: 65003, bgpId: '10.0.0.3' }));
    expect(await extra.next(MsgType.NOTIFICATION)).toMatchObject({ notification: { code: 6, subcode: 7 } });
    expect(sp.peers()[0]!.state).toBe('Established');
  });
});
