import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialState, step, type FsmEvent, type FsmEventType, type FsmState } from '../../../src/bgp/fsm';
import { NO_JITTER, PeerTimers } from '../../../src/bgp/timers';
import { VirtualClock } from '../../../src/util/clock';
import { CFG, EVENTS, GOOD_OPEN } from './helpers';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 100000), 2000);

/** External events only: timer expiries come from PeerTimers itself, as in the real session. */
const EXTERNAL = (Object.keys(EVENTS) as FsmEventType[]).filter((e) => !e.endsWith('_Expires'));

const HAPPY: FsmEventType[] = ['ManualStart', 'Tcp_CR_Acked', 'BGPOpen', 'KeepAliveMsg', 'UpdateMsg'];
const event: fc.Arbitrary<FsmEvent> = fc.oneof(
  fc.constantFrom(...EXTERNAL).map((t) => EVENTS[t]),
  fc.constantFrom(...HAPPY).map((t) => EVENTS[t]),
  fc.integer({ min: 0, max: 400 }).map((holdTime): FsmEvent => ({ type: 'BGPOpen', open: { ...GOOD_OPEN, holdTime } })),
);
const wait = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300_000 }) },
);
/** Mostly single events; sometimes the whole way up, so Established is reached often. */
const stepArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ ev: event, wait }).map((x) => [x]) },
  { weight: 1, arbitrary: fc.constant(['ManualStart', 'Tcp_CR_Acked', 'BGPOpen', 'KeepAliveMsg'].map((t) => ({ ev: EVENTS[t as FsmEventType], wait: 10 }))) },
);

describe('FSM invariants under random event sequences, with real timers on a virtual clock', () => {
  it('timers running always match the state; nothing throws', () => {
    const visited = new Set<string>();
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (groups) => {
        const clock = new VirtualClock();
        let s: FsmState = initialState(CFG);
        const timers = new PeerTimers(clock, (ev) => feed(ev), NO_JITTER);
        function feed(ev: FsmEvent): void {
          const before = s;
          const r = step(s, ev, CFG);
          s = r.next;
          timers.apply(r.actions);
          const types = r.actions.map((a) => a.type);
          visited.add(s.state);
          // Falling to Idle always closes the connection and says why.
          if (before.state !== 'Idle' && s.state === 'Idle') {
            expect(types).toContain('DropTcp');
            expect(types).toContain('SessionDown');
          }
          if (s.state === 'Established' && before.state !== 'Established') expect(types).toContain('SessionEstablished');
          // No keepalive timer without a hold time; no timers at all in Idle except the restart.
          if (s.holdTime === 0) expect(timers.running('Keepalive')).toBe(false);
          if (s.state === 'Idle') expect(timers.list().filter((t) => t !== 'IdleHold')).toEqual([]);
          if (s.state === 'Connect' || s.state === 'Active') expect(timers.list()).toEqual(['ConnectRetry']);
          if (s.state === 'OpenSent') expect(timers.list()).toEqual(['Hold']);
          if ((s.state === 'OpenConfirm' || s.state === 'Established') && s.holdTime > 0) {
            expect(timers.running('Hold')).toBe(true);
            expect(timers.running('Keepalive')).toBe(true);
          }
          expect(s.idleHoldTime).toBeGreaterThanOrEqual(CFG.idleHoldTime);
          expect(s.idleHoldTime).toBeLessThanOrEqual(CFG.maxIdleHoldTime);
          expect(s.connectRetryCounter).toBeGreaterThanOrEqual(0);
        }
        for (const { ev, wait } of groups.flat()) {
          feed(ev);
          clock.advance(wait);
        }
      }),
      { numRuns: RUNS },
    );
    // The generator must actually reach every state for the invariants to mean anything.
    expect([...visited].sort()).toEqual(['Active', 'Connect', 'Established', 'Idle', 'OpenConfirm', 'OpenSent']);
  });
});
