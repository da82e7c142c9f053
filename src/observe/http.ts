import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../util/log';
import type { Metrics } from './metrics';

/*
 * The observability endpoint (issue 8), off unless `metrics.listen` is
 * configured: plain node:http, read-only, GET/HEAD only.
 *
 *   /metrics           Prometheus text exposition format
 *   /api/peers         the document of `evpn-vtep show peers --json`
 *   /api/routes        the document of `evpn-vtep show routes --json`;
 *                      ?type=1..5 and ?vni=N filter like --type and --vni
 *   /api/<what>        any other `show` view the control API answers
 *                      (macs, arp, vteps, vnis, counters on a VTEP)
 *
 * The API answers through the control socket's own request handler
 * (ControlServer.answer), so the JSON is the very document `show --json`
 * prints: the same schema, documented in src/control/protocol.ts. Errors
 * come back as {"error": "..."} with status 400 (bad filter), 404 (unknown
 * path) or 405 (method).
 */

export interface ListenAddress {
  address: string;
  port: number;
}

/** Answers one control request object, e.g. {cmd: 'show', what: 'peers'}; ControlServer.answer(JSON.stringify(req)) fits. */
export type ShowAnswer = (req: Record<string, unknown>) => { ok: boolean; error?: string } & Record<string, unknown>;

export interface ObserveServerOptions {
  listen: ListenAddress;
  metrics: Metrics;
  show?: ShowAnswer;
  log?: Logger;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export class ObserveServer {
  private server: http.Server | null = null;

  constructor(private readonly o: ObserveServerOptions) {}

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.o.log?.error('metrics endpoint: request failed', { error: e instanceof Error ? e.message : String(e) });
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    // Read-only and small: nothing here needs long requests or many sockets.
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    server.maxConnections = 64;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.listen.port, this.o.listen.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.o.log?.info('metrics endpoint listening', { address: this.o.listen.address, port: this.port });
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, { error: `method ${req.method ?? ''} not allowed` });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/metrics') {
      const body = await this.o.metrics.text();
      res.writeHead(200, { 'Content-Type': this.o.metrics.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const m = /^\/api\/([^/]+)\/?$/.exec(url.pathname);
    if (!m || !this.o.show || !NAME.test(m[1]!)) return send(res, 404, { error: `no such resource: ${url.pathname}` });
    const what = m[1]!;
    const filters: Record<string, number> = {};
    for (const [k, v] of url.searchParams) {
      if (k !== 'type' && k !== 'vni') return send(res, 400, { error: `unknown parameter "${k}": type, vni` });
      if (!/^\d{1,8}$/.test(v)) return send(res, 400, { error: `${k} must be a number` });
      filters[k] = Number(v);
    }
    const answer = this.o.show(Object.keys(filters).length ? { cmd: 'show', what, filters } : { cmd: 'show', what });
    if (!answer.ok) return send(res, /unknown "what"/.test(answer.error ?? '') ? 404 : 400, { error: answer.error ?? 'error' });
    const { ok: _ok, ...rest } = answer;
    const keys = Object.keys(rest);
    // The control response carries one document under one key (peers, routes, rows): serve that document.
    send(res, 200, keys.length === 1 ? rest[keys[0]!] : rest, req.method === 'HEAD');
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function send(res: http.ServerResponse, status: number, doc: unknown, headOnly = false): void {
  const body = JSON.stringify(doc, null, 2) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}
