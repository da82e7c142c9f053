import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Afi, MsgType, Safi } from '../../../src/bgp/wire/iana';
import { encodeToBytes } from '../../../src/bgp/wire/update';
import { RawPeer, type RawConn, type RawListener } from '../../support/raw-peer';
import { requireRoot } from '../../support/root';
import { poll, VtepProcess } from '../../support/vtep-process';
import { LivePeer, macRoutes, printTally, routeKeyOf, RzLab, type Tally } from './support';

/*
 * FSM faults against a running `evpn-vtep bgp` (RFC 4271 §8, §6.8), each
 * driven by a raw peer and judged from outside (what the peer receives,
 * `show peers`, `show routes`). After every fault the session comes back and
 * the speaker's paths from the peer equal what the peer announced.
 *
 *   P0  passive at the speaker, hold time 3: hold timer expiry, a peer silent
 *       after OPEN, TCP RST in the middle of an UPDATE (with and without
 *       graceful restart), a half-open connection (the peer's link down);
 *   P1  active at the speaker: a peer that restarts in a loop, so the
 *       IdleHold back-off shows in show peers;
 *   P2, P3  active at the speaker, and the peer connects too: connection
 *       collision, once with a higher and once with a lower BGP Identifier.
 */

const ROOT = requireRoot('robustness/fsm-faults');
const VTEP_ID = '10.255.0.1';
const EVPN: [number, number] = [Afi.L2VPN, Safi.EVPN];

