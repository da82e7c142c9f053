import type { Clock, TimerHandle } from '../util/clock';
import type { FsmAction, FsmEvent, TimerName } from './fsm';

/**
 * Per-peer BGP timers: named deadlines on an injectable Clock whose expiry
 * becomes the FSM event of the same name. The FSM says StartTimer/StopTimer;
 * apply() does it. Starting a running timer restarts it (the FSM's
 * "restarts the HoldTimer").
 */

/** A factor in [0.75, 1.0] multiplied into a timer's base value. */
export type Jitter = () => number;

/** No jitter: deterministic timing for tests. */
export const NO_JITTER: Jitter = () => 1;

/**
 * RFC 4271 §10: jitter SHOULD be applied to ConnectRetry and Keepalive (and
 * the advertisement intervals) by a random factor uniform in [0.75, 1.0],
 * picked anew each time the timer is set. `random` is any source in [0, 1).
 */
export function randomJitter(random: () => number = Math.random): Jitter {
  return () => 0.75 + 0.25 * random();
}

/** Seedable jitter (mulberry32 PRNG): reproducible runs of timing-sensitive tests and simulations. */
export function seededJitter(seed: number): Jitter {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return randomJitter(next);
}

/**
 * Which timers get jitter. HoldTimer does not: it measures the peer, and
 * shortening it would tear sessions down early. IdleHold is jittered so
 * peers that failed together do not all come back in the same instant.
 */
const JITTERED: ReadonlySet<TimerName> = new Set<TimerName>(['ConnectRetry', 'Keepalive', 'IdleHold']);

const EXPIRY: Record<TimerName, FsmEvent> = {
  ConnectRetry: { type: 'ConnectRetryTimer_Expires' },
  Hold: { type: 'HoldTimer_Expires' },
  Keepalive: { type: 'KeepaliveTimer_Expires' },
  IdleHold: { type: 'IdleHoldTimer_Expires' },
  IdleHoldReset: { type: 'IdleHoldResetTimer_Expires' },
};

/** RFC 4271 §4.4: KEEPALIVEs MUST NOT be sent more often than once per second. */
const MIN_KEEPALIVE_MS = 1000;

export class PeerTimers {
  private readonly armed = new Map<TimerName, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (ev: FsmEvent) => void,
    private readonly jitter: Jitter = randomJitter(),
  ) {}

  /** Carries out the StartTimer/StopTimer actions of an FSM step; other actions are not ours and are skipped. */
  apply(actions: readonly FsmAction[]): void {
    for (const a of actions) {
      if (a.type === 'StartTimer') this.start(a.name, a.seconds);
      else if (a.type === 'StopTimer') this.stop(a.name);
    }
  }

  /** (Re)starts `name` to expire after `seconds` (jittered where RFC 4271 §10 says so). Returns the deadline. */
  start(name: TimerName, seconds: number): number {
    this.stop(name);
    let ms = seconds * 1000;
    if (JITTERED.has(name)) ms *= this.jitter();
    if (name === 'Keepalive') ms = Math.max(ms, MIN_KEEPALIVE_MS);
    const deadline = this.clock.now() + ms;
    const handle = this.clock.setTimer(deadline, () => {
      // A timer restarted or stopped in the meantime has a new handle or none: this one is stale.
      if (this.armed.get(name) !== handle) return;
      this.armed.delete(name);
      this.onExpire(EXPIRY[name]);
    });
    this.armed.set(name, handle);
    return deadline;
  }

  stop(name: TimerName): void {
    const h = this.armed.get(name);
    if (h === undefined) return;
    this.clock.clearTimer(h);
    this.armed.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.armed.keys()]) this.stop(name);
  }

  running(name: TimerName): boolean {
    return this.armed.has(name);
  }

  /** Deadline (clock ms) of a running timer. */
  deadline(name: TimerName): number | undefined {
    return this.armed.get(name)?.deadline;
  }

  /** Names of running timers, for `show neighbor` output. */
  list(): TimerName[] {
    return [...this.armed.keys()];
  }
}
