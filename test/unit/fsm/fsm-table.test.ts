import { describe, expect, it } from 'vitest';
import { step, type FsmEventType, type FsmStateName } from '../../../src/bgp/fsm';
import { CFG, EVENTS, fmt, stateIn } from './helpers';

/**
 * RFC 4271 §8.2.2, state by state: every event in every state, with the exact
 * list of actions. Each state starts with ConnectRetryCounter = 3 so that
 * "set to zero", "increment" and "leave alone" are told apart.
 */

type Counter = 0 | 3 | 4;
interface Row {
  next: FsmStateName;
  actions: string[];
  counter: Counter;
}

const TIMERS: Record<FsmStateName, string[]> = {
  Idle: [],
  Connect: ['ConnectRetry'],
  Active: ['ConnectRetry'],
  OpenSent: ['ConnectRetry', 'Hold'],
  OpenConfirm: ['ConnectRetry', 'Hold', 'Keepalive'],
  Established: ['ConnectRetry', 'Hold', 'Keepalive', 'IdleHoldReset'],
};

/** "…changes its state to Idle": the closing bullets common to every such paragraph. */
function toIdle(from: FsmStateName, ev: FsmEventType, counter: Counter, notify?: string): Row {
  const stop = ev === 'ManualStop' || ev === 'AutomaticStop';
  return {
    next: 'Idle',
    counter,
    actions: [
      ...(notify ? [`SendNotification ${notify}`] : []),
      ...TIMERS[from].map((t) => `StopTimer ${t}`),
      ...(from === 'Established' ? ['DeleteRoutes'] : []),
      'ReleaseResources',
      'DropTcp',
      `SessionDown ${ev}`,
      // Automatic restart after the IdleHoldTimer, except after a stop.
      ...(stop ? [] : ['StartTimer IdleHold 1']),
    ],
  };
}

const same = (next: FsmStateName, actions: string[] = []): Row => ({ next, actions, counter: 3 });

const STARTS: FsmEventType[] = [
  'ManualStart',
  'AutomaticStart',
  'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_DampPeerOscillations',
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
];

function fill(rows: Partial<Record<FsmEventType, Row>>, ignored: FsmEventType[], self: FsmStateName): Record<FsmEventType, Row> {
  const out: Partial<Record<FsmEventType, Row>> = { ...rows };
  for (const ev of ignored) out[ev] = same(self);
  return out as Record<FsmEventType, Row>;
}

const connectStart = ['StopTimer IdleHold', 'StartTimer ConnectRetry 120', 'InitiateTcp'];
const activeStart = ['StopTimer IdleHold', 'StartTimer ConnectRetry 120'];

