import type net from 'node:net';
import type { BgpConfig, NeighborConfig } from '../config/schema';
import type { RibApi } from '../rib/api';
import type { EvpnRoute } from './wire/evpn/types';
import type { PathAttribute } from './wire/attributes/types';
import type { Clock } from '../util/clock';
import { createLogger, type Logger } from '../util/log';
import type { Ip } from '../util/ip';
import type { FsmConfig } from './fsm';
import { OutputScheduler, Session, type PeerStatus } from './session';
import type { Jitter } from './timers';
import { boundPort, listen, socketAddress } from './transport';
import { admitAccepted, secureListener } from './tcp-options';
import { LiveBgp4mp, PeriodicTableDump } from '../mrt/live';
import type { DumpPath } from '../mrt/dump';

/**
 * The BGP speaker: one listening socket, one Session per configured
 * neighbor, one RIB. Connections from addresses that are not configured
 * neighbors are refused (closed at once, logged). Output to all peers is
 * coalesced by one OutputScheduler: one rib.flush() per event-loop turn.
 */
export interface SpeakerOptions {
  config: BgpConfig;
  rib: RibApi;
  log?: Logger;
  clock?: Clock;
  jitter?: Jitter;
  /** FSM overrides for every session (tests use short timers). */
  fsm?: Partial<FsmConfig>;
  /** TCP port to connect to for a neighbor; default 179. Asked at each attempt. */
  remotePort?: (n: NeighborConfig) => number;
  /** FQDN capability host name; default the system host name. */
  hostname?: string;
}

export class Speaker {
  readonly rib: RibApi;
  private readonly cfg: BgpConfig;
  private readonly log: Logger;
  private readonly scheduler: OutputScheduler;
  private readonly sessions = new Map<Ip, Session>();
  private server: net.Server | null = null;
  /** Neighbors whose TCP MD5 key is installed on the listener. */
  private keyed = new Set<Ip>();
  private stopping = false;
  /** `mrt:` in the config: the live BGP4MP recorder and the periodic table dump. */
  readonly mrtUpdates: LiveBgp4mp | null;
  readonly mrtTable: PeriodicTableDump | null = null;

