import { describe, expect, it } from 'vitest';
import {
  fsmConfig,
  initialState,
  negotiateTimers,
  run,
  step,
  validateOpen,
  type FsmAction,
  type FsmState,
} from '../../../src/bgp/fsm';
import { CFG, EVENTS, GOOD_OPEN, fmt, stateIn } from './helpers';

function notifications(actions: FsmAction[]): string[] {
  return actions.filter((a) => a.type === 'SendNotification').map(fmt);
}

describe('hold time negotiation (RFC 4271 §4.2, §10)', () => {
  it('takes the smaller hold time and a third of it as keepalive', () => {
    expect(negotiateTimers(CFG, 180)).toEqual({ holdTime: 90, keepaliveTime: 30 });
    expect(negotiateTimers(CFG, 9)).toEqual({ holdTime: 9, keepaliveTime: 3 });
    expect(negotiateTimers(CFG, 3)).toEqual({ holdTime: 3, keepaliveTime: 1 });
  });

  it('uses the configured keepalive when it is below hold/3, and caps it otherwise (as FRR does)', () => {
    expect(negotiateTimers({ ...CFG, keepaliveTime: 10 }, 90)).toEqual({ holdTime: 90, keepaliveTime: 10 });
    expect(negotiateTimers({ ...CFG, keepaliveTime: 60 }, 90)).toEqual({ holdTime: 90, keepaliveTime: 30 });
    expect(negotiateTimers({ ...CFG, holdTime: 180, keepaliveTime: 60 }, 180)).toEqual({ holdTime: 180, keepaliveTime: 60 });
  });

  it('hold time 0 on either side means no keepalives at all', () => {
    expect(negotiateTimers(CFG, 0)).toEqual({ holdTime: 0, keepaliveTime: 0 });
    expect(negotiateTimers({ ...CFG, holdTime: 0 }, 180)).toEqual({ holdTime: 0, keepaliveTime: 0 });
  });

  it('OpenSent + OPEN with hold 0: KEEPALIVE sent once, the large HoldTimer stopped, no timers started', () => {
    const { next, actions } = step(stateIn('OpenSent'), { type: 'BGPOpen', open: { ...GOOD_OPEN, holdTime: 0 } }, CFG);
    expect(next.state).toBe('OpenConfirm');
    expect(next.holdTime).toBe(0);
    expect(actions.map(fmt)).toEqual(['StopTimer ConnectRetry', 'SendKeepalive', 'StopTimer Hold']);
  });

  it('with hold 0, keepalives and updates in Established do not restart any timer', () => {
    const s = stateIn('Established', { holdTime: 0, keepaliveTime: 0 });
    expect(step(s, EVENTS.KeepAliveMsg, CFG).actions).toEqual([]);
    expect(step(s, EVENTS.UpdateMsg, CFG).actions.map(fmt)).toEqual(['ProcessUpdate']);
    expect(step(s, EVENTS.KeepaliveTimer_Expires, CFG).actions.map(fmt)).toEqual(['SendKeepalive']);
  });

  it('OpenConfirm + KEEPALIVE with hold 0 establishes without a HoldTimer', () => {
    const s = stateIn('OpenConfirm', { holdTime: 0, keepaliveTime: 0 });
    expect(step(s, EVENTS.KeepAliveMsg, CFG).actions.map(fmt)).toEqual([
      'StartTimer IdleHoldReset 120',
      'SessionEstablished 0/0',
    ]);
  });
});

