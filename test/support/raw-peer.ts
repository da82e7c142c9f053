import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Capability } from '../../src/bgp/wire/capabilities';
import type { UpdateCtx } from '../../src/bgp/wire/attributes/attribute';
import { Afi, MsgType, Safi } from '../../src/bgp/wire/iana';
import { keepaliveBytes } from '../../src/bgp/wire/keepalive';
import { decodeMessage, encodeMessage, type BgpMessage } from '../../src/bgp/wire/message';
import * as notification from '../../src/bgp/wire/notification';
import * as openCodec from '../../src/bgp/wire/open';
import type { OpenMessage } from '../../src/bgp/wire/open';
import * as routeRefresh from '../../src/bgp/wire/route-refresh';
import * as update from '../../src/bgp/wire/update';
import type { DecodedUpdate, Update } from '../../src/bgp/wire/update';
import { fromHex, toHex } from '../../src/util/bytes';

/**
 * TEST-ONLY scriptable raw BGP peer.
 *
 * Two halves in one file:
 *  - the child (`node --import tsx raw-peer.ts --raw-peer-child`, started
 *    with `ip netns exec NS` so its sockets live in the namespace): a dumb
 *    socket proxy driven by JSON lines on stdin — connect, listen, write
 *    hex, end, RST (resetAndDestroy), destroy — that reports socket events
 *    and received octets as JSON lines on stdout. It knows nothing of BGP,
 *    so it can send anything, including half messages and garbage;
 *  - the controller (RawPeer, RawConn) in the test process: frames and
 *    decodes what the speaker sends with the project's own codecs, builds
 *    OPEN/KEEPALIVE/UPDATE/NOTIFICATION with them, and offers the small
 *    vocabulary the robustness tests need (establish, announce, wait for a
 *    NOTIFICATION, go silent, reset mid-message).
 */

// ------------------------------------------------------------------ protocol

type Command =
  | { op: 'connect'; id: number; host: string; port: number; local?: string }
  | { op: 'listen'; id: number; host: string; port: number }
  | { op: 'unlisten'; id: number }
  | { op: 'write'; id: number; hex: string }
  | { op: 'end'; id: number }
  | { op: 'reset'; id: number }
  | { op: 'destroy'; id: number };

type Event =
  | { ev: 'ready' }
  | { ev: 'connected'; id: number; local: string; localPort: number }
  | { ev: 'listening'; id: number; port: number }
  | { ev: 'accepted'; id: number; listener: number; remote: string; remotePort: number }
  | { ev: 'data'; id: number; hex: string }
  | { ev: 'end'; id: number }
  | { ev: 'close'; id: number; hadError: boolean }
  | { ev: 'error'; id: number; message: string; code?: string };

// ------------------------------------------------------------------ child

