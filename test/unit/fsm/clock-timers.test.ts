import { describe, expect, it } from 'vitest';
import type { FsmEvent } from '../../../src/bgp/fsm';
import { NO_JITTER, PeerTimers, randomJitter, seededJitter } from '../../../src/bgp/timers';
import { SystemClock, VirtualClock } from '../../../src/util/clock';

describe('VirtualClock', () => {
  it('fires due timers in deadline order, ties in creation order, with now() at each deadline', () => {
    const c = new VirtualClock(1000);
    const seen: string[] = [];
    c.setTimer(1300, () => seen.push(`c@${c.now()}`));
    c.setTimer(1100, () => seen.push(`a@${c.now()}`));
    c.setTimer(1100, () => seen.push(`b@${c.now()}`));
    c.setTimer(5000, () => seen.push('late'));
    expect(c.advance(300)).toBe(3);
    expect(seen).toEqual(['a@1100', 'b@1100', 'c@1300']);
    expect(c.now()).toBe(1300);
    expect(c.pending).toBe(1);
    expect(c.nextDeadline()).toBe(5000);
  });

  it('fires timers that callbacks schedule inside the same window', () => {
    const c = new VirtualClock();
    const seen: number[] = [];
    const tick = (): void => {
      seen.push(c.now());
      c.setTimer(c.now() + 10, tick);
    };
    c.setTimer(10, tick);
    c.advance(45);
    expect(seen).toEqual([10, 20, 30, 40]);
  });

  it('clearTimer cancels, and is idempotent', () => {
    const c = new VirtualClock();
    let fired = false;
    const h = c.setTimer(5, () => (fired = true));
    c.clearTimer(h);
    c.clearTimer(h);
    c.advance(10);
    expect(fired).toBe(false);
  });

  it('a deadline in the past fires on the next advance, even by 0', () => {
    const c = new VirtualClock(100);
    let fired = false;
    c.setTimer(50, () => (fired = true));
    c.advance(0);
    expect(fired).toBe(true);
    expect(c.now()).toBe(100);
  });

  it('refuses to go backwards', () => {
    expect(() => new VirtualClock().advance(-1)).toThrow(RangeError);
  });
});

describe('SystemClock', () => {
  it('never fires before the deadline', async () => {
    const c = new SystemClock();
    const lateness: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const deadline = c.now() + 1 + (i % 5);
        return new Promise<void>((resolve) => c.setTimer(deadline, () => (lateness.push(c.now() - deadline), resolve())));
      }),
    );
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
  });

  it('fires a real timer and can cancel one', async () => {
    const c = new SystemClock();
    const t0 = c.now();
    let cancelled = false;
    const h = c.setTimer(t0 + 10, () => (cancelled = true));
    c.clearTimer(h);
    await new Promise<void>((resolve) => c.setTimer(t0 + 20, resolve));
    expect(c.now() - t0).toBeGreaterThanOrEqual(20);
    expect(cancelled).toBe(false);
  });
});

describe('PeerTimers', () => {
  function setup(jitter = NO_JITTER): { c: VirtualClock; t: PeerTimers; events: FsmEvent['type'][] } {
    const c = new VirtualClock();
    const events: FsmEvent['type'][] = [];
    const t = new PeerTimers(c, (ev) => events.push(ev.type), jitter);
    return { c, t, events };
  }

  it('turns each expiry into the matching FSM event', () => {
    const { c, t, events } = setup();
    t.start('ConnectRetry', 1);
    t.start('Hold', 2);
    t.start('Keepalive', 3);
    t.start('IdleHold', 4);
    t.start('IdleHoldReset', 5);
    c.advance(10_000);
    expect(events).toEqual([
      'ConnectRetryTimer_Expires',
      'HoldTimer_Expires',
      'KeepaliveTimer_Expires',
      'IdleHoldTimer_Expires',
      'IdleHoldResetTimer_Expires',
    ]);
    expect(t.list()).toEqual([]);
  });

  it('restarting a timer moves its deadline; stopping it silences it', () => {
    const { c, t, events } = setup();
    t.start('Hold', 90);
    c.advance(80_000);
    t.start('Hold', 90);
    c.advance(80_000);
    expect(events).toEqual([]);
    expect(t.deadline('Hold')).toBe(170_000);
    t.apply([{ type: 'StopTimer', name: 'Hold' }, { type: 'SendKeepalive' }]);
    c.advance(100_000);
    expect(events).toEqual([]);
    expect(t.running('Hold')).toBe(false);
  });

  it('jitters ConnectRetry, Keepalive and IdleHold but never Hold', () => {
    const { t } = setup(() => 0.75);
    expect(t.start('ConnectRetry', 120)).toBe(90_000);
    expect(t.start('Keepalive', 60)).toBe(45_000);
    expect(t.start('IdleHold', 8)).toBe(6_000);
    expect(t.start('Hold', 180)).toBe(180_000);
  });

  it('never schedules keepalives closer than 1 s (RFC 4271 §4.4)', () => {
    const { t } = setup(() => 0.75);
    expect(t.start('Keepalive', 1)).toBe(1000);
  });

  it('stopAll clears everything', () => {
    const { c, t, events } = setup();
    t.start('Hold', 1);
    t.start('Keepalive', 1);
    t.stopAll();
    c.advance(5000);
    expect(events).toEqual([]);
    expect(c.pending).toBe(0);
  });
});

describe('jitter sources', () => {
  it('stay within [0.75, 1.0]', () => {
    for (const j of [randomJitter(), seededJitter(1), randomJitter(() => 0), randomJitter(() => 0.999999)]) {
      for (let i = 0; i < 1000; i++) {
        const f = j();
        expect(f).toBeGreaterThanOrEqual(0.75);
        expect(f).toBeLessThanOrEqual(1);
      }
    }
  });

  it('seeded jitter is reproducible and seed-dependent', () => {
    const a = seededJitter(99);
    const b = seededJitter(99);
    const c = seededJitter(100);
    const xs = Array.from({ length: 20 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(xs);
  });
});
