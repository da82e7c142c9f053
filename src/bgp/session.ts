import type net from 'node:net';
import { hostname as osHostname } from 'node:os';
import { DEFAULTS, type AddressFamily, type NeighborConfig } from '../config/schema';
import type { RibApi, RibPeer } from '../rib/api';
import { SystemClock, type Clock, type TimerHandle } from '../util/clock';
import { toHex } from '../util/bytes';
import { createLogger, type Logger } from '../util/log';
import type { Ip } from '../util/ip';
import { Framer } from './framer';
import {
  fsmConfig,
  initialState,
  resolveCollision,
  step,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
  type FsmStateName,
  type Notification,
} from './fsm';
import { PeerTimers, randomJitter, type Jitter } from './timers';
import { connectTo, socketAddress, tuneSocket } from './transport';
import { needsNative, tcpOptionsUnavailable } from './tcp-options';
import type { UpdateCtx } from './wire/attributes/attribute';
import { isUnknownAttr, type PathAttribute } from './wire/attributes/index';
import type { Capability } from './wire/capabilities';
import { afiSafiKey } from './wire/context';
import { Action, ACTION_NAMES, BgpError, ErrCode } from './wire/errors';
import { Afi, AttrType, MsgType, Safi } from './wire/iana';
import { keepaliveBytes } from './wire/keepalive';
import { decodeMessage, MSG_TYPE_NAMES } from './wire/message';
import { negotiate, type Negotiated } from './wire/negotiate';
import * as notification from './wire/notification';
import * as openCodec from './wire/open';
import type { OpenMessage } from './wire/open';
import * as routeRefresh from './wire/route-refresh';
import * as update from './wire/update';
import type { DecodedUpdate, Update } from './wire/update';

/**
 * One configured BGP neighbor: the RFC 4271 FSM of fsm.ts driven by real
 * TCP sockets, a Framer per connection and PeerTimers on an injectable
 * Clock, connected to the RIB through the RibApi.
 *
 * fsm.ts models one TCP connection. A Session therefore holds up to two
 * connection FSMs: `main`, started by ManualStart and living across TCP
 * connections, and during a connection collision (RFC 4271 §6.8) a second
 * one for the other TCP connection. When an OPEN arrives while the other
 * connection has exchanged or is exchanging OPENs, resolveCollision() picks
 * the loser, which gets OpenCollisionDump (Cease 6/7); the survivor becomes
 * `main`.
 *
 * Deliberate choices beyond the letter of RFC 4271:
 *  - A connection arriving while `main` is Idle only because it waits out
 *    the IdleHoldTimer of an automatic restart (DampPeerOscillations) is
 *    accepted: the restart happens now instead of later (FRR and BIRD
 *    accept too). After a ManualStop (no restart pending) Idle refuses.
 *  - A connection arriving while `main` is in Connect with its own attempt
 *    in flight runs beside it as the second connection: dropping our
 *    attempt could kill the very connection the peer chose to keep. If our
 *    attempt fails, the second connection carries on alone.
 *  - AFI/SAFI disable (RFC 7606 §2, RFC 4760 §7) withdraws the peer's
 *    routes, re-announces the peer to the RIB without the family, ignores
 *    that family for the rest of the session and asks the peer for the
 *    other families again with ROUTE-REFRESH. When that cannot work (no
 *    family left, or no route refresh), it is a session reset.
 */

/** Our own identity, as put in OPEN messages. */
export interface LocalSpeaker {
  as: number;
  routerId: Ip;
  /** FQDN capability host name; default: the system host name. Empty: no FQDN capability. */
  hostname?: string;
  domainName?: string;
}

export interface SessionOptions {
  neighbor: NeighborConfig;
  local: LocalSpeaker;
  rib: RibApi;
  /** Overrides of the FSM settings derived from the neighbor (tests use short timers). */
  fsm?: Partial<FsmConfig>;
  clock?: Clock;
  jitter?: Jitter;
  log?: Logger;
  /** TCP port to connect to; default 179. A function is asked at each connection attempt. */
  remotePort?: number | (() => number);
  /** Shared output scheduler (one rib.flush per tick for all sessions); default: a private one. */
  scheduler?: OutputScheduler;
  /** Restart Time we advertise in the graceful restart capability (RFC 4724 §3), seconds. Default 120. */
  restartTime?: number;
  /**
   * Graceful restart beyond the helper role (config `graceful-restart`):
   * announce our families so that peers keep our routes while our BGP side
   * restarts, and the stale-path timers. Default: helper only, 360 s timers.
   */
  gracefulRestart?: { preserveForwarding: boolean; staleTime: number; selectDeferTime: number };
  /** Advertise RFC 8654 extended messages. Default true. */
  extendedMessage?: boolean;
  /** Live recording of messages and state changes (MRT BGP4MP, src/mrt/live.ts); absent: nothing is copied. */
  recorder?: SessionRecorder;
}

/** Both ends of a session as a BGP4MP record names them (RFC 6396 §4.4). */
export interface RecordedPeering {
  peerAddress: Ip;
  peerAs: number;
  localAddress: Ip;
  localAs: number;
}

/**
 * What a session hands a recorder: each message received (UPDATEs only,
 * unless `allMessages`) as its whole wire octets, valid only during the call;
 * messages sent when `allMessages`; FSM transitions when `stateChanges`.
 */
export interface SessionRecorder {
  readonly allMessages: boolean;
  readonly stateChanges: boolean;
  message(p: RecordedPeering, bytes: Uint8Array, sent: boolean): void;
  stateChange(p: RecordedPeering, from: FsmStateName, to: FsmStateName): void;
}

/** Per-peer state and counters, as `show peers` prints them. */
export interface PeerStatus {
  address: Ip;
  remoteAs: number;
  localAs: number;
  ibgp: boolean;
  description?: string;
  passive: boolean;
  routeReflectorClient: boolean;
  state: FsmStateName;
  /** TCP connections this peer currently has (2 during a collision). */
  connections: number;
  /** From the peer's OPEN once received. */
  bgpId?: Ip;
  hostname?: string;
  localAddress?: Ip;
  /** Negotiated hold and keepalive time (s) while Established. */
  holdTime?: number;
  keepaliveTime?: number;
  /** "afi/safi" keys negotiated and not disabled. */
  families: string[];
  /** Milliseconds Established (while Established), or since the session went down (after it was up once). */
  uptimeMs?: number;
  downtimeMs?: number;
  /** How many times the session reached Established. */
  establishedCount: number;
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  updatesIn: number;
  updatesOut: number;
  /** NLRIs announced to us / withdrawn by the peer, over the session's life. */
  prefixesReceived: number;
  prefixesWithdrawn: number;
  /** NLRIs of UPDATEs handed to the RIB without a treat-as-withdraw or stronger RFC 7606 fault. */
  prefixesAccepted: number;
  prefixesSent: number;
  /** Routes now held from / advertised to the peer, when the RIB can tell. */
  adjRibIn?: number;
  adjRibOut?: number;
  lastError?: string;
  /**
   * While Idle waiting for an automatic restart: milliseconds left on the
   * IdleHoldTimer (RFC 4271 §8.1.1 DampPeerOscillations).
   */
  idleHoldMs?: number;
  /** The IdleHoldTime (s) the next automatic restart will wait: doubles after each failure, up to the maximum. */
  nextIdleHoldTime?: number;
}