  constructor(opts: SpeakerOptions) {
    this.cfg = opts.config;
    this.rib = opts.rib;
    this.log = opts.log ?? createLogger({ level: opts.config.log.level });
    this.scheduler = new OutputScheduler(opts.rib);
    const mrt = opts.config.mrt;
    this.mrtUpdates = mrt?.updates ? new LiveBgp4mp(mrt.updates, this.log.child({ part: 'mrt' })) : null;
    for (const n of opts.config.neighbors) {
      const so: ConstructorParameters<typeof Session>[0] = {
        neighbor: n,
        local: { as: opts.config.as, routerId: opts.config.routerId, ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}) },
        rib: opts.rib,
        log: this.log,
        scheduler: this.scheduler,
      };
      const gr = opts.config.gracefulRestart;
      if (gr) {
        so.restartTime = gr.restartTime;
        so.gracefulRestart = { preserveForwarding: gr.preserveForwarding, staleTime: gr.staleTime, selectDeferTime: gr.selectDeferTime };
      }
      if (opts.clock) so.clock = opts.clock;
      if (opts.jitter) so.jitter = opts.jitter;
      if (opts.fsm) so.fsm = opts.fsm;
      if (this.mrtUpdates) so.recorder = this.mrtUpdates;
      const rp = opts.remotePort;
      if (rp) so.remotePort = () => rp(n);
      this.sessions.set(n.address, new Session(so));
    }
    if (mrt?.table) {
      // The RIB lists its paths (Rib.routes); a RIB without that listing has nothing to dump.
      const listing = (this.rib as RibApi & { routes?: () => Iterable<DumpPath> }).routes;
      this.mrtTable = new PeriodicTableDump(
        mrt.table,
        {
          collectorBgpId: opts.config.routerId,
          localAs: opts.config.as,
          paths: () => (typeof listing === 'function' ? listing.call(this.rib) : []),
          peers: () => this.peers().map((p) => ({ id: p.address, address: p.address, asn: p.remoteAs, bgpId: p.bgpId ?? '0.0.0.0' })),
        },
        this.log.child({ part: 'mrt' }),
      );
    }
  }

  /** Binds the listening socket, then starts every session. */
  async start(): Promise<void> {
    await this.listen();
    this.startSessions();
  }

  /** Binds the listening socket only (tests start the sessions of several speakers once all listen). */
  async listen(): Promise<void> {
    const { address, port } = this.cfg.listen;
    this.server = await listen(address, port, (sock) => this.accept(sock));
    const sec = secureListener(this.server, this.cfg.neighbors);
    this.keyed = sec.keyed;
    for (const e of sec.errors) this.log.error('cannot secure the listener for a neighbor: its connections will be refused', e);
    this.log.info('BGP speaker listening', { address, port: boundPort(this.server), as: this.cfg.as, routerId: this.cfg.routerId });
  }

  startSessions(): void {
    for (const s of this.sessions.values()) s.start();
  }

  /** The port the listener is bound to (differs from the configured one with port 0). */
  get port(): number {
    return this.server ? boundPort(this.server) : 0;
  }

  private accept(sock: net.Socket): void {
    const remote = socketAddress(sock.remoteAddress);
    const s = remote ? this.sessions.get(remote) : undefined;
    if (!s || this.stopping) {
      this.log.warn(this.stopping ? 'refusing connection: shutting down' : 'refusing connection from an address that is not a configured neighbor', {
        remote: sock.remoteAddress,
        port: sock.remotePort,
      });
      sock.destroy();
      return;
    }
    // RFC 2385: the kernel drops unsigned or wrongly signed segments once the
    // key is on the listener; without it the connection is not authenticated.
    let refuse = s.neighbor.password !== undefined && !this.keyed.has(s.neighbor.address) ? 'TCP MD5 key not installed on the listener' : null;
    refuse ??= admitAccepted(sock, s.neighbor);
    if (refuse) {
      this.log.warn('refusing connection', { remote: sock.remoteAddress, port: sock.remotePort, reason: refuse });
      sock.destroy();
      return;
    }
    s.incoming(sock);
  }

  session(address: Ip): Session | undefined {
    return this.sessions.get(address);
  }

  peers(): PeerStatus[] {
    return [...this.sessions.values()].map((s) => s.status());
  }

  /** Originates a local route and sends it at the end of this tick. */
  originate(route: EvpnRoute, attrs: PathAttribute[]): void {
    this.rib.originate(route, attrs);
    this.scheduler.schedule();
  }

  withdrawLocal(route: EvpnRoute): void {
    this.rib.withdrawLocal(route);
    this.scheduler.schedule();
  }

  /** Runs RIB work and output now-ish (after changes made to the RIB directly). */
  kick(): void {
    this.scheduler.schedule();
  }

  /**
   * `clear bgp --graceful`: every session restarts as after a restart of our
   * BGP side (Session.restartGracefully): no NOTIFICATION, the RIB and the
   * data plane keep what they have, stale until each peer's End-of-RIB.
   * Returns the neighbors restarted.
   */
  restartGracefully(): Ip[] {
    if (!this.cfg.gracefulRestart?.preserveForwarding) this.log.warn('graceful restart without graceful-restart.preserve-forwarding: peers will drop our routes until we are back');
    const out: Ip[] = [];
    for (const s of this.sessions.values()) {
      s.restartGracefully();
      out.push(s.neighbor.address);
    }
    return out;
  }

  /**
   * `clear neighbor ADDR [--soft]` / `clear bgp` (every neighbor): hard
   * resets send Cease / Administrative Reset and start the session again;
   * soft ones ask for the peer's routes and resend ours (no reset). Returns
   * the neighbors acted on; throws a RangeError for an unknown address.
   */
  async clear(address: Ip | 'all', soft: boolean): Promise<Ip[]> {
    const targets = address === 'all' ? [...this.sessions.values()] : [this.sessions.get(address)];
    if (targets.some((s) => s === undefined)) throw new RangeError(`${address} is not a configured neighbor`);
    const done: Ip[] = [];
    for (const s of targets as Session[]) {
      if (soft) {
        if (s.softReset()) done.push(s.neighbor.address);
      } else {
        await s.reset();
        done.push(s.neighbor.address);
      }
    }
    return done;
  }

  /**
   * Graceful shutdown: Cease/Administrative Shutdown (RFC 4486, with an
   * RFC 9003 message) to every peer, then the listener closes. Bounded in time.
   */
  async stop(message = 'evpn-vtep shutting down'): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.sessions.values()].map((s) => s.stop(message)));
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([this.mrtUpdates?.close(), this.mrtTable?.close()]);
    this.log.info('BGP speaker stopped');
  }
}
