import {
  fsmConfig,
  initialState,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmEventType,
  type FsmState,
  type FsmStateName,
} from '../../../src/bgp/fsm';

export const CFG: FsmConfig = fsmConfig({
  localAs: 65001,
  localId: '10.0.0.1',
  peerAs: 65002,
  holdTime: 90,
  connectRetryTime: 120,
  largeHoldTime: 240,
});

export const GOOD_OPEN = { version: 4, as: 65002, holdTime: 180, bgpId: '10.0.0.2' };

/** One sample of every event the FSM knows, with a payload where it takes one. */
export const EVENTS: Record<FsmEventType, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  ManualStart_with_PassiveTcpEstablishment: { type: 'ManualStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_PassiveTcpEstablishment: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_DampPeerOscillations: { type: 'AutomaticStart_with_DampPeerOscillations' },
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: {
    type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
  },
  AutomaticStop: { type: 'AutomaticStop' },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  TcpConnection_Valid: { type: 'TcpConnection_Valid' },
  Tcp_CR_Invalid: { type: 'Tcp_CR_Invalid' },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked' },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open: GOOD_OPEN },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: { code: 1, subcode: 2, data: Uint8Array.from([0, 17]) } },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: { code: 2, subcode: 7, data: new Uint8Array(0) } },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: { code: 2, subcode: 1, data: Uint8Array.from([0, 4]) } },
  NotifMsg: { type: 'NotifMsg', notification: { code: 6, subcode: 2, data: new Uint8Array(0) } },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg' },
  UpdateMsgErr: { type: 'UpdateMsgErr', error: { code: 3, subcode: 1, data: new Uint8Array(0) } },
  IdleHoldResetTimer_Expires: { type: 'IdleHoldResetTimer_Expires' },
};

/** A state as the FSM would have it after reaching `name` normally (hold 90 negotiated, keepalive 30). */
export function stateIn(name: FsmStateName, extra: Partial<FsmState> = {}): FsmState {
  const negotiated = name === 'OpenConfirm' || name === 'Established';
  return {
    ...initialState(CFG),
    state: name,
    holdTime: negotiated ? 90 : 0,
    keepaliveTime: negotiated ? 30 : 0,
    ...(negotiated ? { peerAs: 65002, peerId: '10.0.0.2' } : {}),
    ...extra,
  };
}

/** Actions as short strings so a table row reads like the RFC's bullet list. */
export function fmt(a: FsmAction): string {
  switch (a.type) {
    case 'SendNotification':
      return `SendNotification ${a.code}/${a.subcode}`;
    case 'StartTimer':
      return `StartTimer ${a.name} ${a.seconds}`;
    case 'StopTimer':
      return `StopTimer ${a.name}`;
    case 'SessionDown':
      return `SessionDown ${a.reason}`;
    case 'SessionEstablished':
      return `SessionEstablished ${a.holdTime}/${a.keepaliveTime}`;
    default:
      return a.type;
  }
}