/**
 * Coalesces output work: after a batch of input, rib.flush() runs at most
 * once per event-loop turn (setImmediate), then every Established session
 * writes what the RIB has for it.
 */
export class OutputScheduler {
  private pending = false;
  private readonly sessions = new Set<Session>();

  constructor(private readonly rib: RibApi) {}

  add(s: Session): void {
    this.sessions.add(s);
  }

  remove(s: Session): void {
    this.sessions.delete(s);
  }

  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.rib.flush();
      for (const s of this.sessions) s.pump();
    });
  }
}

const FAMILY_OF: Record<AddressFamily, { afi: number; safi: number }> = {
  'l2vpn-evpn': { afi: Afi.L2VPN, safi: Safi.EVPN },
  'ipv4-unicast': { afi: Afi.IPV4, safi: Safi.UNICAST },
};

/** Largest chunk written to the socket at once when draining the Adj-RIB-Out. */
const WRITE_CHUNK = 64 * 1024;
/** How long a closing socket may take to flush a final NOTIFICATION before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** One TCP connection and the FSM instance that runs it. */
class Conn {
  fsm: FsmState;
  readonly timers: PeerTimers;
  socket: net.Socket | null = null;
  /** An outbound connect in progress. */
  connecting: net.Socket | null = null;
  /** True if we initiated the current (or last) TCP connection. */
  outbound = false;
  framer = new Framer();
  localOpen: OpenMessage | null = null;
  remoteOpen: OpenMessage | null = null;
  negotiated: Negotiated | null = null;
  ctx: UpdateCtx | null = null;
  /** The UPDATE the FSM's ProcessUpdate action refers to. */
  pendingUpdate: DecodedUpdate | null = null;
  /** Adj-RIB-Out UPDATEs taken from the RIB and not yet written. */
  outQueue: Update[] = [];
  outIdx = 0;
  /** Waiting for 'drain'. */
  blocked = false;
  /** Enhanced route refresh EoRR to send once the refreshed routes are out (RFC 7313 §4). */
  pendingEorr: { afi: number; safi: number }[] = [];
  /** The event being processed, for DeleteRoutes (graceful restart applies only to TCP failures). */
  event: FsmEvent | null = null;
  discarded = false;
  /** Both ends of the current connection, for the recorder (set on attach when one is configured). */
  peering: RecordedPeering | null = null;

  constructor(fsm: FsmState, timers: (c: Conn) => PeerTimers) {
    this.fsm = fsm;
    this.timers = timers(this);
  }
}

function countInc(m: Record<string, number>, k: string, n = 1): void {
  m[k] = (m[k] ?? 0) + n;
}

/** NLRIs an UPDATE announces and withdraws, over all families. */
function nlriCounts(u: Update): { announced: number; withdrawn: number } {
  let announced = u.nlri.length;
  let withdrawn = u.withdrawn.length;
  for (const a of u.attributes) {
    if (isUnknownAttr(a)) continue;
    if (a.type === AttrType.MP_REACH_NLRI || a.type === AttrType.MP_UNREACH_NLRI) {
      const n = a.nlri.kind === 'evpn' ? a.nlri.routes.length : a.nlri.kind === 'prefix' ? a.nlri.prefixes.length : 0;
      if (a.type === AttrType.MP_REACH_NLRI) announced += n;
      else withdrawn += n;
    }
  }
  return { announced, withdrawn };
}

/** Optional per-peer counters a RIB may offer (Rib has them): Adj-RIB-In and Adj-RIB-Out sizes. */
interface RibPeerCounters {
  peerCounters?(peerId: string): { received: number; advertised: number } | undefined;
}

function notifText(n: Notification): string {
  return notification.notificationName(n.code, n.subcode);
}

export class Session {
  readonly id: string;
  readonly neighbor: NeighborConfig;
  private readonly local: LocalSpeaker;
  private readonly rib: RibApi;
  private readonly cfg: FsmConfig;
  private readonly clock: Clock;
  private readonly jitter: Jitter;
  private readonly log: Logger;
  private readonly scheduler: OutputScheduler;
  private readonly remotePort: number | (() => number);
  private readonly restartTime: number;
  private readonly extendedMessage: boolean;
  private readonly ibgp: boolean;
  private readonly recorder: SessionRecorder | undefined;
  /** Waits (s) after a connection attempt that was refused or failed before it opened (neighbor refused-retry). */
  private readonly refusedFirst: number;
  private readonly refusedMax: number;
  /** Attempts refused in a row since the last one that connected. */
  private refusedStreak = 0;

  private main: Conn;
  private second: Conn | null = null;
  /** The peer as the RIB knows it while Established. */
  private ribPeer: RibPeer | null = null;
  /** Families turned off for this session by RFC 7606 AFI/SAFI disable. */
  private disabled = new Set<string>();
  /** max-prefixes with action warn: logged since the count last was within the limit. */
  private prefixLimitWarned = false;
  private prefixTeardownPending = false;
  /** Graceful restart: the peer's routes are stale until it comes back or this fires (RFC 4724 §4.2). */
  private grTimer: TimerHandle | null = null;
  /**
   * Paths of this peer are held stale and wait for its End-of-RIB: `peer`
   * after the peer restarted (we help), `self` after our own BGP side
   * restarted (restartGracefully). `staleTimer` bounds the wait: stale-time
   * once the peer is back, select-defer-time from our restart.
   */
  private staleReason: 'peer' | 'self' | null = null;
  private staleTimer: TimerHandle | null = null;
  /** Our next OPEN carries the Restart State bit and the F bits (RFC 4724 §3): our BGP side restarted, the data plane did not. */
  private restartingSelf = false;
  private readonly gr: { preserveForwarding: boolean; staleTime: number; selectDeferTime: number };
  private stopped = true;

  private establishedAt: number | null = null;
  private downAt: number | null = null;
  private establishedCount = 0;
  private readonly msgIn: Record<string, number> = {};
  private readonly msgOut: Record<string, number> = {};
  private updatesIn = 0;
  private updatesOut = 0;
  private prefixesReceived = 0;
  private prefixesWithdrawn = 0;
  private prefixesAccepted = 0;
  private prefixesSent = 0;
  private lastError: string | undefined;
  private readonly closeWaiters = new Set<() => void>();

