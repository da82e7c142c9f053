import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { PeerStatus } from '../../../src/bgp/session';
import { AsSegmentType } from '../../../src/bgp/wire/attributes/as-path';
import { imetRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { formatRoute } from '../../../src/bgp/wire/evpn/key';
import { rdToString } from '../../../src/bgp/wire/evpn/rd';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { Afi, AttrType, Safi } from '../../../src/bgp/wire/iana';
import { buildEndOfRib, buildUpdate, type AttrInit, type Update } from '../../../src/bgp/wire/update';
import type { RouteRow } from '../../../src/control/protocol';
import { ipNs, Topology } from '../../support/netns';
import type { OpenOptions, RawConn, RawPeer } from '../../support/raw-peer';
import { poll, type VtepProcess } from '../../support/vtep-process';

/**
 * Shared pieces of the robustness tests: a two-namespace lab (speaker and
 * raw peers, one veth, every address inside the namespaces), and LivePeer,
 * a raw peer that remembers what it announced so a test can check that the
 * speaker's RIB, as `show routes` prints it, equals the peer's table.
 */

export class RzLab {
  readonly topo = new Topology('rz');
  /** A random /24 of 100.64.0.0/10; .1 is the speaker, .2 and up the peers. */
  readonly net = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}`;
  vtepNs = '';
  peerNs = '';
  vtepIf = '';
  peerIf = '';

  get vtepAddress(): string {
    return `${this.net}.1`;
  }

  peerAddress(i: number): string {
    return `${this.net}.${2 + i}`;
  }

  /** Namespaces `vt` and `pe` joined by a veth; `peers` addresses on the peer side. */
  build(peers: number): void {
    this.vtepNs = this.topo.addNs('vt');
    this.peerNs = this.topo.addNs('pe');
    this.vtepIf = this.topo.name('v');
    this.peerIf = this.topo.name('p');
    execFileSync('ip', ['link', 'add', this.vtepIf, 'netns', this.vtepNs, 'type', 'veth', 'peer', 'name', this.peerIf, 'netns', this.peerNs]);
    ipNs(this.vtepNs, ['addr', 'add', `${this.vtepAddress}/24`, 'dev', this.vtepIf]);
    for (let i = 0; i < peers; i++) ipNs(this.peerNs, ['addr', 'add', `${this.peerAddress(i)}/24`, 'dev', this.peerIf]);
    ipNs(this.vtepNs, ['link', 'set', this.vtepIf, 'up']);
    ipNs(this.peerNs, ['link', 'set', this.peerIf, 'up']);
  }

  /** Takes the peer side of the link down or up (a half-open connection for TCP). */
  peerLink(up: boolean): void {
    ipNs(this.peerNs, ['link', 'set', this.peerIf, up ? 'up' : 'down']);
  }

  destroy(): void {
    this.topo.destroy();
  }
}

export function routeKeyOf(route: EvpnRoute): string {
  return `${'rd' in route ? rdToString(route.rd) : ''}|${formatRoute(route)}`;
}

export function rowKey(r: RouteRow): string {
  return `${r.rd}|${r.prefix}`;
}

/** Type-2 MAC+IP routes of one peer: RD peer:1, VNI 100. */
export function macRoutes(peerAddress: string, n: number, base = 0): EvpnRoute[] {
  const last = Number(peerAddress.split('.')[3]);
  return Array.from({ length: n }, (_, i) =>
    macIpRoute({
      rd: `${peerAddress}:1`,
      mac: `02:7a:${last.toString(16).padStart(2, '0')}:00:${((base + i) >> 8).toString(16).padStart(2, '0')}:${((base + i) & 0xff).toString(16).padStart(2, '0')}`,
      ip: `10.${last}.${(base + i) >> 8}.${(base + i) & 0xff}`,
      label1: 100,
    }),
  );
}

/** The route the RFC 7606 corpus' EVPN UPDATEs carry (EVPN_IMET of build.ts): RD 10.98.0.1:2, originator 10.98.0.1. */
export const CORPUS_IMET = imetRoute({ rd: '10.98.0.1:2', originatorIp: '10.98.0.1' });

export interface LivePeerOptions extends Omit<OpenOptions, 'bgpId'> {
  address: string;
  bgpId?: string;
  ebgp?: boolean;
}

/**
 * A raw peer session plus the table it announced. `connect()` establishes
 * (as the active side), answers the speaker's ROUTE-REFRESH by resending its
 * table, and sends the table and End-of-RIB.
 */
export class LivePeer {
  conn: RawConn | null = null;
  readonly table = new Map<string, { route: EvpnRoute; nextHop: string }>();
  private barrierSeq = 0;
  readonly barrier: EvpnRoute;
  /** ROUTE-REFRESH requests the speaker sent over this peer's sessions. */
  readonly refreshes: string[] = [];

  constructor(
    readonly raw: RawPeer,
    readonly vtep: VtepProcess,
    readonly vtepAddress: string,
    readonly o: LivePeerOptions,
  ) {
    this.barrier = macIpRoute({ rd: `${o.address}:9`, mac: '02:7a:ff:ff:ff:ff', label1: 100 });
  }

  get address(): string {
    return this.o.address;
  }

  open(): OpenOptions {
    return { ...this.o, bgpId: this.o.bgpId ?? this.o.address };
  }

  private attrs(nextHop: string, routes: EvpnRoute[]): AttrInit[] {
    return [
      { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: [nextHop], reserved: 0, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } },
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: this.o.ebgp ? [{ type: AsSegmentType.AS_SEQUENCE, asns: [this.o.as] }] : [] },
    ];
  }

  announceUpdate(routes: EvpnRoute[], nextHop: string): Update {
    return buildUpdate({ attributes: this.attrs(nextHop, routes) });
  }

  withdrawUpdate(routes: EvpnRoute[]): Update {
    return buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } }] });
  }

  /** Sends the UPDATE and records the routes as announced. */
  announce(routes: EvpnRoute[], nextHop: string): void {
    this.conn!.sendUpdate(this.announceUpdate(routes, nextHop));
    for (const route of routes) this.table.set(routeKeyOf(route), { route, nextHop });
  }

  withdraw(routes: EvpnRoute[]): void {
    this.conn!.sendUpdate(this.withdrawUpdate(routes));
    for (const route of routes) this.table.delete(routeKeyOf(route));
  }

  /** Resends the whole table, grouped by next hop, then End-of-RIB. */
  resendTable(c: RawConn): void {
    const byNh = new Map<string, EvpnRoute[]>();
    for (const { route, nextHop } of this.table.values()) {
      const l = byNh.get(nextHop) ?? [];
      l.push(route);
      byNh.set(nextHop, l);
    }
    for (const [nh, routes] of byNh) {
      for (let i = 0; i < routes.length; i += 50) c.sendUpdate(this.announceUpdate(routes.slice(i, i + 50), nh));
    }
    c.sendUpdate(buildEndOfRib(Afi.L2VPN, Safi.EVPN));
  }

  /** Connects, establishes and sends the table; waits until the speaker shows the session Established. */
  async connect(timeoutMs = 15_000): Promise<RawConn> {
    const c = await this.raw.connect(this.vtepAddress, 179, this.address, timeoutMs);
    await this.adopt(c, timeoutMs);
    return c;
  }

  /** Runs the session on a connection opened either way. */
  async adopt(c: RawConn, timeoutMs = 15_000): Promise<void> {
    this.conn = c;
    c.onRefresh = (afi, safi) => {
      this.refreshes.push(`${afi}/${safi}`);
      if (afi === Afi.L2VPN && safi === Safi.EVPN) this.resendTable(c);
    };
    await c.establish(this.open(), { timeoutMs });
    this.resendTable(c);
    await poll(`${this.address} Established`, async () => (await this.vtep.peer(this.address)).state === 'Established', timeoutMs, 10);
  }

  /** Ends the session cleanly from our side (Cease/Administrative Reset) and waits for the close. */
  async hangUp(): Promise<void> {
    const c = this.conn;
    if (!c || c.closed) return;
    c.sendNotification(6, 4);
    c.end();
    await c.waitClosed(5000).catch(() => c.destroy());
  }

  async status(): Promise<PeerStatus> {
    return this.vtep.peer(this.address);
  }

  /** The speaker's rows learned from this peer. */
  async rows(): Promise<RouteRow[]> {
    return (await this.vtep.routes()).filter((r) => r.from === this.address);
  }

  /**
   * Re-announces the barrier route with a fresh next hop and waits until the
   * speaker shows it: everything sent before has been processed.
   */
  async sync(timeoutMs = 10_000): Promise<void> {
    if (!(await this.trySync(timeoutMs))) throw new Error(`barrier from ${this.address} not seen within ${timeoutMs} ms`);
  }

  /** Like sync(), but gives up early (false) when the connection closes. */
  async trySync(timeoutMs: number): Promise<boolean> {
    const n = ++this.barrierSeq;
    const nh = `10.250.${(n >> 8) & 0xff}.${n & 0xff}`;
    const c = this.conn!;
    this.announce([this.barrier], nh);
    const key = routeKeyOf(this.barrier);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !c.closed) {
      if ((await this.rows()).some((r) => rowKey(r) === key && r.nextHop === nh)) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  /** Differences between the speaker's paths from this peer and the peer's table: missing, extra, wrong next hop. */
  async diff(): Promise<{ missing: string[]; extra: string[]; wrong: string[] }> {
    const rows = await this.rows();
    const got = new Map(rows.map((r) => [rowKey(r), r]));
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const [k, v] of this.table) {
      const r = got.get(k);
      if (!r) missing.push(k);
      else if (r.nextHop !== v.nextHop) wrong.push(`${k} ${r.nextHop} != ${v.nextHop}`);
    }
    const extra = [...got.keys()].filter((k) => !this.table.has(k));
    return { missing, extra, wrong };
  }

  /** Waits until the speaker's paths from this peer equal the table; returns the last diff (empty on success). */
  async settle(timeoutMs = 10_000): Promise<{ missing: string[]; extra: string[]; wrong: string[] }> {
    let last = await this.diff();
    const deadline = Date.now() + timeoutMs;
    while (last.missing.length + last.extra.length + last.wrong.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      last = await this.diff();
    }
    return last;
  }
}

/** Counters for the README table. */
export interface Tally {
  cases: number;
  faults: number;
  routesLost: number;
  crashes: number;
}

export function printTally(what: string, t: Tally, extra: Record<string, number | string> = {}): void {
  console.log(`[robustness] ${what}: ${JSON.stringify({ ...t, ...extra })}`);
}
