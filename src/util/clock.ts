/**
 * Time as a dependency. Protocol code (BGP timers, MAC aging, migration
 * probes) takes a Clock instead of calling Date/setTimeout, so tests can run
 * hours of protocol time in microseconds on a VirtualClock and get the same
 * order of expiries every run.
 *
 * Times are milliseconds on a monotonic scale private to each clock: compare
 * them only with values from the same clock, never with wall-clock time.
 */
export interface Clock {
  /** Current time in ms (monotonic: never goes backwards). */
  now(): number;
  /** Calls `cb` once, at or after `deadline` (ms, same scale as now()). A deadline in the past fires as soon as possible. */
  setTimer(deadline: number, cb: () => void): TimerHandle;
  /** Cancels a timer; clearing one that already fired or was cleared is a no-op. */
  clearTimer(handle: TimerHandle): void;
}

/** Opaque to callers: only the clock that made it can clear it. */
export interface TimerHandle {
  readonly deadline: number;
}

/** Node's setTimeout stores delays in a signed 32-bit int; longer waits are chained. */
const MAX_TIMEOUT_MS = 0x7fffffff;

interface RealHandle extends TimerHandle {
  timeout: NodeJS.Timeout | null;
}

/**
 * The process clock: performance.now() (monotonic, unaffected by NTP steps or
 * `date -s`) and setTimeout.
 */
export class SystemClock implements Clock {
  /** `unref`: timers do not keep the process alive (for CLIs that should exit when idle). */
  constructor(private readonly opts: { unref?: boolean } = {}) {}

  now(): number {
    return performance.now();
  }

  setTimer(deadline: number, cb: () => void): TimerHandle {
    const h: RealHandle = { deadline, timeout: null };
    const arm = (): void => {
      const wait = deadline - this.now();
      if (wait > MAX_TIMEOUT_MS) {
        h.timeout = setTimeout(arm, MAX_TIMEOUT_MS);
      } else {
        h.timeout = setTimeout(() => {
          // libuv measures timeouts against a millisecond loop clock and may
          // fire a fraction early by performance.now(): wait out the rest.
          if (this.now() < deadline) {
            arm();
            return;
          }
          h.timeout = null;
          cb();
        }, Math.max(0, Math.ceil(wait)));
      }
      if (this.opts.unref) h.timeout.unref();
    };
    arm();
    return h;
  }

  clearTimer(handle: TimerHandle): void {
    const h = handle as RealHandle;
    if (h.timeout !== null) clearTimeout(h.timeout);
    h.timeout = null;
  }
}

interface VirtualTimer extends TimerHandle {
  readonly seq: number;
  readonly cb: () => void;
  active: boolean;
}

/**
 * A clock that only moves when told to. advance(ms) fires every timer that
 * falls due in order of deadline (ties in order of creation), with now() set
 * to each timer's deadline while its callback runs; timers that callbacks
 * schedule inside the window fire in the same advance().
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: VirtualTimer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(deadline: number, cb: () => void): TimerHandle {
    const timer: VirtualTimer = { deadline, cb, seq: this.seq++, active: true };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as VirtualTimer;
    if (!timer.active) return;
    timer.active = false;
    this.timers = this.timers.filter((x) => x !== timer);
  }

  /** Number of timers armed and not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  /** Deadline of the next timer, or undefined if none is armed. */
  nextDeadline(): number | undefined {
    return this.earliest()?.deadline;
  }

  /** Moves time forward by `ms`, firing due timers in order. Returns how many fired. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    return this.advanceTo(this.t + ms);
  }

  /** Moves time to `target` (not backwards), firing due timers in order. */
  advanceTo(target: number): number {
    let fired = 0;
    for (;;) {
      const next = this.earliest();
      if (!next || next.deadline > target) break;
      this.clearTimer(next);
      this.t = Math.max(this.t, next.deadline);
      fired++;
      next.cb();
    }
    this.t = Math.max(this.t, target);
    return fired;
  }

  /** Jumps to the next deadline and fires everything due then; false if no timer is armed. */
  runNext(): boolean {
    const next = this.earliest();
    if (!next) return false;
    this.advanceTo(next.deadline);
    return true;
  }

  private earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const x of this.timers) {
      if (!best || x.deadline < best.deadline || (x.deadline === best.deadline && x.seq < best.seq)) best = x;
    }
    return best;
  }
}
