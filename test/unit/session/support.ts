import net from 'node:net';
import { Framer } from '../../../src/bgp/framer';
import { Speaker, type SpeakerOptions } from '../../../src/bgp/speaker';
import { NO_JITTER } from '../../../src/bgp/timers';
import { sequence } from '../../../src/bgp/wire/attributes/as-path';
import { defaultFlags, type PathAttribute } from '../../../src/bgp/wire/attributes/index';
import type { Capability } from '../../../src/bgp/wire/capabilities';
import { DEFAULT_CTX } from '../../../src/bgp/wire/context';
import { Action } from '../../../src/bgp/wire/errors';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { Afi, AttrType, MsgType, Safi } from '../../../src/bgp/wire/iana';
import { keepaliveBytes } from '../../../src/bgp/wire/keepalive';
import { decodeMessage, type BgpMessage } from '../../../src/bgp/wire/message';
import * as notification from '../../../src/bgp/wire/notification';
import * as openCodec from '../../../src/bgp/wire/open';
import * as routeRefresh from '../../../src/bgp/wire/route-refresh';
import { buildEndOfRib, buildUpdate, encodeToBytes, evpnReach, evpnUnreach, nextHopOf, type DecodedUpdate, type Update } from '../../../src/bgp/wire/update';
import type { BgpConfig, NeighborConfig } from '../../../src/config/schema';
import { DEFAULTS } from '../../../src/config/schema';
import type { RibRouteEntry } from '../../../src/control/protocol';
import type { BestChange, RibApi, RibPeer } from '../../../src/rib/api';

/**
 * A small RibApi for session tests: routes in Maps, every local route sent
 * to every peer with an End-of-RIB after the initial dump. It records every
 * call so tests can check what the session layer did.
 */
export class MapRib implements RibApi {
  readonly peers = new Map<string, RibPeer>();
  readonly adjIn = new Map<string, Map<string, { route: EvpnRoute; attrs: readonly PathAttribute[]; nextHop: string | null }>>();
  readonly local = new Map<string, { route: EvpnRoute; attrs: PathAttribute[] }>();
  readonly out = new Map<string, Update[]>();
  readonly calls: string[] = [];
  flushes = 0;

  constructor(readonly asn: number) {}

