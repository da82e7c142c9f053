import { CeaseSub, FsmSub } from './wire/notification';
import { ipv4ToU32, type Ip } from '../util/ip';
import { ErrCode, OpenSub } from './wire/errors';

/**
 * The BGP finite state machine of RFC 4271 §8 as a pure function:
 * step(state, event, cfg) → { next, actions }. It owns no socket and no
 * timer; the session layer feeds it events (messages decoded from the
 * connection, TCP outcomes, timer expiries from timers.ts) and carries out
 * the returned actions in order. One FSM instance describes one TCP
 * connection to one peer; connection collisions (§6.8) are decided by the
 * session layer with resolveCollision() below, which then feeds
 * OpenCollisionDump to the losing connection.
 *
 * Optional session attributes (§8.1.1) supported: PassiveTcpEstablishment,
 * AllowAutomaticStart, DampPeerOscillations (IdleHoldTimer), and
 * SendNOTIFICATIONwithoutOPEN. DelayOpen is not implemented (the
 * DelayOpenTimer events cannot occur); CollisionDetectEstablishedState is
 * an input of resolveCollision().
 *
 * Places where this machine deliberately departs from the letter of §8.2.2,
 * each because the text is self-contradictory or has no observable effect:
 *  - Active + ConnectRetryTimer_Expires with PassiveTcpEstablishment restarts
 *    the timer and stays in Active instead of initiating a connection: a
 *    passive peer never initiates (§8.1.1 option 6).
 *  - Active + TcpConnectionFails "restarts the ConnectRetryTimer" and goes to
 *    Idle, where its expiry is ignored; we stop it instead (same behaviour).
 *  - OpenSent + TcpConnectionFails also stops the large HoldTimer, which
 *    would otherwise later knock Active down to Idle.
 *  - Established + BGPHeaderErr sends the Message Header Error the decoder
 *    found (§6.1 MUST) rather than the FSM Error of the catch-all list.
 *  - ManualStop / AutomaticStop in Idle cancel a pending automatic restart
 *    (the IdleHoldTimer); the RFC only says they are ignored there.
 */

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** Timers the machine starts and stops; timers.ts turns their expiry into the events below. */
export type TimerName = 'ConnectRetry' | 'Hold' | 'Keepalive' | 'IdleHold' | 'IdleHoldReset';

/** A NOTIFICATION to send or that was received (RFC 4271 §4.5). */
export interface Notification {
  code: number;
  subcode: number;
  data: Uint8Array;
}

/** The parts of a received OPEN the FSM checks and negotiates (RFC 4271 §4.2, §6.2). */
export interface OpenInfo {
  version: number;
  /** The peer's AS: the 4-octet AS capability value when present (RFC 6793), else My Autonomous System. */
  as: number;
  holdTime: number;
  bgpId: Ip;
}

/** A Cease NOTIFICATION subcode and optional data (RFC 4486; shutdown communication RFC 9003). */
export interface CeaseReason {
  subcode: number;
  data?: Uint8Array;
}

