import net from 'node:net';
import { EventEmitter } from 'node:events';
import { Framer } from '../bgp/framer';
import { BgpError } from '../bgp/wire/errors';
import { AS_TRANS, MsgType } from '../bgp/wire/iana';
import { keepaliveBytes } from '../bgp/wire/keepalive';
import { negotiate, type Negotiated } from '../bgp/wire/negotiate';
import * as notification from '../bgp/wire/notification';
import * as open from '../bgp/wire/open';
import type { Capability } from '../bgp/wire/capabilities';
import { socketAddress } from '../bgp/transport';

/*
 * The BGP side of `evpn-vtep inject`: one outgoing session, as small as an
 * injector can be while still being a correct speaker (RFC 4271 §8): OPEN,
 * wait for the peer's OPEN, KEEPALIVE, Established on the peer's KEEPALIVE;
 * KEEPALIVEs every hold/3 seconds; a NOTIFICATION from the peer ends it.
 * It never interprets what the peer sends beyond counting UPDATEs, and it
 * writes UPDATEs with socket backpressure. Cease / Administrative Shutdown
 * (RFC 4486, RFC 9003) on close().
 *
 * Events: 'established' (Negotiated), 'update' (bytes), 'notification'
 * ({code, subcode, name, data}), 'closed' (reason string).
 */

export interface InjectorOptions {
  host: string;
  port: number;
  localAs: number;
  routerId: string;
  /** Source address to bind. */
  localAddress?: string;
  holdTime?: number;
  /** AFI/SAFIs to offer; default L2VPN EVPN only. */
  families?: { afi: number; safi: number }[];
  connectTimeoutMs?: number;
}

export interface ReceivedNotification {
  code: number;
  subcode: number;
  name: string;
  data: string;
}

export class InjectorSession extends EventEmitter {
  private sock: net.Socket | null = null;
  private readonly framer = new Framer();
  private localOpen: open.OpenMessage;
  private keepalive: NodeJS.Timeout | undefined;
  private state: 'idle' | 'connecting' | 'open-sent' | 'open-confirm' | 'established' | 'closed' = 'idle';
  negotiated: Negotiated | null = null;
  localAddress = '';
  updatesReceived = 0;
  updatesSent = 0;
  notificationReceived: ReceivedNotification | null = null;

  constructor(readonly o: InjectorOptions) {
    super();
    const caps: Capability[] = (o.families ?? [{ afi: 25, safi: 70 }]).map((f) => ({ kind: 'multiprotocol', afi: f.afi, safi: f.safi }));
    caps.push({ kind: 'route-refresh' }, { kind: 'four-octet-as', asn: o.localAs }, { kind: 'extended-message' });
    this.localOpen = { version: 4, myAs: o.localAs > 0xffff ? AS_TRANS : o.localAs, holdTime: o.holdTime ?? 90, bgpId: o.routerId, capabilities: caps };
  }

  get established(): boolean {
    return this.state === 'established';
  }