  private updateFor(p: RibPeer, route: EvpnRoute, attrs: readonly PathAttribute[]): Update {
    const init: Parameters<typeof buildUpdate>[0]['attributes'] = [
      { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: [p.localAddress], reserved: 0, nlri: { kind: 'evpn', routes: [{ route }] } },
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: p.ibgp ? [] : sequence([this.asn]) },
    ];
    if (p.ibgp) init.push({ type: AttrType.LOCAL_PREF, localPref: 100 });
    for (const a of attrs) init.push(a);
    return buildUpdate({ attributes: init });
  }

  private withdrawFor(route: EvpnRoute): Update {
    return buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nlri: { kind: 'evpn', routes: [{ route }] } }] });
  }

  private queue(id: string, u: Update): void {
    const q = this.out.get(id);
    if (q) q.push(u);
  }

  peerUp(peer: RibPeer): void {
    this.calls.push(`up ${peer.id}`);
    this.peers.set(peer.id, peer);
    this.adjIn.set(peer.id, new Map());
    this.out.set(peer.id, []);
    this.sendAll(peer);
  }

  private sendAll(peer: RibPeer): void {
    for (const l of this.local.values()) this.queue(peer.id, this.updateFor(peer, l.route, l.attrs));
    if (peer.families.has(`${Afi.L2VPN}/${Safi.EVPN}`)) this.queue(peer.id, buildEndOfRib(Afi.L2VPN, Safi.EVPN));
  }

  peerDown(peerId: string, opts?: { gracefulRestart?: boolean }): void {
    this.calls.push(`down ${peerId}${opts?.gracefulRestart ? ' gr' : ''}`);
    this.peers.delete(peerId);
    this.adjIn.delete(peerId);
    this.out.delete(peerId);
  }

  applyUpdate(peerId: string, u: DecodedUpdate): void {
    this.calls.push(`update ${peerId}`);
    const m = this.adjIn.get(peerId);
    if (!m) throw new Error(`applyUpdate for a peer that is not up: ${peerId}`);
    for (const n of evpnUnreach(u)) m.delete(evpnRouteKey(n.route));
    const withdraw = u.action >= Action.TREAT_AS_WITHDRAW;
    const attrs = u.attributes.filter((a) => a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI);
    for (const n of evpnReach(u)) {
      if (withdraw) m.delete(evpnRouteKey(n.route));
      else m.set(evpnRouteKey(n.route), { route: n.route, attrs, nextHop: nextHopOf(u) ?? null });
    }
  }

  endOfRib(peerId: string, afi: number, safi: number): void {
    this.calls.push(`eor ${peerId} ${afi}/${safi}`);
  }

  originate(route: EvpnRoute, attrs: PathAttribute[]): void {
    this.local.set(evpnRouteKey(route), { route, attrs });
    for (const p of this.peers.values()) this.queue(p.id, this.updateFor(p, route, attrs));
  }

  withdrawLocal(route: EvpnRoute): void {
    this.local.delete(evpnRouteKey(route));
    for (const p of this.peers.values()) this.queue(p.id, this.withdrawFor(route));
  }

  flush(): void {
    this.flushes++;
  }

  drainOut(peerId: string): Update[] {
    const q = this.out.get(peerId) ?? [];
    this.out.set(peerId, []);
    return q;
  }

  subscribe(_fn: (changes: readonly BestChange[]) => void): () => void {
    return () => undefined;
  }

  refresh(peerId: string, afi: number, safi: number): void {
    this.calls.push(`refresh ${peerId} ${afi}/${safi}`);
    const p = this.peers.get(peerId);
    if (p) for (const l of this.local.values()) this.queue(p.id, this.updateFor(p, l.route, l.attrs));
  }

  *routes(): IterableIterator<RibRouteEntry> {
    for (const l of this.local.values()) yield { route: l.route, attrs: l.attrs, nextHop: null, from: 'local', best: true };
    for (const [id, m] of this.adjIn) for (const r of m.values()) yield { ...r, from: id, best: true };
  }

  /** Routes learned from a peer, by key. */
  learned(peerId: string): Map<string, { route: EvpnRoute; attrs: readonly PathAttribute[]; nextHop: string | null }> {
    return this.adjIn.get(peerId) ?? new Map();
  }
}

export function neighbor(n: Partial<NeighborConfig> & Pick<NeighborConfig, 'address' | 'remoteAs'>): NeighborConfig {
  return {
    passive: false,
    holdTime: 90,
    keepalive: 30,
    routeReflectorClient: false,
    addressFamilies: ['l2vpn-evpn'],
    ...n,
  };
}

export function bgpConfig(c: Partial<BgpConfig> & Pick<BgpConfig, 'routerId' | 'as'>): BgpConfig {
  return {
    listen: { address: '127.0.0.1', port: 0 },
    neighbors: [],
    l2vnis: [],
    rdRtMode: 'frr',
    migration: { probeTimeoutMs: DEFAULTS.probeTimeoutMs, dad: { maxMoves: 5, windowSeconds: 180 } },
    controlSocket: '/nonexistent',
    log: { level: 'debug' },
    ...c,
  };
}

/** Waits until `check` is truthy, polling; bounded. */
export async function until<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function openBytes(o: Partial<openCodec.OpenMessage> & { as: number; bgpId: string }, caps?: Capability[]): Uint8Array {
  const m: openCodec.OpenMessage = {
    version: 4,
    myAs: openCodec.twoOctetAs(o.as),
    holdTime: o.holdTime ?? 90,
    bgpId: o.bgpId,
    capabilities: caps ?? [
      { kind: 'multiprotocol', afi: Afi.L2VPN, safi: Safi.EVPN },
      { kind: 'route-refresh' },
      { kind: 'enhanced-route-refresh' },
      { kind: 'four-octet-as', asn: o.as },
    ],
  };
  const b = new Uint8Array(openCodec.encodingLength(m));
  openCodec.encode(m, b, 0);
  return b;
}