describe('OPEN validation (RFC 4271 §6.2, RFC 6286)', () => {
  const cases: [string, Partial<typeof GOOD_OPEN>, string | null][] = [
    ['a good OPEN', {}, null],
    ['version 3 → Unsupported Version Number, data = 4', { version: 3 }, '2/1 0004'],
    ['wrong peer AS → Bad Peer AS', { as: 65099 }, '2/2 '],
    ['hold time 1 → Unacceptable Hold Time', { holdTime: 1 }, '2/6 '],
    ['hold time 2 → Unacceptable Hold Time', { holdTime: 2 }, '2/6 '],
    ['hold time 3 is the smallest acceptable', { holdTime: 3 }, null],
    ['hold time 0 is acceptable', { holdTime: 0 }, null],
    ['BGP identifier 0.0.0.0 → Bad BGP Identifier', { bgpId: '0.0.0.0' }, '2/3 '],
    ['our own identifier from an external peer is allowed (RFC 6286 §2.2)', { bgpId: '10.0.0.1' }, null],
  ];
  for (const [name, patch, want] of cases) {
    it(name, () => {
      const n = validateOpen({ ...GOOD_OPEN, ...patch }, CFG);
      expect(n ? `${n.code}/${n.subcode} ${Buffer.from(n.data).toString('hex')}` : null).toBe(want);
    });
  }

  it('our own identifier from an internal peer → Bad BGP Identifier', () => {
    const ibgp = { ...CFG, peerAs: 65001 };
    expect(validateOpen({ ...GOOD_OPEN, as: 65001, bgpId: '10.0.0.1' }, ibgp)).toMatchObject({ code: 2, subcode: 3 });
  });

  it('any peer AS is accepted when none is configured', () => {
    const { peerAs: _ignored, ...rest } = CFG;
    expect(validateOpen({ ...GOOD_OPEN, as: 4200000000 }, rest)).toBeNull();
  });

  it('OpenSent + an OPEN with hold time 2 sends 2/6 and falls to Idle', () => {
    const { next, actions } = step(stateIn('OpenSent'), { type: 'BGPOpen', open: { ...GOOD_OPEN, holdTime: 2 } }, CFG);
    expect(next.state).toBe('Idle');
    expect(notifications(actions)).toEqual(['SendNotification 2/6']);
    expect(actions.find((a) => a.type === 'SessionDown')).toMatchObject({ reason: 'BGPOpen', sent: { code: 2, subcode: 6 } });
  });

  it('the accepted OPEN records peer AS and identifier for collision detection', () => {
    const { next } = step(stateIn('OpenSent'), EVENTS.BGPOpen, CFG);
    expect(next).toMatchObject({ peerAs: 65002, peerId: '10.0.0.2', holdTime: 90, keepaliveTime: 30 });
  });
});

describe('stops and NOTIFICATION contents', () => {
  it('ManualStop carries a shutdown communication (RFC 9003) in the Cease', () => {
    const data = new TextEncoder().encode('\x0bmaintenance');
    const { actions } = step(stateIn('Established'), { type: 'ManualStop', cease: { subcode: 2, data } }, CFG);
    const n = actions.find((a) => a.type === 'SendNotification');
    expect(n).toMatchObject({ code: 6, subcode: 2, data });
  });

  it('AutomaticStop for max-prefix sends Cease 1 and does not restart', () => {
    const { next, actions } = step(stateIn('Established'), { type: 'AutomaticStop', cease: { subcode: 1 } }, CFG);
    expect(next.state).toBe('Idle');
    expect(notifications(actions)).toEqual(['SendNotification 6/1']);
    expect(actions.some((a) => a.type === 'StartTimer')).toBe(false);
  });

  it('SessionDown reports the NOTIFICATION the peer sent', () => {
    const { actions } = step(stateIn('Established'), EVENTS.NotifMsg, CFG);
    expect(actions.find((a) => a.type === 'SessionDown')).toMatchObject({
      reason: 'NotifMsg',
      from: 'Established',
      received: { code: 6, subcode: 2 },
    });
  });

  it('SendNOTIFICATIONwithoutOPEN: Connect + header error sends it when enabled', () => {
    const cfg = { ...CFG, sendNotificationWithoutOpen: true };
    expect(notifications(step(stateIn('Connect'), EVENTS.BGPHeaderErr, cfg).actions)).toEqual(['SendNotification 1/2']);
    expect(notifications(step(stateIn('Active'), EVENTS.BGPOpenMsgErr, cfg).actions)).toEqual(['SendNotification 2/7']);
  });
});