/** RFC 4271 §8.1 event names; the number in each comment is the RFC's event number. */
export type FsmEvent =
  | { type: 'ManualStart' } // 1
  | { type: 'ManualStop'; cease?: CeaseReason } // 2
  | { type: 'AutomaticStart' } // 3
  | { type: 'ManualStart_with_PassiveTcpEstablishment' } // 4
  | { type: 'AutomaticStart_with_PassiveTcpEstablishment' } // 5
  | { type: 'AutomaticStart_with_DampPeerOscillations' } // 6
  | { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // 7
  | { type: 'AutomaticStop'; cease?: CeaseReason } // 8
  | { type: 'ConnectRetryTimer_Expires' } // 9
  | { type: 'HoldTimer_Expires' } // 10
  | { type: 'KeepaliveTimer_Expires' } // 11
  | { type: 'IdleHoldTimer_Expires' } // 13
  | { type: 'TcpConnection_Valid' } // 14
  | { type: 'Tcp_CR_Invalid' } // 15
  | { type: 'Tcp_CR_Acked' } // 16
  | { type: 'TcpConnectionConfirmed' } // 17
  | { type: 'TcpConnectionFails' } // 18
  | { type: 'BGPOpen'; open: OpenInfo } // 19
  | { type: 'BGPHeaderErr'; error: Notification } // 21
  | { type: 'BGPOpenMsgErr'; error: Notification } // 22
  | { type: 'OpenCollisionDump' } // 23
  | { type: 'NotifMsgVerErr'; notification?: Notification } // 24
  | { type: 'NotifMsg'; notification?: Notification } // 25
  | { type: 'KeepAliveMsg' } // 26
  | { type: 'UpdateMsg' } // 27
  | { type: 'UpdateMsgErr'; error: Notification } // 28
  /**
   * Not in RFC 4271: the session stayed Established for idleHoldResetTime, so
   * the oscillation back-off starts over (OpenBGPD's IdleHoldReset timer).
   */
  | { type: 'IdleHoldResetTimer_Expires' };

export type FsmEventType = FsmEvent['type'];

export type FsmAction =
  | { type: 'InitiateTcp' }
  | { type: 'DropTcp' }
  | { type: 'SendOpen' }
  | { type: 'SendKeepalive' }
  | ({ type: 'SendNotification' } & Notification)
  | { type: 'StartTimer'; name: TimerName; seconds: number }
  | { type: 'StopTimer'; name: TimerName }
  /** Pass the UPDATE just received to the RIB. */
  | { type: 'ProcessUpdate' }
  /** Withdraw every route learned over this connection (leaving Established). */
  | { type: 'DeleteRoutes' }
  | { type: 'ReleaseResources' }
  | { type: 'SessionEstablished'; holdTime: number; keepaliveTime: number }
  | {
      type: 'SessionDown';
      /** The event that took the connection back to Idle. */
      reason: FsmEventType;
      /** State the connection was in. */
      from: FsmStateName;
      /** The NOTIFICATION we sent, if any. */
      sent?: Notification;
      /** The NOTIFICATION the peer sent, if that was the cause. */
      received?: Notification;
    };

/** Mandatory session attributes of RFC 4271 §8 plus what this FSM learns on the way. */
export interface FsmState {
  state: FsmStateName;
  /** Failed attempts since the last ManualStart/ManualStop (RFC 4271 §8). */
  connectRetryCounter: number;
  /** Negotiated HoldTime in seconds once an OPEN was accepted; 0 before that (and when negotiated to 0). */
  holdTime: number;
  /** KeepaliveTime derived from holdTime; 0 means no keepalives (hold time 0). */
  keepaliveTime: number;
  /** PassiveTcpEstablishment for the current start: wait for the peer, never connect. */
  passive: boolean;
  /** The IdleHoldTime (s) the next automatic restart waits; doubles on each failure up to maxIdleHoldTime. */
  idleHoldTime: number;
  /** From the accepted OPEN: the peer's AS and BGP Identifier (needed for collision detection). */
  peerAs?: number;
  peerId?: Ip;
}

export interface FsmConfig {
  localAs: number;
  localId: Ip;
  /** Expected peer AS; an OPEN from another AS is refused with 2/2. Undefined accepts any. */
  peerAs?: number;
  /** Our HoldTime (s): 0, or at least 3 (RFC 4271 §4.2). */
  holdTime: number;
  /** Our KeepaliveTime (s); never more than a third of the negotiated hold time. Undefined: hold/3. */
  keepaliveTime?: number;
  /** ConnectRetryTime (s); RFC 4271 §10 suggests 120. */
  connectRetryTime: number;
  /** HoldTimer while waiting for the peer's OPEN; RFC 4271 §8.2.2 suggests 4 minutes. */
  largeHoldTime: number;
  /** Send a NOTIFICATION for header/OPEN errors detected before our OPEN went out (§8.1.1 option 7). */
  sendNotificationWithoutOpen: boolean;
  /** Restart by itself (after the IdleHoldTimer) when the connection falls to Idle for a reason other than a stop. */
  allowAutomaticStart: boolean;
  /** Double the IdleHoldTime after each failure (§8.1.1 DampPeerOscillations); otherwise it stays at idleHoldTime. */
  dampPeerOscillations: boolean;
  /** Initial IdleHoldTime (s). */
  idleHoldTime: number;
  /** Cap of the back-off (s). */
  maxIdleHoldTime: number;
  /** How long (s) the session must stay Established before the back-off resets to idleHoldTime. */
  idleHoldResetTime: number;
}

/**
 * Defaults: hold/keepalive as FRR's traditional profile (180/60), connect
 * retry 120 s (RFC 4271 §10), and an IdleHold back-off starting at 1 s,
 * doubling to at most 120 s, forgotten after two minutes of stable session
 * (FRR restarts after 1 s doubling to 120 s; OpenBGPD resets its back-off
 * once a session has stayed up).
 */
export function fsmConfig(base: Pick<FsmConfig, 'localAs' | 'localId'> & Partial<FsmConfig>): FsmConfig {
  return {
    holdTime: 180,
    connectRetryTime: 120,
    largeHoldTime: 240,
    sendNotificationWithoutOpen: false,
    allowAutomaticStart: true,
    dampPeerOscillations: true,
    idleHoldTime: 1,
    maxIdleHoldTime: 120,
    idleHoldResetTime: 120,
    ...base,
  };
}

export function initialState(cfg: FsmConfig, passive = false): FsmState {
  return { state: 'Idle', connectRetryCounter: 0, holdTime: 0, keepaliveTime: 0, passive, idleHoldTime: cfg.idleHoldTime };
}

export interface StepResult {
  next: FsmState;
  actions: FsmAction[];
}


const EMPTY = new Uint8Array(0);

function notif(code: number, subcode: number, data: Uint8Array = EMPTY): Notification {
  return { code, subcode, data };
}

function sendNotif(n: Notification): FsmAction {
  return { type: 'SendNotification', code: n.code, subcode: n.subcode, data: n.data };
}

/** Messages (as opposed to timers) for RFC 6608's "Receive Unexpected Message in <state>" subcodes. */
const MESSAGE_EVENTS: ReadonlySet<FsmEventType> = new Set<FsmEventType>([
  'BGPOpen',
  'BGPOpenMsgErr',
  'NotifMsg',
  'NotifMsgVerErr',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
]);

function fsmError(state: 'OpenSent' | 'OpenConfirm' | 'Established', ev: FsmEventType): Notification {
  if (!MESSAGE_EVENTS.has(ev)) return notif(ErrCode.FSM, FsmSub.UNSPECIFIED);
  const sub =
    state === 'OpenSent'
      ? FsmSub.UNEXPECTED_IN_OPENSENT
      : state === 'OpenConfirm'
        ? FsmSub.UNEXPECTED_IN_OPENCONFIRM
        : FsmSub.UNEXPECTED_IN_ESTABLISHED;
  return notif(ErrCode.FSM, sub);
}

function cease(reason: CeaseReason | undefined, dflt: number): Notification {
  return notif(ErrCode.CEASE, reason?.subcode ?? dflt, reason?.data ?? EMPTY);
}

/**
 * RFC 4271 §4.2 / §10: the hold time is the smaller of both proposals; the
 * keepalive interval is ours but never more than a third of it, and there
 * are no keepalives when the hold time is 0.
 */
export function negotiateTimers(cfg: FsmConfig, peerHoldTime: number): { holdTime: number; keepaliveTime: number } {
  const holdTime = Math.min(cfg.holdTime, peerHoldTime);
  if (holdTime === 0) return { holdTime: 0, keepaliveTime: 0 };
  const third = Math.floor(holdTime / 3);
  const wanted = cfg.keepaliveTime !== undefined && cfg.keepaliveTime > 0 ? cfg.keepaliveTime : third;
  return { holdTime, keepaliveTime: Math.max(1, Math.min(wanted, third)) };
}

/**
 * OPEN checks of RFC 4271 §6.2 that need the session's configuration, in
 * the order §6.2 lists them. Returns the NOTIFICATION to send, or null.
 * (Capability and optional-parameter errors are the OPEN decoder's.)
 */
export function validateOpen(open: OpenInfo, cfg: FsmConfig): Notification | null {
  // Unsupported Version: the data is the 2-octet version we do support.
  if (open.version !== 4) return notif(ErrCode.OPEN_MESSAGE, OpenSub.UNSUPPORTED_VERSION, Uint8Array.from([0, 4]));
  if (cfg.peerAs !== undefined && open.as !== cfg.peerAs) return notif(ErrCode.OPEN_MESSAGE, OpenSub.BAD_PEER_AS);
  // Hold Time MUST be 0 or at least three seconds.
  if (open.holdTime === 1 || open.holdTime === 2) return notif(ErrCode.OPEN_MESSAGE, OpenSub.UNACCEPTABLE_HOLD_TIME);
  // RFC 6286 §2.2: zero is never valid; our own identifier only from an external peer.
  if (open.bgpId === '0.0.0.0' || (open.as === cfg.localAs && open.bgpId === cfg.localId)) {
    return notif(ErrCode.OPEN_MESSAGE, OpenSub.BAD_BGP_IDENTIFIER);
  }
  return null;
}

interface DownOpts {
  /** NOTIFICATION to send before closing. */
  sent?: Notification;
  received?: Notification;
  counter: 'increment' | 'reset' | 'keep';
}

const TIMERS_OF: Record<FsmStateName, TimerName[]> = {
  Idle: [],
  Connect: ['ConnectRetry'],
  Active: ['ConnectRetry'],
  OpenSent: ['ConnectRetry', 'Hold'],
  OpenConfirm: ['ConnectRetry', 'Hold', 'Keepalive'],
  Established: ['ConnectRetry', 'Hold', 'Keepalive', 'IdleHoldReset'],
};

/**
 * The common tail of every "changes its state to Idle" paragraph of §8.2.2:
 * (send NOTIFICATION,) set ConnectRetryTimer to zero, (delete routes,)
 * release resources, drop TCP, adjust ConnectRetryCounter, and (optionally)
 * damp peer oscillations: here, arm the IdleHoldTimer for the automatic
 * restart and double the next wait.
 */
function toIdle(s: FsmState, cfg: FsmConfig, ev: FsmEvent, o: DownOpts): StepResult {
  const actions: FsmAction[] = [];
  if (o.sent) actions.push(sendNotif(o.sent));
  for (const name of TIMERS_OF[s.state]) actions.push({ type: 'StopTimer', name });
  if (s.state === 'Established') actions.push({ type: 'DeleteRoutes' });
  actions.push({ type: 'ReleaseResources' }, { type: 'DropTcp' });
  const down: Extract<FsmAction, { type: 'SessionDown' }> = { type: 'SessionDown', reason: ev.type, from: s.state };
  if (o.sent) down.sent = o.sent;
  if (o.received) down.received = o.received;
  actions.push(down);

  const stopped = ev.type === 'ManualStop' || ev.type === 'AutomaticStop';
  let idleHoldTime = s.idleHoldTime;
  if (stopped) {
    idleHoldTime = cfg.idleHoldTime;
  } else if (cfg.allowAutomaticStart) {
    actions.push({ type: 'StartTimer', name: 'IdleHold', seconds: s.idleHoldTime });
    if (cfg.dampPeerOscillations) idleHoldTime = Math.min(Math.max(1, s.idleHoldTime * 2), cfg.maxIdleHoldTime);
  }
  const counter =
    o.counter === 'increment' ? s.connectRetryCounter + 1 : o.counter === 'reset' ? 0 : s.connectRetryCounter;
  return {
    next: {
      state: 'Idle',
      connectRetryCounter: counter,
      holdTime: 0,
      keepaliveTime: 0,
      passive: s.passive,
      idleHoldTime,
    },
    actions,
  };
}

function stay(s: FsmState, actions: FsmAction[] = []): StepResult {
  return { next: s, actions };
}

/** Idle + a start event: §8.2.2 Idle, events 1/3 (to Connect) and 4/5 (to Active). */
function start(s: FsmState, cfg: FsmConfig, passive: boolean, manual: boolean): StepResult {
  const actions: FsmAction[] = [
    { type: 'StopTimer', name: 'IdleHold' },
    { type: 'StartTimer', name: 'ConnectRetry', seconds: cfg.connectRetryTime },
  ];
  if (!passive) actions.push({ type: 'InitiateTcp' });
  return {
    next: {
      state: passive ? 'Active' : 'Connect',
      connectRetryCounter: 0,
      holdTime: 0,
      keepaliveTime: 0,
      passive,
      // An operator's start forgets the back-off; an automatic one keeps it.
      idleHoldTime: manual ? cfg.idleHoldTime : s.idleHoldTime,
    },
    actions,
  };
}

/** Connect/Active + Tcp_CR_Acked or TcpConnectionConfirmed: send OPEN, wait for the peer's with a large HoldTimer. */
function openSent(s: FsmState, cfg: FsmConfig): StepResult {
  return {
    next: { ...s, state: 'OpenSent' },
    actions: [
      { type: 'StopTimer', name: 'ConnectRetry' },
      { type: 'SendOpen' },
      { type: 'StartTimer', name: 'Hold', seconds: cfg.largeHoldTime },
    ],
  };
}

function restartHold(s: FsmState): FsmAction[] {
  return s.holdTime > 0 ? [{ type: 'StartTimer', name: 'Hold', seconds: s.holdTime }] : [];
}

function sendKeepalive(s: FsmState): FsmAction[] {
  const a: FsmAction[] = [{ type: 'SendKeepalive' }];
  if (s.keepaliveTime > 0) a.push({ type: 'StartTimer', name: 'Keepalive', seconds: s.keepaliveTime });
  return a;
}

function received(ev: FsmEvent): Notification | undefined {
  return ev.type === 'NotifMsg' || ev.type === 'NotifMsgVerErr' ? ev.notification : undefined;
}

/** One transition of the RFC 4271 §8.2.2 machine. Never throws; never mutates `s`. */
export function step(s: FsmState, ev: FsmEvent, cfg: FsmConfig): StepResult {
  switch (s.state) {
    case 'Idle':
      switch (ev.type) {
        case 'ManualStart':
          return start(s, cfg, false, true);
        case 'AutomaticStart':
          return start(s, cfg, false, false);
        case 'ManualStart_with_PassiveTcpEstablishment':
          return start(s, cfg, true, true);
        case 'AutomaticStart_with_PassiveTcpEstablishment':
          return start(s, cfg, true, false);
        case 'AutomaticStart_with_DampPeerOscillations':
        case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': {
          const passive = ev.type !== 'AutomaticStart_with_DampPeerOscillations';
          // Without damping these are plain automatic starts; with it, the
          // start waits out the current IdleHoldTime (events 6, 7, 13).
          if (!cfg.dampPeerOscillations) return start(s, cfg, passive, false);
          return stay({ ...s, passive }, [{ type: 'StartTimer', name: 'IdleHold', seconds: s.idleHoldTime }]);
        }
        case 'IdleHoldTimer_Expires':
          return cfg.allowAutomaticStart ? start(s, cfg, s.passive, false) : stay(s);
        case 'ManualStop':
        case 'AutomaticStop':
          return stay({ ...s, idleHoldTime: cfg.idleHoldTime }, [{ type: 'StopTimer', name: 'IdleHold' }]);
        default:
          // Events 9-12, 14-28: no change (Idle refuses connections).
          return stay(s);
      }

    case 'Connect':
      switch (ev.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'ManualStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_DampPeerOscillations':
        case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
        case 'TcpConnection_Valid':
        case 'Tcp_CR_Invalid':
        case 'IdleHoldResetTimer_Expires':
          return stay(s);
        case 'ManualStop':
          return toIdle(s, cfg, ev, { counter: 'reset' });
        case 'ConnectRetryTimer_Expires':
          return stay(s, [
            { type: 'DropTcp' },
            { type: 'StartTimer', name: 'ConnectRetry', seconds: cfg.connectRetryTime },
            { type: 'InitiateTcp' },
          ]);
        case 'Tcp_CR_Acked':
        case 'TcpConnectionConfirmed':
          return openSent(s, cfg);
        case 'TcpConnectionFails':
          // Without DelayOpen: back to Idle, counter unchanged.
          return toIdle(s, cfg, ev, { counter: 'keep' });
        case 'BGPHeaderErr':
        case 'BGPOpenMsgErr': {
          const o: DownOpts = { counter: 'increment' };
          if (cfg.sendNotificationWithoutOpen) o.sent = ev.error;
          return toIdle(s, cfg, ev, o);
        }
        default:
          // NotifMsgVerErr and every other event (8, 10, 11, 13, 19, 23, 25-28).
          return toIdle(s, cfg, ev, { counter: 'increment', ...optReceived(ev) });
      }

    case 'Active':
      switch (ev.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'ManualStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_DampPeerOscillations':
        case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
        case 'TcpConnection_Valid':
        case 'Tcp_CR_Invalid':
        case 'IdleHoldResetTimer_Expires':
          return stay(s);
        case 'ManualStop':
          return toIdle(s, cfg, ev, { counter: 'reset' });
        case 'ConnectRetryTimer_Expires': {
          const restart: FsmAction = { type: 'StartTimer', name: 'ConnectRetry', seconds: cfg.connectRetryTime };
          if (s.passive) return stay(s, [restart]);
          return { next: { ...s, state: 'Connect' }, actions: [restart, { type: 'InitiateTcp' }] };
        }
        case 'Tcp_CR_Acked':
        case 'TcpConnectionConfirmed':
          return openSent(s, cfg);
        case 'BGPHeaderErr':
        case 'BGPOpenMsgErr': {
          const o: DownOpts = { counter: 'increment' };
          if (cfg.sendNotificationWithoutOpen) o.sent = ev.error;
          return toIdle(s, cfg, ev, o);
        }
        default:
          // TcpConnectionFails, NotifMsgVerErr and every other event (8, 10, 11, 13, 19, 23, 25-28).
          return toIdle(s, cfg, ev, { counter: 'increment', ...optReceived(ev) });
      }

    case 'OpenSent':
      switch (ev.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'ManualStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_DampPeerOscillations':
        case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
        // A second connection is tracked by the session layer (§8.2.1.4).
        case 'TcpConnection_Valid':
        case 'Tcp_CR_Acked':
        case 'TcpConnectionConfirmed':
        case 'Tcp_CR_Invalid':
        case 'IdleHoldResetTimer_Expires':
          return stay(s);
        case 'ManualStop':
          return toIdle(s, cfg, ev, { counter: 'reset', sent: cease(ev.cease, CeaseSub.ADMINISTRATIVE_SHUTDOWN) });
        case 'AutomaticStop':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: cease(ev.cease, CeaseSub.UNSPECIFIED) });
        case 'HoldTimer_Expires':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: notif(ErrCode.HOLD_TIMER_EXPIRED, 0) });
        case 'TcpConnectionFails':
          return {
            next: { ...s, state: 'Active' },
            actions: [
              { type: 'StopTimer', name: 'Hold' },
              { type: 'DropTcp' },
              { type: 'StartTimer', name: 'ConnectRetry', seconds: cfg.connectRetryTime },
            ],
          };
        case 'BGPOpen': {
          const err = validateOpen(ev.open, cfg);
          if (err) return toIdle(s, cfg, ev, { counter: 'increment', sent: err });
          const t = negotiateTimers(cfg, ev.open.holdTime);
          const next: FsmState = {
            ...s,
            state: 'OpenConfirm',
            holdTime: t.holdTime,
            keepaliveTime: t.keepaliveTime,
            peerAs: ev.open.as,
            peerId: ev.open.bgpId,
          };
          const actions: FsmAction[] = [{ type: 'StopTimer', name: 'ConnectRetry' }, ...sendKeepalive(next)];
          // Hold time 0: neither HoldTimer nor KeepaliveTimer runs, so the large one must go.
          actions.push(t.holdTime > 0 ? { type: 'StartTimer', name: 'Hold', seconds: t.holdTime } : { type: 'StopTimer', name: 'Hold' });
          return { next, actions };
        }
        case 'BGPHeaderErr':
        case 'BGPOpenMsgErr':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: ev.error });
        case 'OpenCollisionDump':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: notif(ErrCode.CEASE, CeaseSub.CONNECTION_COLLISION_RESOLUTION) });
        case 'NotifMsgVerErr':
          return toIdle(s, cfg, ev, { counter: 'keep', ...optReceived(ev) });
        default:
          // Events 9, 11, 13, 25-28.
          return toIdle(s, cfg, ev, { counter: 'increment', sent: fsmError('OpenSent', ev.type), ...optReceived(ev) });
      }

    case 'OpenConfirm':
      switch (ev.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'ManualStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_DampPeerOscillations':
        case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
        case 'TcpConnection_Valid':
        case 'Tcp_CR_Acked':
        case 'TcpConnectionConfirmed':
        case 'Tcp_CR_Invalid':
        case 'IdleHoldResetTimer_Expires':
          return stay(s);
        case 'ManualStop':
          return toIdle(s, cfg, ev, { counter: 'reset', sent: cease(ev.cease, CeaseSub.ADMINISTRATIVE_SHUTDOWN) });
        case 'AutomaticStop':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: cease(ev.cease, CeaseSub.UNSPECIFIED) });
        case 'HoldTimer_Expires':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: notif(ErrCode.HOLD_TIMER_EXPIRED, 0) });
        case 'KeepaliveTimer_Expires':
          return stay(s, sendKeepalive(s));
        case 'TcpConnectionFails':
        case 'NotifMsg':
          return toIdle(s, cfg, ev, { counter: 'increment', ...optReceived(ev) });
        case 'NotifMsgVerErr':
          return toIdle(s, cfg, ev, { counter: 'keep', ...optReceived(ev) });
        case 'BGPHeaderErr':
        case 'BGPOpenMsgErr':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: ev.error });
        case 'OpenCollisionDump':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: notif(ErrCode.CEASE, CeaseSub.CONNECTION_COLLISION_RESOLUTION) });
        case 'KeepAliveMsg':
          return {
            next: { ...s, state: 'Established' },
            actions: [
              ...restartHold(s),
              { type: 'StartTimer', name: 'IdleHoldReset', seconds: cfg.idleHoldResetTime },
              { type: 'SessionEstablished', holdTime: s.holdTime, keepaliveTime: s.keepaliveTime },
            ],
          };
        default:
          // Events 9, 13, 19 (a second OPEN on this connection: collisions
          // between connections arrive as OpenCollisionDump), 27, 28.
          return toIdle(s, cfg, ev, { counter: 'increment', sent: fsmError('OpenConfirm', ev.type) });
      }

    case 'Established':
      switch (ev.type) {
        case 'ManualStart':
        case 'AutomaticStart':
        case 'ManualStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_PassiveTcpEstablishment':
        case 'AutomaticStart_with_DampPeerOscillations':
        case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
        case 'TcpConnection_Valid':
        case 'Tcp_CR_Acked':
        case 'TcpConnectionConfirmed':
        case 'Tcp_CR_Invalid':
          return stay(s);
        case 'IdleHoldResetTimer_Expires':
          return stay({ ...s, idleHoldTime: cfg.idleHoldTime });
        case 'ManualStop':
          return toIdle(s, cfg, ev, { counter: 'reset', sent: cease(ev.cease, CeaseSub.ADMINISTRATIVE_SHUTDOWN) });
        case 'AutomaticStop':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: cease(ev.cease, CeaseSub.UNSPECIFIED) });
        case 'HoldTimer_Expires':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: notif(ErrCode.HOLD_TIMER_EXPIRED, 0) });
        case 'KeepaliveTimer_Expires':
          return stay(s, sendKeepalive(s));
        case 'OpenCollisionDump':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: notif(ErrCode.CEASE, CeaseSub.CONNECTION_COLLISION_RESOLUTION) });
        case 'NotifMsgVerErr':
        case 'NotifMsg':
        case 'TcpConnectionFails':
          return toIdle(s, cfg, ev, { counter: 'increment', ...optReceived(ev) });
        case 'KeepAliveMsg':
          return stay(s, restartHold(s));
        case 'UpdateMsg':
          return stay(s, [{ type: 'ProcessUpdate' }, ...restartHold(s)]);
        case 'UpdateMsgErr':
        case 'BGPHeaderErr':
          return toIdle(s, cfg, ev, { counter: 'increment', sent: ev.error });
        default:
          // Events 9, 13, 19, 22: an OPEN on an established connection is unexpected (RFC 6608 subcode 3).
          return toIdle(s, cfg, ev, { counter: 'increment', sent: fsmError('Established', ev.type) });
      }
  }
}

