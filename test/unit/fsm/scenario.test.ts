import { describe, expect, it } from 'vitest';
import { initialState, step, type FsmConfig, type FsmEvent, type FsmState } from '../../../src/bgp/fsm';
import { NO_JITTER, PeerTimers, seededJitter, type Jitter } from '../../../src/bgp/timers';
import { VirtualClock } from '../../../src/util/clock';
import { CFG, GOOD_OPEN, fmt } from './helpers';

/** The session layer in miniature: FSM + timers on a virtual clock, recording what it would do on the wire. */
class Peer {
  s: FsmState;
  readonly timers: PeerTimers;
  readonly log: { t: number; what: string }[] = [];

  constructor(
    readonly clock: VirtualClock,
    readonly cfg: FsmConfig = CFG,
    jitter: Jitter = NO_JITTER,
  ) {
    this.s = initialState(cfg);
    this.timers = new PeerTimers(clock, (ev) => this.feed(ev), jitter);
  }

  feed(ev: FsmEvent): void {
    const r = step(this.s, ev, this.cfg);
    this.s = r.next;
    this.timers.apply(r.actions);
    for (const a of r.actions) this.log.push({ t: this.clock.now() / 1000, what: fmt(a) });
  }

  /** Times (s) at which `what` happened. */
  when(what: string): number[] {
    return this.log.filter((e) => e.what === what).map((e) => e.t);
  }
}

function bringUp(p: Peer, peerHold = 180): void {
  p.feed({ type: 'ManualStart' });
  p.clock.advance(50);
  p.feed({ type: 'Tcp_CR_Acked' });
  p.clock.advance(50);
  p.feed({ type: 'BGPOpen', open: { ...GOOD_OPEN, holdTime: peerHold } });
  p.clock.advance(100);
  p.feed({ type: 'KeepAliveMsg' });
}

describe('a whole session on a virtual clock', () => {
  it('goes Idle → Established, keeps alive, and goes down when the peer falls silent', () => {
    const clock = new VirtualClock();
    const p = new Peer(clock);
    const states: string[] = [p.s.state];
    const track = (ev: FsmEvent): void => {
      p.feed(ev);
      states.push(p.s.state);
    };
    track({ type: 'ManualStart' });
    expect(p.timers.list()).toEqual(['ConnectRetry']);
    clock.advance(50);
    track({ type: 'Tcp_CR_Acked' });
    expect(p.timers.deadline('Hold')).toBe(50 + 240_000);
    clock.advance(50);
    track({ type: 'BGPOpen', open: GOOD_OPEN });
    clock.advance(100);
    track({ type: 'KeepAliveMsg' });
    expect(states).toEqual(['Idle', 'Connect', 'OpenSent', 'OpenConfirm', 'Established']);
    expect(p.log.map((e) => e.what)).toContain('SessionEstablished 90/30');

    // The peer keeps alive every 30 s for five minutes; we must stay up and send ours every 30 s.
    for (let i = 0; i < 10; i++) {
      clock.advance(30_000);
      p.feed({ type: 'KeepAliveMsg' });
    }
    expect(p.s.state).toBe('Established');
    // First KEEPALIVE answers the OPEN at t=0.1; then one every 30 s from there.
    expect(p.when('SendKeepalive')).toEqual([0.1, 30.1, 60.1, 90.1, 120.1, 150.1, 180.1, 210.1, 240.1, 270.1, 300.1]);

    // Silence: the HoldTimer expires 90 s after the last KEEPALIVE heard (t = 300.2).
    const lastHeard = clock.now();
    clock.advance(89_999);
    expect(p.s.state).toBe('Established');
    clock.advance(1);
    expect(p.s.state).toBe('Idle');
    const down = p.log.filter((e) => e.t === (lastHeard + 90_000) / 1000).map((e) => e.what);
    expect(down).toEqual([
      'SendNotification 4/0',
      'StopTimer ConnectRetry',
      'StopTimer Hold',
      'StopTimer Keepalive',
      'StopTimer IdleHoldReset',
      'DeleteRoutes',
      'ReleaseResources',
      'DropTcp',
      'SessionDown HoldTimer_Expires',
      'StartTimer IdleHold 1',
    ]);
    // The stable period (120 s) had passed, so the back-off restarted from 1 s.
    expect(p.timers.list()).toEqual(['IdleHold']);

    // One second later the FSM restarts by itself.
    clock.advance(1000);
    expect(p.s.state).toBe('Connect');
    expect(p.log.at(-1)?.what).toBe('InitiateTcp');
    expect(p.s.connectRetryCounter).toBe(0);
  });

  it('hold time 0: no keepalives and no hold timer for an hour', () => {
    const clock = new VirtualClock();
    const p = new Peer(clock);
    bringUp(p, 0);
    expect(p.s.state).toBe('Established');
    expect(p.s.holdTime).toBe(0);
    clock.advance(3600_000);
    expect(p.s.state).toBe('Established');
    expect(p.when('SendKeepalive')).toEqual([0.1]);
    expect(p.timers.list()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('keepalive cadence with RFC 4271 §10 jitter stays within [0.75, 1.0] × 30 s', () => {
    const clock = new VirtualClock();
    const p = new Peer(clock, CFG, seededJitter(42));
    bringUp(p);
    for (let i = 0; i < 60; i++) {
      clock.advance(20_000);
      p.feed({ type: 'KeepAliveMsg' });
    }
    const sent = p.when('SendKeepalive');
    expect(sent.length).toBeGreaterThan(40);
    const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(22.5 - 1e-9);
      expect(g).toBeLessThanOrEqual(30 + 1e-9);
    }
    // A new factor is drawn each time: the gaps are not all equal.
    expect(new Set(gaps.map((g) => g.toFixed(3))).size).toBeGreaterThan(10);
  });

  it('the same seed gives the same timeline', () => {
    const timeline = (): string[] => {
      const clock = new VirtualClock();
      const p = new Peer(clock, CFG, seededJitter(7));
      bringUp(p);
      clock.advance(200_000);
      return p.log.map((e) => `${e.t} ${e.what}`);
    };
    expect(timeline()).toEqual(timeline());
  });

  it('a peer that keeps failing is retried with exponential back-off, capped', () => {
    const clock = new VirtualClock();
    const p = new Peer(clock, { ...CFG, maxIdleHoldTime: 16 });
    p.feed({ type: 'ManualStart' });
    // Every connection attempt is refused at once.
    for (let i = 0; i < 8; i++) {
      p.feed({ type: 'TcpConnectionFails' });
      clock.runNext();
    }
    const starts = p.when('InitiateTcp');
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps).toEqual([1, 2, 4, 8, 16, 16, 16, 16]);
  });

  it('connect retry: an unanswered SYN is retried every ConnectRetryTime', () => {
    const clock = new VirtualClock();
    const p = new Peer(clock);
    p.feed({ type: 'ManualStart' });
    clock.advance(400_000);
    expect(p.when('InitiateTcp')).toEqual([0, 120, 240, 360]);
    expect(p.s.state).toBe('Connect');
  });
});