  constructor(opts: SessionOptions) {
    const n = opts.neighbor;
    this.neighbor = n;
    this.id = n.address;
    this.local = opts.local;
    this.rib = opts.rib;
    const ih = n.idleHold;
    this.cfg = {
      ...fsmConfig({
        localAs: opts.local.as,
        localId: opts.local.routerId,
        peerAs: n.remoteAs,
        holdTime: n.holdTime,
        keepaliveTime: n.keepalive,
        ...(n.connectRetryTime !== undefined ? { connectRetryTime: n.connectRetryTime } : {}),
        ...(ih ? { idleHoldTime: ih.firstSeconds, maxIdleHoldTime: ih.maxSeconds } : {}),
      }),
      ...opts.fsm,
    };
    const rr = n.refusedRetry ?? DEFAULTS.refusedRetry;
    this.refusedFirst = rr.firstMs / 1000;
    this.refusedMax = rr.maxMs / 1000;
    this.recorder = opts.recorder;
    this.clock = opts.clock ?? new SystemClock();
    this.jitter = opts.jitter ?? randomJitter();
    this.log = (opts.log ?? createLogger()).child({ peer: n.address });
    this.scheduler = opts.scheduler ?? new OutputScheduler(opts.rib);
    this.scheduler.add(this);
    this.remotePort = opts.remotePort ?? 179;
    this.restartTime = opts.restartTime ?? 120;
    this.gr = opts.gracefulRestart ?? { preserveForwarding: false, staleTime: 360, selectDeferTime: 360 };
    this.extendedMessage = opts.extendedMessage ?? true;
    this.ibgp = n.remoteAs === opts.local.as;
    this.main = this.newConn(initialState(this.cfg, n.passive));
    if (needsNative(n)) {
      const why = tcpOptionsUnavailable();
      if (why) this.log.error('TCP MD5 / ttl-security configured but unavailable: connections to this neighbor will fail', { reason: why });
    }
  }

  // ------------------------------------------------------------ control