  /** Connects and resolves once Established; rejects on error, NOTIFICATION or timeout. */
  connect(): Promise<Negotiated> {
    return new Promise((resolve, reject) => {
      this.state = 'connecting';
      const timer = setTimeout(() => {
        fail(new Error(`no BGP session with ${this.o.host}:${this.o.port} within ${this.o.connectTimeoutMs ?? 30_000} ms`));
      }, this.o.connectTimeoutMs ?? 30_000);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        this.off('established', ok);
        this.off('closed', closedEarly);
        this.shutdownSocket();
        reject(e);
      };
      const ok = (n: Negotiated): void => {
        clearTimeout(timer);
        this.off('closed', closedEarly);
        resolve(n);
      };
      const closedEarly = (why: string): void => fail(new Error(why));
      this.once('established', ok);
      this.once('closed', closedEarly);
      const opts: net.NetConnectOpts = { host: this.o.host, port: this.o.port };
      if (this.o.localAddress) opts.localAddress = this.o.localAddress;
      const sock = net.connect(opts);
      this.sock = sock;
      sock.setNoDelay(true);
      sock.on('connect', () => {
        this.localAddress = socketAddress(sock.localAddress) ?? '';
        const b = new Uint8Array(open.encodingLength(this.localOpen));
        open.encode(this.localOpen, b, 0);
        sock.write(b);
        this.state = 'open-sent';
      });
      sock.on('data', (chunk: Buffer) => this.onData(chunk));
      sock.on('error', (e) => this.finish(`tcp: ${e.message}`));
      sock.on('close', () => this.finish('connection closed'));
    });
  }

  private onData(chunk: Buffer): void {
    try {
      this.framer.feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), (buf, start, end) => this.onMessage(buf.subarray(start, end)));
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      this.sendNotification({ code: e.code, subcode: e.subcode, data: e.data });
      this.finish(`framing error from the peer: ${e.message}`);
    }
  }

  private onMessage(m: Uint8Array): void {
    switch (m[18]) {
      case MsgType.OPEN: {
        let peer: open.OpenMessage;
        try {
          peer = open.decodeMessage(m);
        } catch (e) {
          if (!(e instanceof BgpError)) throw e;
          this.sendNotification({ code: e.code, subcode: e.subcode, data: e.data });
          this.finish(`malformed OPEN from the peer: ${e.message}`);
          return;
        }
        this.negotiated = negotiate(this.localOpen, peer);
        this.framer.extendedMessage = this.negotiated.extendedMessage;
        this.write(keepaliveBytes());
        this.state = 'open-confirm';
        return;
      }
      case MsgType.KEEPALIVE:
        if (this.state === 'open-confirm' && this.negotiated) {
          this.state = 'established';
          const ka = this.negotiated.keepaliveTime;
          if (ka > 0) this.keepalive = setInterval(() => this.write(keepaliveBytes()), ka * 1000);
          this.emit('established', this.negotiated);
        }
        return;
      case MsgType.UPDATE:
        this.updatesReceived++;
        this.emit('update', m);
        return;
      case MsgType.NOTIFICATION: {
        const n = notification.decodeMessage(m);
        const r: ReceivedNotification = { code: n.code, subcode: n.subcode, name: notification.notificationName(n.code, n.subcode), data: Buffer.from(n.data).toString('hex') };
        this.notificationReceived = r;
        this.emit('notification', r);
        this.finish(`peer sent NOTIFICATION ${n.code}/${n.subcode} (${r.name})`);
        return;
      }
      default:
        return;
    }
  }

  private write(b: Uint8Array): boolean {
    const s = this.sock;
    if (!s || s.destroyed) return false;
    return s.write(b);
  }

  /** Writes messages in order, waiting for 'drain' when the socket buffer fills. Resolves when all are handed to the kernel. */
  async send(msgs: readonly Uint8Array[]): Promise<void> {
    for (const m of msgs) {
      if (this.state !== 'established') throw new Error('session is not established');
      this.updatesSent++;
      if (!this.write(m)) {
        await new Promise<void>((resolve) => {
          const s = this.sock!;
          const done = (): void => {
            s.off('drain', done);
            s.off('close', done);
            resolve();
          };
          s.on('drain', done);
          s.on('close', done);
        });
      }
    }
  }

  private sendNotification(n: notification.NotificationMessage): void {
    const b = new Uint8Array(notification.encodingLength(n));
    notification.encode(n, b, 0);
    this.write(b);
  }

  private finish(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.keepalive);
    this.shutdownSocket();
    this.emit('closed', reason);
  }

  private shutdownSocket(): void {
    const s = this.sock;
    if (s && !s.destroyed) s.end();
    if (s) setTimeout(() => s.destroy(), 500).unref();
  }

  /** Cease / Administrative Shutdown with a message, then closes. */
  close(message = 'evpn-vtep inject done'): void {
    if (this.state === 'closed') return;
    if (this.state === 'established' || this.state === 'open-confirm') this.sendNotification(notification.adminShutdown(message));
    this.finish('closed by us');
  }
}