function optReceived(ev: FsmEvent): { received?: Notification } {
  const r = received(ev);
  return r ? { received: r } : {};
}

/** Runs a sequence of events; handy for tests and for replaying a session log. */
export function run(s: FsmState, events: readonly FsmEvent[], cfg: FsmConfig): StepResult {
  let cur = s;
  const actions: FsmAction[] = [];
  for (const ev of events) {
    const r = step(cur, ev, cfg);
    cur = r.next;
    actions.push(...r.actions);
  }
  return { next: cur, actions };
}

/** One of two connections to the same peer, as seen by the collision check. */
export interface CollisionCandidate {
  /** True if we initiated this connection (we sent the SYN). */
  outbound: boolean;
  state: FsmStateName;
}

export type CollisionVerdict =
  /** No collision to resolve yet: the existing connection has not exchanged OPENs. */
  | { collision: false }
  | { collision: true; dump: 'existing' | 'incoming'; reason: string };

/**
 * Connection collision detection, RFC 4271 §6.8 (with RFC 6286 §2.3 for
 * equal identifiers). Called by the session layer when an OPEN arrives on
 * `incoming` while `existing` connects to the same peer; the loser gets
 * OpenCollisionDump (a Cease 6/7).
 *
 * The connection initiated by the speaker with the higher BGP Identifier
 * (compared as unsigned 32-bit integers) survives; with equal identifiers
 * (possible between ASes) the one initiated by the higher AS survives. An
 * Established connection always wins unless CollisionDetectEstablishedState
 * is set.
 */