export function notificationBytes(code: number, subcode: number, data = new Uint8Array(0)): Uint8Array {
  const n = { code, subcode, data };
  const b = new Uint8Array(notification.encodingLength(n));
  notification.encode(n, b, 0);
  return b;
}

export function routeRefreshBytes(afi: number, safi: number, subtype = 0): Uint8Array {
  const m = { afi, safi, subtype };
  const b = new Uint8Array(routeRefresh.encodingLength(m));
  routeRefresh.encode(m, b, 0);
  return b;
}

export const KEEPALIVE = keepaliveBytes();

export function updateBytes(u: Update): Uint8Array {
  return encodeToBytes(u, DEFAULT_CTX);
}

/** One TCP connection of a scripted peer: sends raw bytes, collects decoded messages. */
export class RawConn {
  readonly messages: BgpMessage[] = [];
  closed = false;
  private readonly framer = new Framer();

  constructor(readonly sock: net.Socket, ibgp = false) {
    sock.on('data', (chunk: Buffer) => {
      this.framer.feed(new Uint8Array(chunk), (buf, s, e) => {
        this.messages.push(decodeMessage(buf, { ...DEFAULT_CTX, ibgp }, s, e));
      });
    });
    sock.on('close', () => {
      this.closed = true;
    });
    sock.on('error', () => undefined);
  }

  send(b: Uint8Array): void {
    this.sock.write(b);
  }

  of(type: MsgType): BgpMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  notifications(): notification.NotificationMessage[] {
    return this.messages.flatMap((m) => (m.type === MsgType.NOTIFICATION ? [m.notification] : []));
  }

  /** Waits for a message of the type and returns it. */
  async next(type: MsgType, after = 0): Promise<BgpMessage> {
    return until(`message type ${type}`, () => this.of(type)[after]);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A scripted peer: a listener on `address`:0 plus outbound connections on demand. */
export class RawPeer {
  readonly conns: RawConn[] = [];
  private server: net.Server | null = null;

  constructor(readonly address: string) {}

  async listen(): Promise<number> {
    this.server = net.createServer((s) => this.conns.push(new RawConn(s)));
    await new Promise<void>((r) => this.server!.listen(0, this.address, () => r()));
    return (this.server.address() as net.AddressInfo).port;
  }

  async connect(host: string, port: number): Promise<RawConn> {
    const s = net.connect({ host, port, localAddress: this.address });
    await new Promise<void>((r, j) => {
      s.once('connect', () => r());
      s.once('error', j);
    });
    const c = new RawConn(s);
    this.conns.push(c);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.close();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

export function flags(type: number): number {
  return defaultFlags(type);
}

/** Short FSM timers for the session tests. */
export const FAST_FSM = { idleHoldTime: 0.1, connectRetryTime: 2 };

/**
 * A started speaker whose sessions connect to `raw` (fast timers, no
 * jitter); `cleanup` receives what stops it and closes `raw`.
 */
export async function speakerToRawPeer(
  raw: RawPeer,
  o: Pick<SpeakerOptions, 'config' | 'rib' | 'log' | 'clock'>,
  cleanup: (f: () => Promise<void>) => void,
): Promise<Speaker> {
  const port = await raw.listen();
  const sp = new Speaker({
    config: o.config,
    rib: o.rib,
    log: o.log,
    fsm: FAST_FSM,
    jitter: NO_JITTER,
    remotePort: () => port,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  cleanup(async () => {
    await sp.stop();
    await raw.close();
  });
  await sp.start();
  return sp;
}