describe('passive peers (PassiveTcpEstablishment)', () => {
  it('never initiate, even when the ConnectRetryTimer expires in Active', () => {
    const s0 = initialState(CFG);
    const r = run(s0, [{ type: 'ManualStart_with_PassiveTcpEstablishment' }, EVENTS.ConnectRetryTimer_Expires], CFG);
    expect(r.next.state).toBe('Active');
    expect(r.next.passive).toBe(true);
    expect(r.actions.some((a) => a.type === 'InitiateTcp')).toBe(false);
  });

  it('restart passively after falling to Idle', () => {
    const s: FsmState = { ...stateIn('Established'), passive: true };
    const down = step(s, EVENTS.HoldTimer_Expires, CFG);
    const up = step(down.next, EVENTS.IdleHoldTimer_Expires, CFG);
    expect(up.next.state).toBe('Active');
    expect(up.actions.some((a) => a.type === 'InitiateTcp')).toBe(false);
  });
});

describe('peer oscillation damping (IdleHoldTimer back-off)', () => {
  it('doubles the IdleHoldTime on each failure up to the cap', () => {
    const cfg = fsmConfig({ localAs: 65001, localId: '10.0.0.1', idleHoldTime: 1, maxIdleHoldTime: 60 });
    let s = initialState(cfg);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      s = step(s, EVENTS.IdleHoldTimer_Expires, cfg).next; // restart → Connect
      expect(s.state).toBe('Connect');
      const r = step(s, EVENTS.TcpConnectionFails, cfg);
      const t = r.actions.find((a) => a.type === 'StartTimer' && a.name === 'IdleHold');
      waits.push(t && t.type === 'StartTimer' ? t.seconds : -1);
      s = r.next;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('without damping the wait stays constant', () => {
    const cfg = { ...CFG, dampPeerOscillations: false, idleHoldTime: 5 };
    let s = initialState(cfg);
    for (let i = 0; i < 3; i++) {
      s = step(step(s, EVENTS.IdleHoldTimer_Expires, cfg).next, EVENTS.TcpConnectionFails, cfg).next;
      expect(s.idleHoldTime).toBe(5);
    }
  });

  it('forgets the back-off after the session stayed Established for idleHoldResetTime', () => {
    const s = stateIn('Established', { idleHoldTime: 64 });
    expect(step(s, EVENTS.IdleHoldResetTimer_Expires, CFG).next.idleHoldTime).toBe(1);
    // A flap before the reset timer fired keeps (and doubles) the back-off.
    const down = step(s, EVENTS.NotifMsg, CFG);
    expect(down.actions.map(fmt)).toContain('StartTimer IdleHold 64');
    expect(down.next.idleHoldTime).toBe(120);
  });

  it('AutomaticStart_with_DampPeerOscillations waits out the IdleHoldTime before starting', () => {
    const s = { ...initialState(CFG), idleHoldTime: 8 };
    const r1 = step(s, EVENTS.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment, CFG);
    expect(r1.next.state).toBe('Idle');
    expect(r1.actions.map(fmt)).toEqual(['StartTimer IdleHold 8']);
    const r2 = step(r1.next, EVENTS.IdleHoldTimer_Expires, CFG);
    expect(r2.next.state).toBe('Active');
  });

  it('without AllowAutomaticStart nothing restarts', () => {
    const cfg = { ...CFG, allowAutomaticStart: false };
    const r = step(stateIn('Established'), EVENTS.HoldTimer_Expires, cfg);
    expect(r.actions.some((a) => a.type === 'StartTimer')).toBe(false);
    expect(step(r.next, EVENTS.IdleHoldTimer_Expires, cfg).next.state).toBe('Idle');
  });

  it('ManualStart forgets the back-off; ManualStop in Idle cancels a pending restart', () => {
    const s = { ...initialState(CFG), idleHoldTime: 32 };
    expect(step(s, EVENTS.ManualStart, CFG).next.idleHoldTime).toBe(1);
    expect(step(s, EVENTS.AutomaticStart, CFG).next.idleHoldTime).toBe(32);
    const stop = step(s, EVENTS.ManualStop, CFG);
    expect(stop.actions.map(fmt)).toEqual(['StopTimer IdleHold']);
    expect(stop.next.idleHoldTime).toBe(1);
  });
});

describe('purity', () => {
  it('returns the same answer for the same input', () => {
    const s = stateIn('OpenSent');
    expect(step(s, EVENTS.BGPOpen, CFG)).toEqual(step(s, EVENTS.BGPOpen, CFG));
  });
});
