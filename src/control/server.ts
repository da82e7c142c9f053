import { existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PeerStatus } from '../bgp/session';
import type { Logger } from '../util/log';
import type { CaptureSession } from '../dataplane/capture';
import { answerClear, type ClearActions, type ClearResponse } from './clear';
import {
  parseCaptureRequest,
  parseRequest,
  type CaptureAck,
  type CaptureRequest,
  type ControlResponse,
  type RibListing,
  type RibRouteEntry,
  type ViewRow,
  type VtepView,
} from './protocol';
import { routeRows } from './routes';

/**
 * The control socket of a running speaker: a UNIX stream socket speaking
 * newline-delimited JSON (protocol.ts). It answers `show` requests, and
 * `clear` requests (clear.ts) when the process gives it `actions`; answers
 * go out in request order.
 */

export interface ControlSource {
  peers(): PeerStatus[];
  rib: RibListing;
  /** VTEP tables; absent on a speaker that runs without a data plane (`evpn-vtep bgp`). */
  view?(what: VtepView, filters: { vni?: number }): ViewRow[];
  /** Session resets (`evpn-vtep clear`); absent: clear requests are refused. */
  actions?: ClearActions;
  /**
   * Starts a capture tap (`evpn-vtep capture`); `sink` gets pcap records.
   * Throws with the reason (unknown port, a capture already running).
   */
  capture?(req: CaptureRequest, sink: (records: Uint8Array, count: number) => void): CaptureSession;
}

/**
 * Octets of capture output a slow client may leave unread before further
 * batches are dropped (counted and logged): the daemon never buffers without bound.
 */
const CAPTURE_BACKLOG = 8 << 20;

/** Longest request line accepted; the API has no large requests. */
const MAX_LINE = 64 * 1024;

export class ControlServer {
  private server: net.Server | null = null;
  private readonly clients = new Set<net.Socket>();

  constructor(
    readonly socketPath: string,
    private readonly source: ControlSource,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    mkdirSync(path.dirname(this.socketPath), { recursive: true });
    // A socket file left by a process that died would make listen() fail; remove it if nobody answers on it.
    if (existsSync(this.socketPath)) {
      if (!lstatSync(this.socketPath).isSocket()) throw new Error(`${this.socketPath} exists and is not a socket`);
      if (await answers(this.socketPath)) throw new Error(`another process is serving ${this.socketPath}`);
      unlinkSync(this.socketPath);
    }
    const server = net.createServer((sock) => this.serve(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.log.info('control socket listening', { path: this.socketPath });
  }

  private serve(sock: net.Socket): void {
    this.clients.add(sock);
    sock.on('close', () => this.clients.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    // A clear may take a moment (a reset waits for its NOTIFICATION to leave): answers stay in request order.
    let chain: Promise<void> = Promise.resolve();
    let streaming = false;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      if (streaming) return; // a capture connection carries no further requests
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const json = parseJson(line);
        if (isCapture(json)) {
          streaming = true;
          chain = chain.then(() => this.capture(sock, json));
          return;
        }
        const r = this.respond(json);
        chain = chain.then(async () => {
          const v = await r;
          if (!sock.destroyed) sock.write(JSON.stringify(v) + '\n');
        });
      }
      if (buf.length > MAX_LINE) {
        sock.end(JSON.stringify({ ok: false, error: 'request line too long' }) + '\n');
        buf = '';
      }
    });
  }

  /** One response for one request of the socket: `clear` requests here, the rest by answerRequest(). */
  private respond(json: unknown): ControlResponse | Promise<ClearResponse> {
    if (json === undefined) return { ok: false, error: 'request is not valid JSON' };
    const req = parseRequest(json);
    if (typeof req !== 'string' && req.cmd === 'clear') return answerClear(req, this.source.actions, this.log);
    return this.answerRequest(req);
  }

  /** Answers a capture request, then streams pcap records until the client goes away. */
  private capture(sock: net.Socket, json: unknown): void {
    const fail = (error: string): void => void sock.end(JSON.stringify({ ok: false, error } satisfies ControlResponse) + '\n');
    const req = parseCaptureRequest(json);
    if (typeof req === 'string') return fail(req);
    if (!this.source.capture) return fail('capture needs a VTEP (evpn-vtep run); this is a BGP speaker only');
    let session: CaptureSession;
    let backlogDropped = 0;
    try {
      session = this.source.capture(req, (records, count) => {
        if (sock.destroyed) return;
        if (sock.writableLength > CAPTURE_BACKLOG) {
          backlogDropped += count;
          return;
        }
        sock.write(records);
      });
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    const ack: CaptureAck = {
      ok: true,
      capture: { port: req.port, ...(req.vni === undefined ? {} : { vni: req.vni }), snaplen: session.snaplen, linkType: 1 },
    };
    sock.write(JSON.stringify(ack) + '\n');
    this.log.info('capture started', { port: req.port, ...(req.vni === undefined ? {} : { vni: req.vni }) });
    sock.once('close', () => {
      const st = session.stop();
      this.log.info('capture stopped', { port: req.port, captured: st.captured, droppedRingFull: st.dropped, droppedSlowClient: backlogDropped });
    });
  }

  /** One response for one read-only request line (also what the HTTP API asks). */
  answer(line: string): ControlResponse {
    const json = parseJson(line);
    if (json === undefined) return { ok: false, error: 'request is not valid JSON' };
    return this.answerRequest(parseRequest(json));
  }

  private answerRequest(req: ReturnType<typeof parseRequest>): ControlResponse {
    if (typeof req === 'string') return { ok: false, error: req };
    if (req.cmd === 'clear') return { ok: false, error: 'clear is accepted on the control socket only' };
    try {
      if (req.what === 'peers') return { ok: true, peers: this.source.peers() };
      if (req.what !== 'routes') {
        if (!this.source.view) return { ok: false, error: `"show ${req.what}" needs a VTEP (evpn-vtep run); this is a BGP speaker only` };
        return { ok: true, rows: this.source.view(req.what, req.filters ?? {}) };
      }
      const rib = this.source.rib;
      if (typeof rib.routes === 'function') return { ok: true, routes: routeRows(rib.routes(req.filters), req.filters) };
      if (typeof rib.bestPaths === 'function') return { ok: true, routes: routeRows(withBest(rib.bestPaths()), req.filters) };
      return { ok: false, error: 'this RIB cannot list its routes' };
    } catch (e) {
      this.log.error('control request failed', { error: e instanceof Error ? e.message : String(e) });
      return { ok: false, error: 'internal error' };
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const c of this.clients) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.socketPath);
    } catch {
      /* already gone */
    }
  }
}

function* withBest(paths: Iterable<Omit<RibRouteEntry, 'best'>>): IterableIterator<RibRouteEntry> {
  for (const p of paths) yield { route: p.route, attrs: p.attrs, nextHop: p.nextHop, from: p.from, best: true };
}

/** True if something accepts connections on the socket path (within 500 ms). */
function answers(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(p);
    const done = (v: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 500);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** The value of a JSON request line; undefined when the line is not JSON (JSON.parse never gives undefined). */
function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** A capture request turns its connection into a pcap stream. */
function isCapture(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { cmd?: unknown }).cmd === 'capture';
}