describe.skipIf(!ROOT)('FSM faults on live sessions (raw peer ↔ evpn-vtep bgp)', () => {
  const lab = new RzLab();
  let raw: RawPeer;
  let vtep: VtepProcess;
  let p0: LivePeer;
  let p1: LivePeer;
  let p2: LivePeer;
  let p3: LivePeer;
  const listeners: RawListener[] = [];
  const tally: Tally = { cases: 0, faults: 0, routesLost: 0, crashes: 0 };

  beforeAll(async () => {
    lab.build(4);
    raw = new RawPeer(lab.peerNs);
    vtep = new VtepProcess(lab.vtepNs, {
      routerId: VTEP_ID,
      as: 65100,
      neighbors: [
        { address: lab.peerAddress(0), remoteAs: 65100, passive: true, holdTime: 3 },
        { address: lab.peerAddress(1), remoteAs: 65100, holdTime: 9 },
        { address: lab.peerAddress(2), remoteAs: 65100, holdTime: 9 },
        { address: lab.peerAddress(3), remoteAs: 65100, holdTime: 9 },
      ],
    });
    await raw.start();
    // The speaker connects to P1..P3 as soon as it starts: listen first.
    for (let i = 1; i <= 3; i++) listeners.push(await raw.listen(lab.peerAddress(i), 179));
    await vtep.start();
    const mk = (i: number, bgpId?: string): LivePeer => {
      const p = new LivePeer(raw, vtep, lab.vtepAddress, { address: lab.peerAddress(i), as: 65100, holdTime: i === 0 ? 3 : 9, families: [EVPN], ...(bgpId ? { bgpId } : {}) });
      for (const r of macRoutes(p.address, 5)) p.table.set(routeKeyOf(r), { route: r, nextHop: p.address });
      return p;
    };
    p0 = mk(0);
    p1 = mk(1);
    p2 = mk(2, '10.255.0.200');
    p3 = mk(3, '10.0.0.9');
  }, 90_000);

  afterAll(async () => {
    printTally('fsm faults', tally);
    raw?.stop();
    await vtep?.destroy();
    lab.destroy();
  });

  /** After a fault: the session is back and the RIB equals the peer's table. */
  async function checkRecovered(p: LivePeer): Promise<void> {
    const d = await p.settle(10_000);
    tally.routesLost += d.missing.length + d.wrong.length;
    expect(d, `RIB from ${p.address}`).toEqual({ missing: [], extra: [], wrong: [] });
    expect((await p.status()).state).toBe('Established');
    if (!vtep.running) tally.crashes++;
    expect(vtep.running).toBe(true);
  }

  async function waitDown(p: LivePeer, ms = 10_000): Promise<void> {
    await poll(`${p.address} down`, async () => (await p.status()).state !== 'Established', ms);
  }

  /** Collision: the speaker's own connection (accepted by our listener) and ours, OPENs on both. */
  async function collide(p: LivePeer, l: RawListener, weWin: boolean): Promise<void> {
    tally.cases++;
    tally.faults++;
    const theirs = await l.nextAccepted(15_000); // the speaker's outbound connection, in OpenSent
    await theirs.receiveOpen();
    const ours = await raw.connect(lab.vtepAddress, 179, p.address);
    await ours.receiveOpen(); // the speaker runs the second connection beside the first (§6.8)
    expect((await p.status()).connections).toBe(2);
    const open = p.open();
    theirs.sendOpen(open);
    ours.sendOpen(open);
    // §6.8: the connection initiated by the speaker with the higher BGP Identifier survives.
    const [winner, loser] = weWin ? [ours, theirs] : [theirs, ours];
    const n = await loser.notification(5000);
    expect([n.code, n.subcode], 'Cease / Connection Collision Resolution').toEqual([6, 7]);
    await loser.waitClosed(5000);
    winner.sendKeepalive();
    await winner.next('KEEPALIVE on the surviving connection', (r) => r.type === MsgType.KEEPALIVE, 5000);
    expect(winner.notifications()).toEqual([]);
    winner.startKeepalives(3000);
    p.conn = winner;
    p.resendTable(winner);
    await poll('Established after the collision', async () => (await p.status()).state === 'Established', 10_000);
    expect((await p.status()).connections).toBe(1);
    await checkRecovered(p);
  }

  it('connection collision: the peer has the higher BGP Identifier, its connection survives', async () => {
    await collide(p2, listeners[1]!, true);
  }, 40_000);

  it('connection collision: the peer has the lower BGP Identifier, the speaker\'s connection survives', async () => {
    await collide(p3, listeners[2]!, false);
  }, 40_000);

  it('a peer restarting in a loop: IdleHold back-off doubles and shows in show peers; the session comes back', async () => {
    const l = listeners[0]!;
    const waits: number[] = [];
    const nextHolds: number[] = [];
    const restarts = 3;
    let resetAt = 0;
    for (let i = 0; i <= restarts; i++) {
      const c = await l.nextAccepted(30_000, i);
      if (i > 0) waits.push(l.accepted[i]!.at - resetAt);
      await p1.adopt(c);
      await checkRecovered(p1);
      if (i === restarts) break;
      tally.cases++;
      tally.faults++;
      c.reset();
      resetAt = Date.now();
      const idle = await poll('Idle with the IdleHoldTimer running', async () => {
        const st = await p1.status();
        return st.state === 'Idle' && st.idleHoldMs !== undefined ? st : null;
      }, 5000, 20);
      expect(await p1.rows(), 'routes of the failed session removed').toEqual([]);
      nextHolds.push(idle.nextIdleHoldTime!);
    }
    console.log(`[robustness] restart loop: reconnect after ${waits.map((w) => `${w} ms`).join(', ')}; next IdleHoldTime ${nextHolds.join(', ')} s`);
    // RFC 4271 §8.1.1 DampPeerOscillations: 1 s, 2 s, 4 s (jittered down by at most 25 %).
    expect(nextHolds).toEqual([2, 4, 8]);
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
    expect(waits[0]!).toBeGreaterThanOrEqual(700);
    expect(waits[2]!).toBeGreaterThanOrEqual(2900);
  }, 60_000);

  it('hold timer expiry: a silent peer gets Hold Timer Expired (4/0) after 3 s; routes removed; the session comes back', async () => {
    await p0.connect();
    await checkRecovered(p0);
    tally.cases++;
    tally.faults++;
    const c = p0.conn!;
    c.stopKeepalives();
    const t0 = Date.now();
    const n = await c.notification(8000);
    const elapsed = Date.now() - t0;
    expect([n.code, n.subcode]).toEqual([4, 0]);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(6000);
    await c.waitClosed(5000);
    await waitDown(p0);
    await poll('routes removed', async () => (await p0.rows()).length === 0, 5000);
    expect((await p0.status()).lastError).toMatch(/Hold Timer/i);
    await p0.connect();
    await checkRecovered(p0);
  }, 40_000);

  it('a peer that sends nothing after OPEN: 4/0 from OpenConfirm, never Established; then a normal session', async () => {
    tally.cases++;
    tally.faults++;
    await p0.hangUp();
    await waitDown(p0);
    const before = (await p0.status()).establishedCount;
    const c = await raw.connect(lab.vtepAddress, 179, p0.address);
    c.sendOpen(p0.open());
    await c.receiveOpen();
    await poll('OpenConfirm', async () => (await p0.status()).state === 'OpenConfirm', 5000);
    const n = await c.notification(8000);
    expect([n.code, n.subcode]).toEqual([4, 0]);
    await c.waitClosed(5000);
    expect((await p0.status()).establishedCount).toBe(before);
    await p0.connect();
    await checkRecovered(p0);
  }, 40_000);

  async function resetMidUpdate(gracefulRestart: boolean): Promise<void> {
    tally.cases++;
    tally.faults++;
    await p0.hangUp();
    await waitDown(p0);
    p0.o.gracefulRestart = gracefulRestart ? { restartTime: 30, families: [EVPN] } : undefined;
    await p0.connect();
    await checkRecovered(p0);
    const c: RawConn = p0.conn!;
    const half = macRoutes(p0.address, 3, 100);
    const bytes = encodeToBytes(p0.announceUpdate(half, p0.address), c.ctx);
    c.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    await new Promise((r) => setTimeout(r, 100));
    c.reset();
    await c.waitClosed(5000);
    await waitDown(p0);
    const halfKeys = new Set(half.map(routeKeyOf));
    if (gracefulRestart) {
      // RFC 4724 §4.2: the routes stay (stale) while the peer restarts.
      await new Promise((r) => setTimeout(r, 300));
      const d = await p0.diff();
      expect(d, 'stale routes kept during the restart').toEqual({ missing: [], extra: [], wrong: [] });
    } else {
      await poll('routes removed', async () => (await p0.rows()).length === 0, 5000);
    }
    await p0.connect();
    await checkRecovered(p0);
    expect((await p0.rows()).some((r) => halfKeys.has(`${r.rd}|${r.prefix}`)), 'nothing of the half UPDATE').toBe(false);
  }

  it('TCP RST in the middle of an UPDATE: nothing of it is installed; routes removed; the session comes back', async () => {
    await resetMidUpdate(false);
  }, 40_000);

  it('TCP RST in the middle of an UPDATE with graceful restart: routes kept stale, refreshed after End-of-RIB', async () => {
    await resetMidUpdate(true);
    p0.o.gracefulRestart = undefined;
  }, 40_000);

  it('half-open connection (the peer\'s link goes down): hold timer ends it; after the link returns the session comes back', async () => {
    tally.cases++;
    tally.faults++;
    await p0.hangUp();
    await waitDown(p0);
    await p0.connect();
    await checkRecovered(p0);
    const c = p0.conn!;
    lab.peerLink(false);
    try {
      await waitDown(p0, 10_000);
      await poll('routes removed', async () => (await p0.rows()).length === 0, 5000);
      expect((await p0.status()).lastError).toMatch(/Hold Timer/i);
      // The peer noticed nothing: its socket is still open.
      expect(c.closed).toBe(false);
    } finally {
      lab.peerLink(true);
    }
    c.destroy();
    await c.waitClosed(5000);
    await p0.connect();
    await checkRecovered(p0);
  }, 40_000);

  it('afterwards: every peer\'s routes are in the RIB, show peers answers through the CLI, no internal error', async () => {
    for (const p of [p0, p1, p2, p3]) await checkRecovered(p);
    const ps = vtep.showCli<{ state: string }[]>(['peers']);
    expect(ps.map((x) => x.state)).toEqual(['Established', 'Established', 'Established', 'Established']);
    expect(vtep.internalErrors()).toEqual([]);
    expect(tally.routesLost).toBe(0);
    expect(tally.crashes).toBe(0);
  }, 60_000);
});