function childMain(): void {
  const sockets = new Map<number, net.Socket>();
  const servers = new Map<number, net.Server>();
  /** Accepted connections get ids from a range of their own, so they never clash with the controller's. */
  let nextAccepted = 1_000_000;
  const emit = (e: Event): void => {
    process.stdout.write(JSON.stringify(e) + '\n');
  };
  const wire = (id: number, s: net.Socket): void => {
    sockets.set(id, s);
    s.setNoDelay(true);
    s.on('data', (b: Buffer) => emit({ ev: 'data', id, hex: b.toString('hex') }));
    s.on('end', () => emit({ ev: 'end', id }));
    s.on('error', (e: NodeJS.ErrnoException) => emit({ ev: 'error', id, message: e.message, ...(e.code ? { code: e.code } : {}) }));
    s.on('close', (hadError) => {
      sockets.delete(id);
      emit({ ev: 'close', id, hadError });
    });
  };
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const c = JSON.parse(line) as Command;
    switch (c.op) {
      case 'connect': {
        const s = net.connect({ host: c.host, port: c.port, ...(c.local ? { localAddress: c.local } : {}) });
        wire(c.id, s);
        s.once('connect', () => emit({ ev: 'connected', id: c.id, local: s.localAddress ?? '', localPort: s.localPort ?? 0 }));
        break;
      }
      case 'listen': {
        const srv = net.createServer((s) => {
          const id = nextAccepted++;
          wire(id, s);
          emit({ ev: 'accepted', id, listener: c.id, remote: s.remoteAddress ?? '', remotePort: s.remotePort ?? 0 });
        });
        srv.on('error', (e) => emit({ ev: 'error', id: c.id, message: e.message }));
        srv.listen({ host: c.host, port: c.port }, () => {
          const a = srv.address();
          emit({ ev: 'listening', id: c.id, port: typeof a === 'object' && a ? a.port : 0 });
        });
        servers.set(c.id, srv);
        break;
      }
      case 'unlisten':
        servers.get(c.id)?.close();
        servers.delete(c.id);
        break;
      case 'write':
        sockets.get(c.id)?.write(Buffer.from(c.hex, 'hex'));
        break;
      case 'end':
        sockets.get(c.id)?.end();
        break;
      case 'reset':
        sockets.get(c.id)?.resetAndDestroy();
        break;
      case 'destroy':
        sockets.get(c.id)?.destroy();
        break;
    }
  });
  // The controller went away: leave nothing behind.
  rl.on('close', () => process.exit(0));
  emit({ ev: 'ready' });
}

if (process.argv.includes('--raw-peer-child')) childMain();

// ------------------------------------------------------------------ controller

const REPO = path.resolve(__dirname, '../..');

/** A received message: its octets, and its decoded value when the codecs accept it. */
export interface Received {
  type: number;
  bytes: Uint8Array;
  msg?: BgpMessage;
  error?: string;
}

export interface OpenOptions {
  as: number;
  bgpId: string;
  holdTime?: number;
  /** Default: MP 25/70 and 1/1, route refresh, 4-octet AS. */
  capabilities?: Capability[];
  /** Leave out the 4-octet AS capability (a 2-octet-only speaker). */
  twoOctetOnly?: boolean;
  /** Advertise these families (default [[25,70],[1,1]]). */
  families?: [number, number][];
  /** Graceful restart capability with these families (RFC 4724). */
  gracefulRestart?: { restartTime: number; families: [number, number][] };
  extendedMessage?: boolean;
}

function waiterTimeout(what: string, ms: number): Error {
  return new Error(`raw peer: timed out after ${ms} ms waiting for ${what}`);
}

/**
 * One TCP connection of the raw peer, seen from the controller. Messages
 * the speaker sends are framed by the header's length field and decoded
 * with the session's negotiated context.
 */
