import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Speaker } from '../../../src/bgp/speaker';
import { NO_JITTER } from '../../../src/bgp/timers';
import { memoryLogger } from '../../../src/util/log';
import { bgpConfig, MapRib, neighbor, until } from './support';

/*
 * Neighbor key `refused-retry`: a connection refused because the peer does
 * not listen yet is retried after first-ms, doubling up to max-ms, without
 * growing the IdleHold back-off (RFC 4271 §8.1.1 DampPeerOscillations is
 * for peers that flap); once the peer listens the session comes up within
 * about max-ms.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port on 127.0.0.1 with nothing listening (bound once, then closed). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function speaker(port: () => number, refusedRetry?: { firstMs: number; maxMs: number }, as = 65001, id = '10.0.0.1', listen = '127.0.0.1', peer = '127.0.0.2') {
  const log = memoryLogger();
  const s = new Speaker({
    config: bgpConfig({ routerId: id, as, listen: { address: listen, port: 0 }, neighbors: [neighbor({ address: peer, remoteAs: 65002, localAddress: listen, ...(refusedRetry ? { refusedRetry } : {}) })] }),
    rib: new MapRib(as),
    log,
    jitter: NO_JITTER,
    remotePort: port,
  });
  cleanups.push(() => s.stop());
  return { s, attempts: () => log.records.filter((r) => r.msg === 'connection attempt failed').length };
}

describe('refused connections (neighbor refused-retry)', () => {
  it('are retried after first-ms doubling to max-ms, and the IdleHold back-off does not grow', async () => {
    const port = await freePort();
    const { s, attempts } = speaker(() => port, { firstMs: 50, maxMs: 200 });
    await s.listen();
    const t0 = Date.now();
    s.startSessions();
    // 0, +50, +100, +200, +200, … ms: at least 5 attempts within 1 s (the FSM's own 1 s IdleHold would allow one).
    await until('five refused attempts', () => attempts() >= 5, 3000);
    expect(Date.now() - t0).toBeLessThan(1500);
    const st = s.peers()[0]!;
    expect(st.state).toBe('Idle');
    expect(st.nextIdleHoldTime).toBe(1);
    expect(st.idleHoldMs).toBeLessThanOrEqual(200);
  });

  it('the default (250 ms doubling to 1 s) brings the session up within about a second of the peer listening', async () => {
    const holder: { b?: Speaker } = {};
    const port = await freePort();
    const a = speaker(() => holder.b?.port || port);
    await a.s.listen();
    a.s.startSessions();
    await until('refused twice', () => a.attempts() >= 2, 3000);
    // Now the peer starts listening (passive, as a route reflector for its clients).
    const b = new Speaker({
      config: bgpConfig({ routerId: '10.0.0.2', as: 65002, listen: { address: '127.0.0.2', port: 0 }, neighbors: [neighbor({ address: '127.0.0.1', remoteAs: 65001, localAddress: '127.0.0.2', passive: true })] }),
      rib: new MapRib(65002),
      log: memoryLogger(),
      jitter: NO_JITTER,
    });
    cleanups.push(() => b.stop());
    await b.listen();
    b.startSessions();
    holder.b = b;
    const t0 = Date.now();
    await until('Established', () => a.s.peers()[0]!.state === 'Established', 5000);
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