const TABLE: Record<FsmStateName, Record<FsmEventType, Row>> = {
  Idle: fill(
    {
      ManualStart: { next: 'Connect', actions: connectStart, counter: 0 },
      AutomaticStart: { next: 'Connect', actions: connectStart, counter: 0 },
      ManualStart_with_PassiveTcpEstablishment: { next: 'Active', actions: activeStart, counter: 0 },
      AutomaticStart_with_PassiveTcpEstablishment: { next: 'Active', actions: activeStart, counter: 0 },
      AutomaticStart_with_DampPeerOscillations: same('Idle', ['StartTimer IdleHold 1']),
      AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: same('Idle', ['StartTimer IdleHold 1']),
      IdleHoldTimer_Expires: { next: 'Connect', actions: connectStart, counter: 0 },
      ManualStop: same('Idle', ['StopTimer IdleHold']),
      AutomaticStop: same('Idle', ['StopTimer IdleHold']),
    },
    [
      'ConnectRetryTimer_Expires',
      'HoldTimer_Expires',
      'KeepaliveTimer_Expires',
      'TcpConnection_Valid',
      'Tcp_CR_Invalid',
      'Tcp_CR_Acked',
      'TcpConnectionConfirmed',
      'TcpConnectionFails',
      'BGPOpen',
      'BGPHeaderErr',
      'BGPOpenMsgErr',
      'OpenCollisionDump',
      'NotifMsgVerErr',
      'NotifMsg',
      'KeepAliveMsg',
      'UpdateMsg',
      'UpdateMsgErr',
      'IdleHoldResetTimer_Expires',
    ],
    'Idle',
  ),

  Connect: fill(
    {
      ManualStop: toIdle('Connect', 'ManualStop', 0),
      AutomaticStop: toIdle('Connect', 'AutomaticStop', 4),
      ConnectRetryTimer_Expires: same('Connect', ['DropTcp', 'StartTimer ConnectRetry 120', 'InitiateTcp']),
      HoldTimer_Expires: toIdle('Connect', 'HoldTimer_Expires', 4),
      KeepaliveTimer_Expires: toIdle('Connect', 'KeepaliveTimer_Expires', 4),
      IdleHoldTimer_Expires: toIdle('Connect', 'IdleHoldTimer_Expires', 4),
      Tcp_CR_Acked: same('OpenSent', ['StopTimer ConnectRetry', 'SendOpen', 'StartTimer Hold 240']),
      TcpConnectionConfirmed: same('OpenSent', ['StopTimer ConnectRetry', 'SendOpen', 'StartTimer Hold 240']),
      // Without DelayOpen the counter is left alone here.
      TcpConnectionFails: toIdle('Connect', 'TcpConnectionFails', 3),
      BGPOpen: toIdle('Connect', 'BGPOpen', 4),
      // SendNOTIFICATIONwithoutOPEN is off by default: no NOTIFICATION before our OPEN.
      BGPHeaderErr: toIdle('Connect', 'BGPHeaderErr', 4),
      BGPOpenMsgErr: toIdle('Connect', 'BGPOpenMsgErr', 4),
      OpenCollisionDump: toIdle('Connect', 'OpenCollisionDump', 4),
      NotifMsgVerErr: toIdle('Connect', 'NotifMsgVerErr', 4),
      NotifMsg: toIdle('Connect', 'NotifMsg', 4),
      KeepAliveMsg: toIdle('Connect', 'KeepAliveMsg', 4),
      UpdateMsg: toIdle('Connect', 'UpdateMsg', 4),
      UpdateMsgErr: toIdle('Connect', 'UpdateMsgErr', 4),
    },
    [...STARTS, 'TcpConnection_Valid', 'Tcp_CR_Invalid', 'IdleHoldResetTimer_Expires'],
    'Connect',
  ),

  Active: fill(
    {
      ManualStop: toIdle('Active', 'ManualStop', 0),
      AutomaticStop: toIdle('Active', 'AutomaticStop', 4),
      ConnectRetryTimer_Expires: same('Connect', ['StartTimer ConnectRetry 120', 'InitiateTcp']),
      HoldTimer_Expires: toIdle('Active', 'HoldTimer_Expires', 4),
      KeepaliveTimer_Expires: toIdle('Active', 'KeepaliveTimer_Expires', 4),
      IdleHoldTimer_Expires: toIdle('Active', 'IdleHoldTimer_Expires', 4),
      Tcp_CR_Acked: same('OpenSent', ['StopTimer ConnectRetry', 'SendOpen', 'StartTimer Hold 240']),
      TcpConnectionConfirmed: same('OpenSent', ['StopTimer ConnectRetry', 'SendOpen', 'StartTimer Hold 240']),
      TcpConnectionFails: toIdle('Active', 'TcpConnectionFails', 4),
      BGPOpen: toIdle('Active', 'BGPOpen', 4),
      BGPHeaderErr: toIdle('Active', 'BGPHeaderErr', 4),
      BGPOpenMsgErr: toIdle('Active', 'BGPOpenMsgErr', 4),
      OpenCollisionDump: toIdle('Active', 'OpenCollisionDump', 4),
      NotifMsgVerErr: toIdle('Active', 'NotifMsgVerErr', 4),
      NotifMsg: toIdle('Active', 'NotifMsg', 4),
      KeepAliveMsg: toIdle('Active', 'KeepAliveMsg', 4),
      UpdateMsg: toIdle('Active', 'UpdateMsg', 4),
      UpdateMsgErr: toIdle('Active', 'UpdateMsgErr', 4),
    },
    [...STARTS, 'TcpConnection_Valid', 'Tcp_CR_Invalid', 'IdleHoldResetTimer_Expires'],
    'Active',
  ),

  OpenSent: fill(
    {
      ManualStop: toIdle('OpenSent', 'ManualStop', 0, '6/2'),
      AutomaticStop: toIdle('OpenSent', 'AutomaticStop', 4, '6/0'),
      HoldTimer_Expires: toIdle('OpenSent', 'HoldTimer_Expires', 4, '4/0'),
      ConnectRetryTimer_Expires: toIdle('OpenSent', 'ConnectRetryTimer_Expires', 4, '5/0'),
      KeepaliveTimer_Expires: toIdle('OpenSent', 'KeepaliveTimer_Expires', 4, '5/0'),
      IdleHoldTimer_Expires: toIdle('OpenSent', 'IdleHoldTimer_Expires', 4, '5/0'),
      TcpConnectionFails: same('Active', ['StopTimer Hold', 'DropTcp', 'StartTimer ConnectRetry 120']),
      // Hold time min(90, 180) = 90, keepalive 90/3.
      BGPOpen: same('OpenConfirm', ['StopTimer ConnectRetry', 'SendKeepalive', 'StartTimer Keepalive 30', 'StartTimer Hold 90']),
      BGPHeaderErr: toIdle('OpenSent', 'BGPHeaderErr', 4, '1/2'),
      BGPOpenMsgErr: toIdle('OpenSent', 'BGPOpenMsgErr', 4, '2/7'),
      OpenCollisionDump: toIdle('OpenSent', 'OpenCollisionDump', 4, '6/7'),
      NotifMsgVerErr: toIdle('OpenSent', 'NotifMsgVerErr', 3),
      // RFC 6608: "Receive Unexpected Message in OpenSent State".
      NotifMsg: toIdle('OpenSent', 'NotifMsg', 4, '5/1'),
      KeepAliveMsg: toIdle('OpenSent', 'KeepAliveMsg', 4, '5/1'),
      UpdateMsg: toIdle('OpenSent', 'UpdateMsg', 4, '5/1'),
      UpdateMsgErr: toIdle('OpenSent', 'UpdateMsgErr', 4, '5/1'),
    },
    [...STARTS, 'TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed', 'IdleHoldResetTimer_Expires'],
    'OpenSent',
  ),

  OpenConfirm: fill(
    {
      ManualStop: toIdle('OpenConfirm', 'ManualStop', 0, '6/2'),
      AutomaticStop: toIdle('OpenConfirm', 'AutomaticStop', 4, '6/0'),
      HoldTimer_Expires: toIdle('OpenConfirm', 'HoldTimer_Expires', 4, '4/0'),
      KeepaliveTimer_Expires: same('OpenConfirm', ['SendKeepalive', 'StartTimer Keepalive 30']),
      ConnectRetryTimer_Expires: toIdle('OpenConfirm', 'ConnectRetryTimer_Expires', 4, '5/0'),
      IdleHoldTimer_Expires: toIdle('OpenConfirm', 'IdleHoldTimer_Expires', 4, '5/0'),
      TcpConnectionFails: toIdle('OpenConfirm', 'TcpConnectionFails', 4),
      NotifMsg: toIdle('OpenConfirm', 'NotifMsg', 4),
      NotifMsgVerErr: toIdle('OpenConfirm', 'NotifMsgVerErr', 3),
      BGPOpen: toIdle('OpenConfirm', 'BGPOpen', 4, '5/2'),
      BGPHeaderErr: toIdle('OpenConfirm', 'BGPHeaderErr', 4, '1/2'),
      BGPOpenMsgErr: toIdle('OpenConfirm', 'BGPOpenMsgErr', 4, '2/7'),
      OpenCollisionDump: toIdle('OpenConfirm', 'OpenCollisionDump', 4, '6/7'),
      KeepAliveMsg: same('Established', ['StartTimer Hold 90', 'StartTimer IdleHoldReset 120', 'SessionEstablished 90/30']),
      UpdateMsg: toIdle('OpenConfirm', 'UpdateMsg', 4, '5/2'),
      UpdateMsgErr: toIdle('OpenConfirm', 'UpdateMsgErr', 4, '5/2'),
    },
    [...STARTS, 'TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed', 'IdleHoldResetTimer_Expires'],
    'OpenConfirm',
  ),

  Established: fill(
    {
      ManualStop: toIdle('Established', 'ManualStop', 0, '6/2'),
      AutomaticStop: toIdle('Established', 'AutomaticStop', 4, '6/0'),
      HoldTimer_Expires: toIdle('Established', 'HoldTimer_Expires', 4, '4/0'),
      KeepaliveTimer_Expires: same('Established', ['SendKeepalive', 'StartTimer Keepalive 30']),
      ConnectRetryTimer_Expires: toIdle('Established', 'ConnectRetryTimer_Expires', 4, '5/0'),
      IdleHoldTimer_Expires: toIdle('Established', 'IdleHoldTimer_Expires', 4, '5/0'),
      TcpConnectionFails: toIdle('Established', 'TcpConnectionFails', 4),
      NotifMsg: toIdle('Established', 'NotifMsg', 4),
      NotifMsgVerErr: toIdle('Established', 'NotifMsgVerErr', 4),
      BGPOpen: toIdle('Established', 'BGPOpen', 4, '5/3'),
      BGPHeaderErr: toIdle('Established', 'BGPHeaderErr', 4, '1/2'),
      BGPOpenMsgErr: toIdle('Established', 'BGPOpenMsgErr', 4, '5/3'),
      OpenCollisionDump: toIdle('Established', 'OpenCollisionDump', 4, '6/7'),
      KeepAliveMsg: same('Established', ['StartTimer Hold 90']),
      UpdateMsg: same('Established', ['ProcessUpdate', 'StartTimer Hold 90']),
      UpdateMsgErr: toIdle('Established', 'UpdateMsgErr', 4, '3/1'),
    },
    [...STARTS, 'TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed', 'IdleHoldResetTimer_Expires'],
    'Established',
  ),
};

describe('RFC 4271 §8.2.2 transition table', () => {
  for (const [stateName, rows] of Object.entries(TABLE) as [FsmStateName, Record<FsmEventType, Row>][]) {
    it(`${stateName}: the table covers every event`, () => {
      expect(Object.keys(rows).sort()).toEqual(Object.keys(EVENTS).sort());
    });
    describe(stateName, () => {
      for (const [evName, row] of Object.entries(rows) as [FsmEventType, Row][]) {
        it(`${evName} → ${row.next}`, () => {
          const before = stateIn(stateName, { connectRetryCounter: 3 });
          const frozen = structuredClone(before);
          const { next, actions } = step(before, EVENTS[evName], CFG);
          expect(next.state).toBe(row.next);
          expect(actions.map(fmt)).toEqual(row.actions);
          expect(next.connectRetryCounter).toBe(row.counter);
          // Pure: the input state is never modified.
          expect(before).toEqual(frozen);
        });
      }
    });
  }
});