export class RawConn {
  readonly received: Received[] = [];
  /** Set once the child reported the socket closed. */
  closed = false;
  /** The peer (the speaker) sent FIN. */
  ended = false;
  error: string | undefined;
  connected = false;
  /** Our OPEN and the speaker's, once exchanged. */
  sentOpen: OpenMessage | null = null;
  peerOpen: OpenMessage | null = null;
  ctx: UpdateCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set(), ibgp: true };
  /** Answer the speaker's ROUTE-REFRESH: called with (afi, safi). */
  onRefresh: ((afi: number, safi: number) => void) | null = null;
  private buf = new Uint8Array(0);
  private readonly waiters = new Set<() => void>();
  private keepaliveTimer: NodeJS.Timeout | null = null;
  /** Index of the first message not yet taken by next(). */
  private cursor = 0;

  constructor(
    readonly peer: RawPeer,
    readonly id: number,
  ) {}

  /** @internal */
  handle(e: Event): void {
    switch (e.ev) {
      case 'connected':
        this.connected = true;
        break;
      case 'data':
        this.feed(fromHex(e.hex));
        break;
      case 'end':
        this.ended = true;
        break;
      case 'error':
        this.error = e.code ?? e.message;
        break;
      case 'close':
        this.closed = true;
        this.stopKeepalives();
        break;
      default:
        break;
    }
    for (const w of [...this.waiters]) w();
  }

  private feed(chunk: Uint8Array): void {
    const b = new Uint8Array(this.buf.length + chunk.length);
    b.set(this.buf, 0);
    b.set(chunk, this.buf.length);
    let o = 0;
    while (b.length - o >= 19) {
      const len = (b[o + 16]! << 8) | b[o + 17]!;
      if (len < 19) {
        // The speaker never sends this; record it and stop framing this stream.
        this.received.push({ type: -1, bytes: b.slice(o), error: `bad length ${len}` });
        o = b.length;
        break;
      }
      if (b.length - o < len) break;
      const bytes = b.slice(o, o + len);
      o += len;
      const r: Received = { type: bytes[18]!, bytes };
      try {
        r.msg = decodeMessage(bytes, this.ctx);
      } catch (err) {
        r.error = err instanceof Error ? err.message : String(err);
      }
      this.received.push(r);
      if (r.msg?.type === MsgType.ROUTE_REFRESH && this.onRefresh) {
        const rr = r.msg.routeRefresh;
        if (rr.subtype === routeRefresh.RouteRefreshSubtype.NORMAL) this.onRefresh(rr.afi, rr.safi);
      }
    }
    this.buf = b.slice(o);
  }

  /** Resolves when `pred` holds (checked on every event), rejects after `ms`. */
  until(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        clearTimeout(t);
        this.waiters.delete(check);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(waiterTimeout(what, ms));
      }, ms);
      this.waiters.add(check);
    });
  }

  /** The next received message (after those already taken) matching `filter`. */
  async next(what: string, filter: (r: Received) => boolean = () => true, ms = 10_000): Promise<Received> {
    let found: Received | undefined;
    await this.until(
      what,
      () => {
        for (let i = this.cursor; i < this.received.length; i++) {
          if (filter(this.received[i]!)) {
            found = this.received[i]!;
            this.cursor = i + 1;
            return true;
          }
        }
        if (this.closed) throw new Error(`raw peer: connection closed while waiting for ${what}`);
        return false;
      },
      ms,
    );
    return found!;
  }

  /** Messages of a type received so far. */
  all(type: MsgType): Received[] {
    return this.received.filter((r) => r.type === type);
  }

  /** The NOTIFICATIONs received so far, decoded. */
  notifications(): notification.NotificationMessage[] {
    return this.received.flatMap((r) => (r.msg?.type === MsgType.NOTIFICATION ? [r.msg.notification] : []));
  }

  /** Waits for a NOTIFICATION from the speaker. */
  async notification(ms = 10_000): Promise<notification.NotificationMessage> {
    const r = await this.until('a NOTIFICATION', () => this.notifications().length > 0 || this.closed, ms).then(() => this.notifications()[0]);
    if (!r) throw new Error(`raw peer: connection closed without a NOTIFICATION (error ${this.error ?? 'none'})`);
    return r;
  }

  write(bytes: Uint8Array): void {
    this.peer.command({ op: 'write', id: this.id, hex: toHex(bytes) });
  }

  /** Sends messages built by the codecs (UPDATE in the negotiated context). */
  send(m: BgpMessage): void {
    this.write(encodeMessage(m, this.ctx));
  }

  sendUpdate(u: Update): void {
    this.write(update.encodeToBytes(u, this.ctx));
  }

  sendKeepalive(): void {
    this.write(keepaliveBytes());
  }

  sendNotification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): void {
    const n = { code, subcode, data };
    const b = new Uint8Array(notification.encodingLength(n));
    notification.encode(n, b, 0);
    this.write(b);
  }

  sendOpen(o: OpenOptions): OpenMessage {
    const fams = o.families ?? [
      [Afi.L2VPN, Safi.EVPN],
      [Afi.IPV4, Safi.UNICAST],
    ];
    const caps: Capability[] = o.capabilities ?? [
      ...fams.map(([afi, safi]): Capability => ({ kind: 'multiprotocol', afi, safi })),
      { kind: 'route-refresh' },
      ...(o.twoOctetOnly ? [] : [{ kind: 'four-octet-as', asn: o.as } as Capability]),
      ...(o.gracefulRestart
        ? [
            {
              kind: 'graceful-restart',
              restarting: false,
              notification: false,
              restartTime: o.gracefulRestart.restartTime,
              families: o.gracefulRestart.families.map(([afi, safi]) => ({ afi, safi, forwardingPreserved: false })),
            } as Capability,
          ]
        : []),
      ...(o.extendedMessage ? [{ kind: 'extended-message' } as Capability] : []),
    ];
    const open: OpenMessage = {
      version: openCodec.BGP_VERSION,
      myAs: openCodec.twoOctetAs(o.as),
      holdTime: o.holdTime ?? 90,
      bgpId: o.bgpId,
      capabilities: caps,
    };
    const b = new Uint8Array(openCodec.encodingLength(open));
    openCodec.encode(open, b, 0);
    this.write(b);
    this.sentOpen = open;
    this.ctx = { ...this.ctx, fourOctetAs: !o.twoOctetOnly, extendedMessage: false };
    return open;
  }

  /** Waits for the speaker's OPEN and sets the decoding context from both OPENs. */
  async receiveOpen(ms = 10_000): Promise<OpenMessage> {
    const r = await this.next('the speaker\'s OPEN', (x) => x.type === MsgType.OPEN, ms);
    if (r.msg?.type !== MsgType.OPEN) throw new Error(`raw peer: undecodable OPEN: ${r.error}`);
    this.peerOpen = r.msg.open;
    const theirs = new Set(this.peerOpen.capabilities.map((c) => c.kind));
    const ours = new Set((this.sentOpen?.capabilities ?? []).map((c) => c.kind));
    this.ctx = {
      ...this.ctx,
      fourOctetAs: theirs.has('four-octet-as') && ours.has('four-octet-as'),
      extendedMessage: theirs.has('extended-message') && ours.has('extended-message'),
    };
    return this.peerOpen;
  }

  /**
   * OPEN, then KEEPALIVE both ways: Established. Keeps sending KEEPALIVEs
   * every `keepaliveMs` (default: a third of the hold time) until told
   * otherwise.
   */
  async establish(o: OpenOptions, opts: { keepaliveMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const ms = opts.timeoutMs ?? 10_000;
    this.sendOpen(o);
    await this.receiveOpen(ms);
    this.sendKeepalive();
    await this.next('the speaker\'s KEEPALIVE', (x) => x.type === MsgType.KEEPALIVE, ms);
    const hold = Math.min(o.holdTime ?? 90, this.peerOpen!.holdTime);
    this.startKeepalives(opts.keepaliveMs ?? (hold > 0 ? Math.max(200, (hold * 1000) / 3) : 0));
  }

  startKeepalives(everyMs: number): void {
    this.stopKeepalives();
    if (everyMs <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      if (!this.closed) this.sendKeepalive();
    }, everyMs);
    this.keepaliveTimer.unref();
  }

  /** Go silent: no more KEEPALIVEs (hold timer tests). */
  stopKeepalives(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  /** The decoded UPDATEs received so far. */
  updates(): DecodedUpdate[] {
    return this.received.flatMap((r) => (r.msg?.type === MsgType.UPDATE ? [r.msg.update] : []));
  }

  /** FIN. */
  end(): void {
    this.stopKeepalives();
    this.peer.command({ op: 'end', id: this.id });
  }

  /** RST: the connection is aborted, queued octets are dropped (socket.resetAndDestroy()). */
  reset(): void {
    this.stopKeepalives();
    this.peer.command({ op: 'reset', id: this.id });
  }

  destroy(): void {
    this.stopKeepalives();
    this.peer.command({ op: 'destroy', id: this.id });
  }

  waitClosed(ms = 10_000): Promise<void> {
    return this.until('the connection to close', () => this.closed, ms);
  }
}