export function resolveCollision(p: {
  localId: Ip;
  remoteId: Ip;
  localAs: number;
  remoteAs: number;
  existing: CollisionCandidate;
  incoming: CollisionCandidate;
  collisionDetectEstablishedState?: boolean;
}): CollisionVerdict {
  const { existing, incoming } = p;
  if (existing.state === 'Established' && !p.collisionDetectEstablishedState) {
    return { collision: true, dump: 'incoming', reason: 'existing connection is Established' };
  }
  if (existing.state !== 'OpenSent' && existing.state !== 'OpenConfirm' && existing.state !== 'Established') {
    return { collision: false };
  }
  if (existing.outbound === incoming.outbound) {
    // Two connections in the same direction are not a §6.8 collision but a duplicate: keep the older one.
    return { collision: true, dump: 'incoming', reason: 'duplicate connection in the same direction' };
  }
  const local = ipv4ToU32(p.localId);
  const remote = ipv4ToU32(p.remoteId);
  let keepOutbound: boolean;
  let reason: string;
  if (local !== remote) {
    keepOutbound = local > remote;
    reason = `${keepOutbound ? 'local' : 'remote'} BGP identifier is higher`;
  } else if (p.localAs !== p.remoteAs) {
    keepOutbound = p.localAs > p.remoteAs;
    reason = `equal BGP identifiers, ${keepOutbound ? 'local' : 'remote'} AS is higher (RFC 6286 §2.3)`;
  } else {
    return { collision: true, dump: 'incoming', reason: 'equal BGP identifiers and AS: keep the existing connection' };
  }
  const dump = existing.outbound === keepOutbound ? 'incoming' : 'existing';
  return { collision: true, dump, reason };
}