  /** ManualStart (passive neighbors: with PassiveTcpEstablishment). */
  start(): void {
    this.stopped = false;
    this.scheduler.add(this);
    this.feed(this.main, this.neighbor.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' });
  }

  /**
   * ManualStop: Cease (default Administrative Shutdown, RFC 4486) with an
   * optional RFC 9003 shutdown communication. Resolves once the sockets are
   * closed, or after a bounded grace period.
   */
  stop(message?: string, subcode: number = notification.CeaseSub.ADMINISTRATIVE_SHUTDOWN): Promise<void> {
    this.stopped = true;
    const data = message ? notification.shutdownData(notification.truncateUtf8(message)) : new Uint8Array(0);
    const done = this.whenClosed();
    for (const c of [this.second, this.main]) if (c) this.feed(c, { type: 'ManualStop', cease: { subcode, data } });
    if (this.second) this.discard(this.second);
    if (this.grTimer || this.staleReason) {
      this.clearStale();
      if (this.grTimer) this.clock.clearTimer(this.grTimer);
      this.grTimer = null;
      this.rib.peerDown(this.id);
    }
    this.scheduler.remove(this);
    return done;
  }

  /**
   * `clear neighbor ADDR`: Cease / Administrative Reset (RFC 4486 §4), then
   * the session starts again. Resolves once the new attempt has begun.
   */
  async reset(message = 'cleared by the operator'): Promise<void> {
    await this.stop(message, notification.CeaseSub.ADMINISTRATIVE_RESET);
    this.start();
  }

  /**
   * `clear neighbor ADDR --soft`: ask the peer for its routes again
   * (ROUTE-REFRESH, RFC 2918) and send it ours again, without a reset.
   * False if the session is not Established.
   */
  softReset(): boolean {
    const c = this.main;
    if (c.fsm.state !== 'Established' || !c.negotiated || !this.ribPeer) return false;
    for (const f of c.negotiated.families) {
      this.requestRefresh(f.afi, f.safi);
      this.rib.refresh(this.id, f.afi, f.safi);
    }
    this.scheduler.schedule();
    return true;
  }

  /**
   * Graceful restart of our BGP side (RFC 4724 §4.1, restarting speaker)
   * while the data plane keeps forwarding: the TCP connection is closed
   * without a NOTIFICATION (the peer, as helper, keeps our routes stale),
   * the peer's paths stay in the RIB marked stale (so the data plane keeps
   * what it learned from them), and the session starts again at once. The
   * next OPEN carries the Restart State bit and, with preserve-forwarding,
   * the F bit for our families. The peer's End-of-RIB removes its stale
   * paths it did not send again; select-defer-time bounds the wait.
   * The RIB survives the restart, so our own routes and End-of-RIB go out
   * as soon as the session is up: no selection deferral is needed for them.
   */
  restartGracefully(): void {
    if (this.stopped) return;
    const wasUp = this.ribPeer !== null;
    for (const c of [this.second, this.main]) if (c) this.discard(c);
    this.second = null;
    if (this.grTimer) {
      this.clock.clearTimer(this.grTimer);
      this.grTimer = null;
    }
    this.clearStale();
    if (wasUp) {
      this.ribPeer = null;
      this.rib.peerDown(this.id, { gracefulRestart: true });
      this.establishedAt = null;
      this.downAt = this.clock.now();
    }
    this.staleReason = 'self';
    this.staleTimer = this.clock.setTimer(this.clock.now() + this.gr.selectDeferTime * 1000, () => this.staleExpired('select-defer-time'));
    this.restartingSelf = true;
    this.log.info('graceful restart of our BGP side: session closed without NOTIFICATION, data plane kept', { wasEstablished: wasUp });
    this.main = this.newConn(initialState(this.cfg, this.neighbor.passive));
    this.feed(this.main, this.neighbor.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' });
    this.scheduler.schedule();
  }

  private clearStale(): void {
    if (this.staleTimer) this.clock.clearTimer(this.staleTimer);
    this.staleTimer = null;
    this.staleReason = null;
  }

  /** The wait for End-of-RIB ran out: the paths still stale go (the RIB sweeps them as End-of-RIB would). */
  private staleExpired(which: string): void {
    this.staleTimer = null;
    this.staleReason = null;
    this.log.warn(`graceful restart: no End-of-RIB within ${which}; removing the stale paths`);
    if (this.ribPeer) this.rib.endOfRib(this.id, Afi.L2VPN, Safi.EVPN);
    else this.rib.peerDown(this.id);
    this.scheduler.schedule();
  }

  /** Resolves when no socket of this session is open (bounded by CLOSE_GRACE_MS). */
  private whenClosed(): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(t);
        this.closeWaiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (this.openSockets.size === 0) finish();
      };
      const t = setTimeout(finish, CLOSE_GRACE_MS + 500);
      t.unref();
      this.closeWaiters.add(check);
      setImmediate(check);
    });
  }

  private openSockets = new Set<net.Socket>();

  private track(sock: net.Socket): void {
    this.openSockets.add(sock);
    sock.once('close', () => {
      this.openSockets.delete(sock);
      if (this.openSockets.size === 0) for (const w of [...this.closeWaiters]) w();
    });
  }

  /** A TCP connection the speaker accepted from this neighbor's address. */
  incoming(sock: net.Socket): void {
    this.track(sock);
    tuneSocket(sock);
    const m = this.main;
    const state = m.fsm.state;
    if (this.stopped || (state === 'Idle' && !m.timers.running('IdleHold'))) {
      this.log.info('refusing connection: neighbor is administratively down', { remote: sock.remoteAddress });
      sock.destroy();
      return;
    }
    if (state === 'Idle') {
      // An automatic restart is pending: do it now (passively, so no SYN of
      // ours races this connection), then take this connection.
      this.feed(m, { type: 'AutomaticStart_with_PassiveTcpEstablishment' });
      m.fsm = { ...m.fsm, passive: this.neighbor.passive };
    }
    // Our own SYN may be in flight and already accepted by the peer, which
    // may be about to drop its outbound attempt in favour of it: keep both
    // and let the OPENs decide (below), unless we have no attempt running.
    if ((m.fsm.state === 'Connect' && !m.connecting) || m.fsm.state === 'Active') {
      this.attach(m, sock, false);
      this.feed(m, { type: 'TcpConnectionConfirmed' });
      return;
    }
    if (this.second) {
      this.log.info('refusing a third connection while a collision is being resolved');
      sock.destroy();
      return;
    }
    // main has a connection or an attempt: run this one in parallel until the OPENs decide (§6.8).
    const r = step({ ...initialState(this.cfg, true), idleHoldTime: m.fsm.idleHoldTime }, { type: 'ManualStart_with_PassiveTcpEstablishment' }, this.cfg);
    const c = this.newConn({ ...r.next, passive: this.neighbor.passive });
    c.timers.apply(r.actions);
    this.second = c;
    this.attach(c, sock, false);
    this.log.info('second connection from the peer: collision detection', { mainState: state });
    this.feed(c, { type: 'TcpConnectionConfirmed' });
  }

  get state(): FsmStateName {
    return this.main.fsm.state;
  }

  status(): PeerStatus {
    const m = this.main;
    const now = this.clock.now();
    const n = this.neighbor;
    const s: PeerStatus = {
      address: n.address,
      remoteAs: n.remoteAs,
      localAs: this.local.as,
      ibgp: this.ibgp,
      passive: n.passive,
      routeReflectorClient: n.routeReflectorClient,
      state: m.fsm.state,
      connections: [this.main, this.second].filter((c) => c?.socket).length,
      families: this.ribPeer ? [...this.ribPeer.families] : [],
      establishedCount: this.establishedCount,
      messagesIn: { ...this.msgIn },
      messagesOut: { ...this.msgOut },
      updatesIn: this.updatesIn,
      updatesOut: this.updatesOut,
      prefixesReceived: this.prefixesReceived,
      prefixesWithdrawn: this.prefixesWithdrawn,
      prefixesAccepted: this.prefixesAccepted,
      prefixesSent: this.prefixesSent,
    };
    if (n.description !== undefined) s.description = n.description;
    const open = m.remoteOpen;
    if (open) s.bgpId = open.bgpId;
    if (m.negotiated?.peerHostname) s.hostname = m.negotiated.peerHostname;
    if (this.ribPeer) s.localAddress = this.ribPeer.localAddress;
    if (m.fsm.state === 'Established') {
      s.holdTime = m.fsm.holdTime;
      s.keepaliveTime = m.fsm.keepaliveTime;
    }
    if (this.establishedAt !== null) s.uptimeMs = Math.round(now - this.establishedAt);
    else if (this.downAt !== null) s.downtimeMs = Math.round(now - this.downAt);
    if (this.lastError !== undefined) s.lastError = this.lastError;
    const idleHoldDeadline = m.fsm.state === 'Idle' ? m.timers.deadline('IdleHold') : undefined;
    if (idleHoldDeadline !== undefined) s.idleHoldMs = Math.max(0, Math.round(idleHoldDeadline - now));
    s.nextIdleHoldTime = m.fsm.idleHoldTime;
    const rc = (this.rib as RibApi & RibPeerCounters).peerCounters;
    const counts = typeof rc === 'function' ? rc.call(this.rib, this.id) : undefined;
    if (counts) {
      s.adjRibIn = counts.received;
      s.adjRibOut = counts.advertised;
    }
    return s;
  }

  /** The negotiated capabilities of the Established connection. */
  get negotiated(): Negotiated | null {
    return this.main.fsm.state === 'Established' ? this.main.negotiated : null;
  }

  /** Asks the peer to resend a family (RFC 2918), if it supports route refresh. */
  requestRefresh(afi: number, safi: number): boolean {
    const c = this.main;
    if (c.fsm.state !== 'Established' || !c.negotiated?.routeRefresh) return false;
    this.send(c, this.routeRefreshBytes({ afi, safi, subtype: routeRefresh.RouteRefreshSubtype.NORMAL }), MsgType.ROUTE_REFRESH);
    return true;
  }

  // ------------------------------------------------------------ FSM plumbing

  private newConn(fsm: FsmState): Conn {
    return new Conn(fsm, (c) => new PeerTimers(this.clock, (ev) => this.feed(c, ev), this.jitter));
  }

  private feed(c: Conn, ev: FsmEvent): void {
    if (c.discarded) return;
    const r = step(c.fsm, ev, this.cfg);
    const from = c.fsm.state;
    c.fsm = r.next;
    if (this.recorder?.stateChanges && r.next.state !== from) this.recorder.stateChange(this.peeringOf(c), from, r.next.state);
    const prev = c.event;
    c.event = ev;
    try {
      this.exec(c, r.actions);
    } finally {
      c.event = prev;
    }
  }

  private exec(c: Conn, actions: readonly FsmAction[]): void {
    for (const a of actions) {
      if (c.discarded && a.type !== 'SendNotification' && a.type !== 'DropTcp') continue;
      switch (a.type) {
        case 'InitiateTcp':
          this.connect(c);
          break;
        case 'DropTcp':
          this.drop(c);
          break;
        case 'SendOpen':
          c.localOpen = this.buildOpen();
          this.send(c, this.openBytes(c.localOpen), MsgType.OPEN);
          break;
        case 'SendKeepalive':
          this.send(c, keepaliveBytes(), MsgType.KEEPALIVE);
          break;
        case 'SendNotification':
          this.sendNotification(c, a);
          break;
        case 'StartTimer':
        case 'StopTimer':
          c.timers.apply([a]);
          break;
        case 'ProcessUpdate':
          this.processUpdate(c);
          break;
        case 'DeleteRoutes':
          this.deleteRoutes(c);
          break;
        case 'ReleaseResources':
          c.pendingUpdate = null;
          c.outQueue = [];
          c.outIdx = 0;
          c.pendingEorr = [];
          break;
        case 'SessionEstablished':
          this.established(c);
          break;
        case 'SessionDown':
          this.down(c, a);
          break;
      }
    }
  }

  // ------------------------------------------------------------ TCP

  private port(): number {
    return typeof this.remotePort === 'function' ? this.remotePort() : this.remotePort;
  }

  private connect(c: Conn): void {
    if (c.connecting) c.connecting.destroy();
    const sock = connectTo(this.neighbor.address, this.port(), this.neighbor.localAddress, this.neighbor);
    this.track(sock);
    c.connecting = sock;
    sock.once('connect', () => {
      if (c.connecting !== sock || c.discarded) {
        sock.destroy();
        return;
      }
      c.connecting = null;
      this.refusedStreak = 0;
      tuneSocket(sock);
      this.attach(c, sock, true);
      this.feed(c, { type: 'Tcp_CR_Acked' });
    });
    sock.on('error', (e: Error) => {
      if (c.connecting !== sock) return;
      c.connecting = null;
      this.lastError = `connect: ${e.message}`;
      this.log.debug('connection attempt failed', { error: e.message });
      const before = c.fsm.idleHoldTime;
      this.feed(c, { type: 'TcpConnectionFails' });
      // A refused connection is a peer not listening yet (a route reflector
      // still starting), not one that oscillates (RFC 4271 §8.1.1
      // DampPeerOscillations): retry after refused-retry (doubling to its
      // max, never later than the IdleHoldTime), and leave the back-off as it was.
      if (c.fsm.state === 'Idle' && c.timers.running('IdleHold')) {
        const wait = Math.min(before, this.refusedFirst * 2 ** Math.min(this.refusedStreak, 20), this.refusedMax);
        this.refusedStreak++;
        c.fsm = { ...c.fsm, idleHoldTime: before };
        c.timers.start('IdleHold', wait);
      }
    });
  }

  /** Both ends of a connection as the recorder names them (the configured or wildcard local address before one is bound). */
  private peeringOf(c: Conn): RecordedPeering {
    if (c.peering) return c.peering;
    const v6 = this.neighbor.address.includes(':');
    return { peerAddress: this.neighbor.address, peerAs: this.neighbor.remoteAs, localAddress: this.neighbor.localAddress ?? (v6 ? '::' : '0.0.0.0'), localAs: this.local.as };
  }

  private attach(c: Conn, sock: net.Socket, outbound: boolean): void {
    c.socket = sock;
    c.outbound = outbound;
    if (this.recorder) {
      const local = socketAddress(sock.localAddress);
      c.peering = local ? { peerAddress: this.neighbor.address, peerAs: this.neighbor.remoteAs, localAddress: local, localAs: this.local.as } : null;
    }
    c.framer = new Framer();
    c.blocked = false;
    c.localOpen = null;
    c.remoteOpen = null;
    c.negotiated = null;
    c.ctx = null;
    const lost = (why: string): void => {
      if (c.socket !== sock) return;
      c.socket = null;
      if (why) this.lastError = why;
      this.log.debug('connection lost', { reason: why });
      this.feed(c, { type: 'TcpConnectionFails' });
    };
    sock.on('data', (chunk: Buffer) => this.onData(c, sock, chunk));
    sock.on('error', (e: Error) => lost(`tcp: ${e.message}`));
    sock.on('end', () => lost('connection closed by the peer'));
    sock.on('close', () => lost('connection closed'));
    sock.on('drain', () => {
      if (c.socket !== sock || !c.blocked) return;
      c.blocked = false;
      this.pump();
    });
  }

  private drop(c: Conn): void {
    if (c.connecting) {
      c.connecting.destroy();
      c.connecting = null;
    }
    const sock = c.socket;
    if (!sock) return;
    c.socket = null;
    // end() flushes what was written (a final NOTIFICATION) before the FIN.
    sock.end();
    setTimeout(() => sock.destroy(), CLOSE_GRACE_MS).unref();
  }

  private send(c: Conn, bytes: Uint8Array, type: MsgType): boolean {
    const sock = c.socket;
    if (!sock || sock.destroyed) return false;
    countInc(this.msgOut, MSG_TYPE_NAMES[type] ?? String(type));
    if (this.recorder?.allMessages) this.recorder.message(this.peeringOf(c), bytes, true);
    return sock.write(bytes);
  }

  private sendNotification(c: Conn, n: Notification): void {
    const name = notifText(n);
    this.lastError = `sent ${name}`;
    const fields: Record<string, unknown> = { code: n.code, subcode: n.subcode, name };
    if (n.data.length) fields.data = toHex(n.data);
    const comm = notification.shutdownCommunication(n);
    if (comm?.ok) fields.shutdownCommunication = comm.message;
    this.log.warn(`NOTIFICATION sent: ${name}`, fields);
    const bytes = new Uint8Array(notification.encodingLength(n));
    notification.encode(n, bytes, 0);
    this.send(c, bytes, MsgType.NOTIFICATION);
  }

  // ------------------------------------------------------------ input

  private onData(c: Conn, sock: net.Socket, chunk: Buffer): void {
    if (c.socket !== sock) return;
    const chunkBytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      c.framer.feed(chunkBytes, (buf, start, end) => {
        if (c.socket !== sock) return;
        this.onMessage(c, buf, start, end);
      });
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      if (c.socket === sock) {
        this.log.debug('framing error', { error: e.message });
        this.feed(c, { type: 'BGPHeaderErr', error: { code: e.code, subcode: e.subcode, data: e.data } });
      }
    }
    this.scheduler.schedule();
  }

  private onMessage(c: Conn, buf: Uint8Array, start: number, end: number): void {
    const type = buf[start + 18]!;
    countInc(this.msgIn, MSG_TYPE_NAMES[type] ?? String(type));
    // RFC 6396 §4.4.3: the message as received, written before it is acted on.
    if (this.recorder && (type === MsgType.UPDATE || this.recorder.allMessages)) this.recorder.message(this.peeringOf(c), buf.subarray(start, end), false);
    try {
      switch (type) {
        case MsgType.OPEN:
          return this.onOpen(c, buf.subarray(start, end));
        case MsgType.UPDATE:
          return this.onUpdate(c, buf, start, end);
        case MsgType.KEEPALIVE:
          return this.feed(c, { type: 'KeepAliveMsg' });
        case MsgType.NOTIFICATION:
          return this.onNotification(c, buf.subarray(start, end));
        case MsgType.ROUTE_REFRESH:
          return this.onRouteRefresh(c, buf.subarray(start, end));
      }
    } catch (e) {
      // The handlers turn every BgpError into an FSM event, so this is a bug
      // of ours (or of the RIB). It must not escape into the framer or kill
      // the process: log it loudly and reset this session with a Cease.
      this.log.error('internal error while processing a message', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      this.feed(c, { type: 'UpdateMsgErr', error: { code: ErrCode.CEASE, subcode: 0, data: new Uint8Array(0) } });
    }
  }

  private errorEvent(e: BgpError, kind: 'BGPOpenMsgErr' | 'UpdateMsgErr'): FsmEvent {
    const error = { code: e.code, subcode: e.subcode, data: e.data };
    if (e.code === ErrCode.MESSAGE_HEADER) return { type: 'BGPHeaderErr', error };
    return { type: kind, error };
  }

  private onOpen(c: Conn, msg: Uint8Array): void {
    let open: OpenMessage;
    try {
      open = openCodec.decodeMessage(msg);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      this.log.warn('malformed OPEN', { error: e.message });
      this.feed(c, this.errorEvent(e, 'BGPOpenMsgErr'));
      return;
    }
    const info = { version: open.version, as: openCodec.peerAs(open), holdTime: open.holdTime, bgpId: open.bgpId };
    const other = c === this.main ? this.second : this.main;
    if (other && (other.fsm.state === 'OpenSent' || other.fsm.state === 'OpenConfirm' || other.fsm.state === 'Established')) {
      const v = resolveCollision({
        localId: this.local.routerId,
        remoteId: open.bgpId,
        localAs: this.local.as,
        remoteAs: info.as,
        existing: { outbound: other.outbound, state: other.fsm.state },
        incoming: { outbound: c.outbound, state: c.fsm.state },
      });
      if (v.collision) {
        const loser = v.dump === 'incoming' ? c : other;
        this.log.info('connection collision', { reason: v.reason, closing: loser.outbound ? 'outbound' : 'inbound' });
        this.feed(loser, { type: 'OpenCollisionDump' });
        if (loser === c) return;
      }
    }
    if (c.fsm.state === 'OpenSent' && c.localOpen) {
      c.remoteOpen = open;
      c.negotiated = negotiate(c.localOpen, open);
      c.ctx = {
        fourOctetAs: c.negotiated.fourOctetAs,
        extendedMessage: c.negotiated.extendedMessage,
        addPathRx: c.negotiated.addPathRx,
        ibgp: this.ibgp,
      };
    }
    this.feed(c, { type: 'BGPOpen', open: info });
    if (c.fsm.state === 'OpenConfirm' && c.negotiated) {
      // RFC 8654 §3: larger messages only once both sides said so.
      c.framer.extendedMessage = c.negotiated.extendedMessage;
      if (c.negotiated.families.length === 0) this.log.warn('no address family in common with the peer');
    }
  }

  private onNotification(c: Conn, msg: Uint8Array): void {
    const n = notification.decodeMessage(msg);
    const name = notifText(n);
    this.lastError = `received ${name}`;
    const fields: Record<string, unknown> = { code: n.code, subcode: n.subcode, name };
    if (n.data.length) fields.data = toHex(n.data);
    const comm = notification.shutdownCommunication(n);
    if (comm) fields.shutdownCommunication = comm.ok ? comm.message : `(invalid: ${comm.reason})`;
    this.log.warn(`NOTIFICATION received: ${name}`, fields);
    const ver = n.code === ErrCode.OPEN_MESSAGE && n.subcode === 1;
    this.feed(c, { type: ver ? 'NotifMsgVerErr' : 'NotifMsg', notification: n });
  }

  private onUpdate(c: Conn, buf: Uint8Array, start: number, end: number): void {
    if (c.fsm.state !== 'Established' || !c.ctx) {
      // An UPDATE before Established is an FSM error (RFC 6608); the FSM picks the subcode.
      this.feed(c, { type: 'UpdateMsg' });
      return;
    }
    this.updatesIn++;
    let m;
    try {
      m = decodeMessage(buf, c.ctx, start, end);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      this.log.warn('malformed UPDATE', { error: e.message });
      this.feed(c, this.errorEvent(e, 'UpdateMsgErr'));
      return;
    }
    if (m.type !== MsgType.UPDATE) return;
    const u = m.update;
    if (u.action !== Action.NONE) {
      this.log.warn(`UPDATE with errors: ${ACTION_NAMES[u.action]} (RFC 7606)`, {
        faults: u.faults.map((f) => ({ attr: f.attrType, action: ACTION_NAMES[f.action], reason: f.reason })),
      });
    }
    if (u.action === Action.SESSION_RESET) {
      const err = update.notificationFor(u)!;
      this.feed(c, { type: 'UpdateMsgErr', error: { code: err.code, subcode: err.subcode, data: err.data } });
      return;
    }
    if (u.action === Action.AFI_SAFI_DISABLE && !this.disableFamilies(c, u)) return;
    c.pendingUpdate = u;
    this.feed(c, { type: 'UpdateMsg' });
  }

  /**
   * RFC 7606 §2 / RFC 4760 §7 AFI/SAFI disable. Returns false when it had
   * to reset the session instead.
   */
  private disableFamilies(c: Conn, u: DecodedUpdate): boolean {
    const peer = this.ribPeer;
    const fams = new Set<string>();
    for (const f of u.faults) if (f.action === Action.AFI_SAFI_DISABLE && f.afi !== undefined && f.safi !== undefined) fams.add(afiSafiKey(f.afi, f.safi));
    const remaining = peer ? [...peer.families].filter((k) => !fams.has(k) && !this.disabled.has(k)) : [];
    const reset = (why: string): false => {
      const f = u.faults.find((x) => x.action === Action.AFI_SAFI_DISABLE)!;
      this.log.warn(`AFI/SAFI disable not possible (${why}): session reset`);
      this.feed(c, { type: 'UpdateMsgErr', error: { code: ErrCode.UPDATE_MESSAGE, subcode: f.subcode, data: f.data ?? new Uint8Array(0) } });
      return false;
    };
    if (!peer || fams.size === 0) return reset('family unknown');
    if (![...fams].some((k) => peer.families.has(k))) {
      // RFC 4760 §7 deletes the routes of the broken family and ignores it
      // from now on. A family that was never negotiated has no routes here,
      // so the other families' routes stay untouched (no flush, no refresh).
      for (const k of fams) this.disabled.add(k);
      this.log.warn('address family that was not negotiated ignored for the rest of the session (RFC 7606 §2)', { families: [...fams] });
      return true;
    }
    if (remaining.length === 0) return reset('no other family negotiated');
    if (!c.negotiated?.routeRefresh) return reset('the peer does not support route refresh, so its other routes could not be re-learned');
    for (const k of fams) this.disabled.add(k);
    this.log.warn('address family disabled for the rest of the session (RFC 7606 §2)', { families: [...fams] });
    // RFC 4760 §7: delete every route of the family. The RibApi removes a
    // peer's routes all at once, so the peer is brought back without the
    // family and asked to resend the others.
    this.rib.peerDown(this.id);
    this.ribPeer = { ...peer, families: new Set(remaining) };
    this.rib.peerUp(this.ribPeer);
    for (const k of remaining) {
      const [afi, safi] = k.split('/').map(Number) as [number, number];
      this.send(c, this.routeRefreshBytes({ afi, safi, subtype: routeRefresh.RouteRefreshSubtype.NORMAL }), MsgType.ROUTE_REFRESH);
    }
    return true;
  }

  /** Removes what belongs to disabled families from an UPDATE. */
  private withoutDisabled(u: DecodedUpdate): DecodedUpdate {
    if (this.disabled.size === 0) return u;
    const v4 = this.disabled.has(afiSafiKey(Afi.IPV4, Safi.UNICAST));
    const attributes = u.attributes.filter(
      (a: PathAttribute) =>
        isUnknownAttr(a) ||
        (a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI) ||
        !this.disabled.has(afiSafiKey(a.afi, a.safi)),
    );
    return { ...u, attributes, nlri: v4 ? [] : u.nlri, withdrawn: v4 ? [] : u.withdrawn };
  }

  private processUpdate(c: Conn): void {
    const raw = c.pendingUpdate;
    c.pendingUpdate = null;
    if (!raw) return;
    const eor = update.isEndOfRib(raw);
    if (eor) {
      if (this.disabled.has(afiSafiKey(eor.afi, eor.safi))) return;
      this.log.debug('End-of-RIB received', { afi: eor.afi, safi: eor.safi });
      this.rib.endOfRib(this.id, eor.afi, eor.safi);
      if (this.staleReason && eor.afi === Afi.L2VPN && eor.safi === Safi.EVPN) {
        this.log.info('graceful restart: End-of-RIB received, stale paths not refreshed removed', { after: this.staleReason === 'self' ? 'our restart' : 'the peer\'s restart' });
        this.clearStale();
      }
      return;
    }
    const u = this.withoutDisabled(raw);
    const { announced, withdrawn } = nlriCounts(u);
    this.prefixesReceived += announced;
    this.prefixesWithdrawn += withdrawn;
    if (u.action < Action.TREAT_AS_WITHDRAW) this.prefixesAccepted += announced;
    this.rib.applyUpdate(this.id, u);
    if (this.neighbor.maxPrefixes && (announced > 0 || this.prefixLimitWarned)) this.checkPrefixLimit(c, u);
  }

  /**
   * `max-prefixes`: the routes held from the peer (Adj-RIB-In, stale ones
   * included) against the configured limit, after each UPDATE that announced
   * something. `warn` logs once per crossing. `teardown` sends Cease /
   * Maximum Number of Prefixes Reached with the RFC 4486 §4 data (AFI, SAFI
   * of the UPDATE that crossed it, the limit as a 4-octet upper bound) and
   * stops the session (AutomaticStop, RFC 4271 §8.1.2): it stays down, as
   * FRR's `maximum-prefix` without `restart` does, until the speaker is
   * restarted; the peer's connections are refused meanwhile.
   */
  private checkPrefixLimit(c: Conn, u: DecodedUpdate): void {
    const mp = this.neighbor.maxPrefixes!;
    const rc = (this.rib as RibApi & RibPeerCounters).peerCounters;
    const counts = typeof rc === 'function' ? rc.call(this.rib, this.id) : undefined;
    const held = counts ? counts.received : this.prefixesAccepted - this.prefixesWithdrawn;
    if (held <= mp.limit) {
      this.prefixLimitWarned = false;
      return;
    }
    if (mp.action === 'warn') {
      if (!this.prefixLimitWarned) this.log.warn('max-prefixes exceeded', { held, limit: mp.limit });
      this.prefixLimitWarned = true;
      return;
    }
    if (this.prefixTeardownPending) return;
    // RFC 4486 §4 data: the family of the UPDATE that crossed the limit (IPv4 unicast without MP_REACH_NLRI).
    let afi: number = Afi.IPV4;
    let safi: number = Safi.UNICAST;
    for (const a of u.attributes) {
      if (isUnknownAttr(a) || a.type !== AttrType.MP_REACH_NLRI) continue;
      afi = a.afi;
      safi = a.safi;
      break;
    }
    const data = new Uint8Array(7);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, afi);
    dv.setUint8(2, safi);
    dv.setUint32(3, mp.limit);
    this.log.warn('max-prefixes exceeded: tearing the session down', { held, limit: mp.limit, afi, safi });
    // Not from inside the FSM's ProcessUpdate action (its hold-timer restart
    // follows): right after it. Messages behind it in the same read are moot,
    // the session's routes go with it.
    this.prefixTeardownPending = true;
    const sock = c.socket;
    process.nextTick(() => {
      this.prefixTeardownPending = false;
      if (c.socket === sock && c.fsm.state === 'Established') this.feed(c, { type: 'AutomaticStop', cease: { subcode: notification.CeaseSub.MAX_PREFIXES, data } });
    });
  }

  private onRouteRefresh(c: Conn, msg: Uint8Array): void {
    if (c.fsm.state !== 'Established' || !c.negotiated) {
      // Unexpected before Established: the FSM answers with its FSM Error.
      this.feed(c, { type: 'UpdateMsg' });
      return;
    }
    let rr: routeRefresh.RouteRefreshMessage;
    try {
      rr = routeRefresh.decodeMessage(msg, { extendedMessage: c.negotiated.extendedMessage });
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      // RFC 7313 §5: ROUTE-REFRESH Message Error / Invalid Message Length; the FSM sends it as an error in Established.
      this.feed(c, this.errorEvent(e, 'UpdateMsgErr'));
      return;
    }
    const key = afiSafiKey(rr.afi, rr.safi);
    // RFC 2918 §4: a family not negotiated is ignored; RFC 7313 §5: so is an unknown subtype.
    if (!c.negotiated.families.some((f) => afiSafiKey(f.afi, f.safi) === key) || !routeRefresh.isKnownSubtype(rr.subtype)) {
      this.log.debug('ROUTE-REFRESH ignored', { afi: rr.afi, safi: rr.safi, subtype: rr.subtype });
      return;
    }
    if (rr.subtype !== routeRefresh.RouteRefreshSubtype.NORMAL) {
      // BoRR/EoRR from the peer: stale marking of its routes needs RIB support; the re-sent routes replace the old ones anyway.
      this.log.debug(rr.subtype === routeRefresh.RouteRefreshSubtype.BORR ? 'BoRR received' : 'EoRR received', { afi: rr.afi, safi: rr.safi });
      return;
    }
    this.log.info('route refresh requested', { afi: rr.afi, safi: rr.safi });
    if (c.negotiated.enhancedRouteRefresh) {
      // RFC 7313 §4: BoRR before the re-advertisement, EoRR after it.
      this.flushOut(c);
      this.send(c, this.routeRefreshBytes({ afi: rr.afi, safi: rr.safi, subtype: routeRefresh.RouteRefreshSubtype.BORR }), MsgType.ROUTE_REFRESH);
      c.pendingEorr.push({ afi: rr.afi, safi: rr.safi });
    }
    this.rib.refresh(this.id, rr.afi, rr.safi);
  }

  // ------------------------------------------------------------ session up / down

  private established(c: Conn): void {
    if (c === this.second) this.promote(c);
    const neg = c.negotiated!;
    const sock = c.socket!;
    this.disabled.clear();
    const families = new Set(neg.families.map((f) => afiSafiKey(f.afi, f.safi)));
    this.ribPeer = {
      id: this.id,
      address: this.neighbor.address,
      asn: neg.peerAs,
      bgpId: neg.peerBgpId,
      ibgp: this.ibgp,
      routeReflectorClient: this.neighbor.routeReflectorClient && this.ibgp,
      families,
      addPathTx: neg.addPathTx,
      localAddress: socketAddress(sock.localAddress) ?? this.neighbor.localAddress ?? '0.0.0.0',
      extendedMessage: neg.extendedMessage,
    };
    const peerRestarted = this.grTimer !== null;
    if (this.grTimer) {
      this.clock.clearTimer(this.grTimer);
      this.grTimer = null;
    }
    this.restartingSelf = false;
    this.establishedAt = this.clock.now();
    this.downAt = null;
    this.establishedCount++;
    this.log.info('session established', {
      bgpId: neg.peerBgpId,
      as: neg.peerAs,
      holdTime: c.fsm.holdTime,
      keepalive: c.fsm.keepaliveTime,
      families: [...families],
      direction: c.outbound ? 'outbound' : 'inbound',
      ...(neg.peerHostname ? { hostname: neg.peerHostname } : {}),
      ...(neg.peerGracefulRestart
        ? {
            gracefulRestart: {
              restarting: neg.peerGracefulRestart.restarting,
              restartTime: neg.peerGracefulRestart.restartTime,
              families: neg.peerGracefulRestart.families.map((f) => `${afiSafiKey(f.afi, f.safi)}${f.forwardingPreserved ? ' F' : ''}`),
            },
          }
        : {}),
    });
    this.rib.peerUp(this.ribPeer);
    if (peerRestarted && this.staleReason !== 'self') {
      // RFC 4724 §4.2: the restarted peer's new capability must list EVPN
      // with the F bit, or its stale paths go now; otherwise they wait for
      // its End-of-RIB, at most stale-time.
      const fam = neg.peerGracefulRestart?.families.find((f) => f.afi === Afi.L2VPN && f.safi === Safi.EVPN);
      this.clearStale();
      if (!fam?.forwardingPreserved) {
        this.log.info('graceful restart: the peer did not preserve its forwarding state; stale paths removed');
        this.rib.endOfRib(this.id, Afi.L2VPN, Safi.EVPN);
      } else {
        this.staleReason = 'peer';
        this.staleTimer = this.clock.setTimer(this.clock.now() + this.gr.staleTime * 1000, () => this.staleExpired('stale-time'));
      }
    }
    this.scheduler.schedule();
  }

  private deleteRoutes(c: Conn): void {
    if (!this.ribPeer) return;
    this.ribPeer = null;
    const gr = c.negotiated?.peerGracefulRestart;
    // RFC 4724 §4.2: routes are kept (stale) only when the TCP session ends
    // without a NOTIFICATION, for the families the peer listed (the RIB holds EVPN).
    const evpnListed = gr?.families.some((f) => f.afi === Afi.L2VPN && f.safi === Safi.EVPN) ?? false;
    if (gr && evpnListed && c.event?.type === 'TcpConnectionFails' && !this.stopped) {
      this.log.info('graceful restart: keeping the peer\'s routes as stale', { restartTime: gr.restartTime });
      this.clearStale();
      this.rib.peerDown(this.id, { gracefulRestart: true });
      if (this.grTimer) this.clock.clearTimer(this.grTimer);
      this.grTimer = this.clock.setTimer(this.clock.now() + gr.restartTime * 1000, () => {
        this.grTimer = null;
        if (this.ribPeer) return;
        this.log.info('graceful restart time expired: removing the stale routes');
        this.rib.peerDown(this.id);
        this.scheduler.schedule();
      });
    } else {
      this.clearStale();
      this.rib.peerDown(this.id);
    }
    this.scheduler.schedule();
  }

  private down(c: Conn, a: Extract<FsmAction, { type: 'SessionDown' }>): void {
    if (a.from === 'Established') {
      this.establishedAt = null;
      this.downAt = this.clock.now();
    }
    this.log.info('session down', { from: a.from, event: a.reason });
    c.negotiated = null;
    c.ctx = null;
    if (c === this.second) {
      this.discard(c);
    } else if (this.second && !this.second.discarded) {
      // The main connection lost (a collision or a failure): the other one carries on.
      this.promote(this.second);
    }
  }

  /** Makes `c` the main connection and drops the old one without restarting it. */
  private promote(c: Conn): void {
    const old = this.main;
    this.main = c;
    this.second = null;
    if (old !== c) this.discard(old);
  }

  private discard(c: Conn): void {
    c.timers.stopAll();
    this.drop(c);
    c.discarded = true;
    if (this.second === c) this.second = null;
  }

  // ------------------------------------------------------------ output

  /** Writes what the RIB has for this peer, respecting socket backpressure. Called by the scheduler. */
  pump(): void {
    const c = this.main;
    if (c.fsm.state !== 'Established' || !c.socket || c.blocked || !this.ribPeer) return;
    if (!this.flushOut(c)) return;
    if (c.pendingEorr.length) {
      for (const f of c.pendingEorr.splice(0)) {
        this.send(c, this.routeRefreshBytes({ afi: f.afi, safi: f.safi, subtype: routeRefresh.RouteRefreshSubtype.EORR }), MsgType.ROUTE_REFRESH);
      }
    }
  }

  /** Drains the RIB's queue for this peer into the socket; false if it had to stop for 'drain'. */
  private flushOut(c: Conn): boolean {
    const sock = c.socket;
    const neg = c.negotiated;
    if (!sock || !neg) return false;
    // For what we send, the ADD-PATH identifiers are those we may transmit (RFC 7911 §5).
    const ctx = { fourOctetAs: neg.fourOctetAs, extendedMessage: neg.extendedMessage, addPathRx: neg.addPathTx };
    for (;;) {
      if (c.outIdx >= c.outQueue.length) {
        c.outQueue = this.rib.drainOut(this.id);
        c.outIdx = 0;
        if (c.outQueue.length === 0) return true;
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      while (c.outIdx < c.outQueue.length && size < WRITE_CHUNK) {
        const u = c.outQueue[c.outIdx++]!;
        let bytes: Uint8Array;
        try {
          bytes = update.encodeToBytes(u, ctx);
        } catch (e) {
          this.log.error('cannot encode an UPDATE from the RIB; skipped', { error: e instanceof Error ? e.message : String(e) });
          continue;
        }
        parts.push(bytes);
        size += bytes.length;
        if (this.recorder?.allMessages) this.recorder.message(this.peeringOf(c), bytes, true);
        this.updatesOut++;
        this.prefixesSent += nlriCounts(u).announced;
      }
      if (parts.length === 0) continue;
      countInc(this.msgOut, 'UPDATE', parts.length);
      const chunk = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      if (!sock.write(chunk)) {
        c.blocked = true;
        return false;
      }
    }
  }

  // ------------------------------------------------------------ message building

  private families(): { afi: number; safi: number }[] {
    const fams = this.neighbor.addressFamilies.length ? this.neighbor.addressFamilies : (['l2vpn-evpn'] as AddressFamily[]);
    return fams.map((f) => FAMILY_OF[f]);
  }

  /** Our OPEN: RFC 4271 §4.2 with the capabilities of RFC 5492. */
  private buildOpen(): OpenMessage {
    const caps: Capability[] = this.families().map((f) => ({ kind: 'multiprotocol', afi: f.afi, safi: f.safi }));
    caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }, { kind: 'four-octet-as', asn: this.local.as });
    // RFC 4724 §3: we always act as a receiving speaker. With preserve-forwarding
    // our families are listed (peers then keep our routes across our restart);
    // the R and F bits are set only in the OPEN after restartGracefully(): the
    // data plane kept forwarding on its tables meanwhile.
    const grFamilies = this.gr.preserveForwarding ? this.families().map((f) => ({ ...f, forwardingPreserved: this.restartingSelf })) : [];
    caps.push({ kind: 'graceful-restart', restarting: this.restartingSelf, notification: false, restartTime: this.restartTime, families: grFamilies });
    if (this.extendedMessage) caps.push({ kind: 'extended-message' });
    const host = this.local.hostname ?? osHostname().split('.')[0] ?? '';
    if (host) caps.push({ kind: 'fqdn', hostname: host.slice(0, 64), domainName: (this.local.domainName ?? '').slice(0, 64) });
    return {
      version: openCodec.BGP_VERSION,
      myAs: openCodec.twoOctetAs(this.local.as),
      holdTime: this.cfg.holdTime,
      bgpId: this.local.routerId,
      capabilities: caps,
    };
  }

  private openBytes(o: OpenMessage): Uint8Array {
    const b = new Uint8Array(openCodec.encodingLength(o));
    openCodec.encode(o, b, 0);
    return b;
  }

  private routeRefreshBytes(m: routeRefresh.RouteRefreshMessage): Uint8Array {
    const b = new Uint8Array(routeRefresh.encodingLength(m));
    routeRefresh.encode(m, b, 0);
    return b;
  }
}