/** A listening socket of the raw peer; `accepted` fills as connections arrive. */
export class RawListener {
  readonly accepted: { conn: RawConn; at: number; remote: string }[] = [];
  port = 0;
  constructor(
    readonly peer: RawPeer,
    readonly id: number,
  ) {}

  async nextAccepted(ms = 10_000, after = 0): Promise<RawConn> {
    await this.peer.until('an incoming connection', () => this.accepted.length > after, ms);
    return this.accepted[after]!.conn;
  }

  close(): void {
    this.peer.command({ op: 'unlisten', id: this.id });
  }
}

/** The child process in a namespace, and every connection it carries. */
export class RawPeer {
  private child: ChildProcess | null = null;
  private readonly conns = new Map<number, RawConn>();
  private readonly listeners = new Map<number, RawListener>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private ready = false;
  private stderr = '';

  constructor(readonly ns: string) {}

  async start(ms = 30_000): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '--import', 'tsx', __filename, '--raw-peer-child'], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4000);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      this.dispatch(JSON.parse(line) as Event);
    });
    child.once('exit', () => {
      for (const c of this.conns.values()) c.handle({ ev: 'close', id: c.id, hadError: true });
      for (const w of [...this.waiters]) w();
    });
    await this.until('the raw peer child to start', () => {
      if (child.exitCode !== null) throw new Error(`raw peer child exited: ${this.stderr}`);
      return this.ready;
    }, ms);
  }

  private dispatch(e: Event): void {
    if (e.ev === 'ready') this.ready = true;
    else if (e.ev === 'listening') {
      const l = this.listeners.get(e.id);
      if (l) l.port = e.port;
    } else if (e.ev === 'accepted') {
      const c = new RawConn(this, e.id);
      c.connected = true;
      this.conns.set(e.id, c);
      this.listeners.get(e.listener)?.accepted.push({ conn: c, at: Date.now(), remote: e.remote });
    } else if (e.ev === 'error' && this.listeners.has(e.id)) {
      this.stderr += `listener ${e.id}: ${e.message}\n`;
    } else {
      this.conns.get(e.id)?.handle(e);
    }
    for (const w of [...this.waiters]) w();
  }

  /** @internal */
  command(c: Command): void {
    this.child?.stdin?.write(JSON.stringify(c) + '\n');
  }

  /** @internal */
  until(what: string, pred: () => boolean, ms: number): Promise<void> {
    try {
      if (pred()) return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let ok = false;
        try {
          ok = pred();
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (ok) {
          done();
          resolve();
        }
      };
      const done = (): void => {
        clearTimeout(t);
        this.waiters.delete(check);
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(waiterTimeout(what, ms));
      }, ms);
      this.waiters.add(check);
    });
  }

  /** A TCP connection to host:port (from `local` if given); resolves once connected. */
  async connect(host: string, port = 179, local?: string, ms = 10_000): Promise<RawConn> {
    const id = this.nextId++;
    const c = new RawConn(this, id);
    this.conns.set(id, c);
    this.command({ op: 'connect', id, host, port, ...(local ? { local } : {}) });
    await this.until(`connection to ${host}:${port}`, () => {
      if (c.closed) throw new Error(`raw peer: connection to ${host}:${port} failed: ${c.error ?? 'closed'}`);
      return c.connected;
    }, ms);
    return c;
  }

  async listen(host: string, port = 179, ms = 10_000): Promise<RawListener> {
    const id = this.nextId++;
    const l = new RawListener(this, id);
    this.listeners.set(id, l);
    this.command({ op: 'listen', id, host, port });
    await this.until(`listening on ${host}:${port}`, () => l.port > 0, ms);
    return l;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends the child (its sockets close with it). */
  stop(): void {
    if (!this.child) return;
    this.child.stdin?.end();
    if (this.running) this.child.kill('SIGKILL');
    this.child = null;
  }
}
