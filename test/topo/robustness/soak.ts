import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { routeTarget } from '../../../src/bgp/wire/ext-community';
import { Afi, AttrType, Safi } from '../../../src/bgp/wire/iana';
import { buildEndOfRib, buildUpdate, type AttrInit } from '../../../src/bgp/wire/update';
import { RawPeer, type RawConn } from '../../support/raw-peer';
import { waitFor } from '../../support/peers';
import { AS, GrFabric, icmpCounter, pingStream, VNI } from './gr-support';

/**
 * The soak run (issue 7): two evpn-vtep leaves with a stable host behind
 * each (A, B) pinging each other every 20 ms, and a raw iBGP peer of leaf 1
 * churning type-2 routes at a steady rate: every tick it adds new MACs,
 * withdraws old ones and moves some (same route, next hop to another fake
 * VTEP). Leaf 1's RSS is sampled every second. At the end the churn stops
 * and leaf 1's tables must equal what the peer holds, exactly: the paths
 * from the peer (`show routes`) and the remote MACs at the fake VTEPs in
 * the data plane (`show macs`). Shared by the CI test (soak.test.ts) and
 * the longer bench (bench/topo/soak.bench.ts).
 */

export interface SoakOptions {
  /** Nominal length: the ping stream's count × 20 ms; the churn runs until the stream ends. */
  durationMs: number;
  /** Route changes per second, split evenly between adds, withdrawals and moves. */
  changesPerSecond: number;
  /** Routes the peer holds before churn starts (the table then stays about this size). */
  tableSize: number;
  /** Churn before RSS sampling starts (JIT, heap growth to its working size). Default min(15 s, a quarter of the run). */
  warmupMs?: number;
  log?: (s: string) => void;
}

export interface SoakResult {
  durationMs: number;
  changes: { adds: number; withdrawals: number; moves: number };
  /** Achieved route changes per second. */
  rate: number;
  pings: { sent: number; reachedB: number; replies: number };
  /** RSS of leaf 1 in MiB after the warm-up: every sample (1/s), the median of the first and last thirds, their ratio and the fitted slope. */
  rss: { samples: number[]; firstThird: number; lastThird: number; ratio: number; slopeMiBPerMin: number };
  /** Leaf 1's tables against the peer's at the end. */
  final: { expectedRoutes: number; routes: number; routeDiff: string[]; expectedMacs: number; macs: number; macDiff: string[] };
  sessionFlaps: number;
}

const FAKE_VTEPS = Array.from({ length: 8 }, (_, i) => `10.250.0.${i + 1}`);
const TICK_MS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** The churn peer's table: MAC → fake VTEP. Route n is MAC 02:5a:nn:nn:nn:nn in VNI 100 under RD peer:1. */
class ChurnTable {
  readonly held = new Map<number, string>();
  private next = 0;
  constructor(private readonly rd: string) {}

  route(n: number): EvpnRoute {
    const b = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((x) => x.toString(16).padStart(2, '0'));
    return macIpRoute({ rd: this.rd, mac: `02:5a:${b.join(':')}`, label1: VNI });
  }

  mac(n: number): string {
    return (this.route(n) as { mac: string }).mac;
  }

  fresh(): number {
    return this.next++;
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const f = new GrFabric({ peer: 'evpn', churnPeer: true });
  let peerRaw: RawPeer | null = null;
  let conn: RawConn | null = null;
  try {
    await f.up();
    peerRaw = new RawPeer(f.cNs);
    await peerRaw.start();
    conn = await peerRaw.connect(f.oursIp, 179, f.cIp, 15_000);
    await conn.establish({ as: AS, bgpId: f.cIp, holdTime: 9, families: [[25, 70]] });
    await waitFor('churn peer Established', async () => (await f.peer(f.ours, f.cIp))?.state === 'Established', 15_000, 100);
    const c = conn;
    const table = new ChurnTable(`${f.cIp}:1`);
    const attrs = (): AttrInit[] => [
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: [] },
      { type: AttrType.LOCAL_PREF, localPref: 100 },
      { type: AttrType.EXTENDED_COMMUNITIES, communities: [routeTarget(`${AS}:${VNI}`), { kind: 'encapsulation', tunnelType: 8 }] },
    ];
    const announce = (ns: number[], nh: string): void => {
      for (let i = 0; i < ns.length; i += 100) {
        const part = ns.slice(i, i + 100);
        c.sendUpdate(buildUpdate({
          attributes: [
            { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: [nh], reserved: 0, nlri: { kind: 'evpn', routes: part.map((n) => ({ route: table.route(n) })) } },
            ...attrs(),
          ],
        }));
        for (const n of part) table.held.set(n, nh);
      }
    };
    const withdraw = (ns: number[]): void => {
      if (ns.length === 0) return;
      c.sendUpdate(buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nlri: { kind: 'evpn', routes: ns.map((n) => ({ route: table.route(n) })) } }] }));
      for (const n of ns) table.held.delete(n);
    };
    // The initial table, spread over the fake VTEPs, then End-of-RIB.
    const initial = Array.from({ length: o.tableSize }, () => table.fresh());
    FAKE_VTEPS.forEach((v, k) => announce(initial.filter((n) => n % FAKE_VTEPS.length === k), v));
    c.sendUpdate(buildEndOfRib(Afi.L2VPN, Safi.EVPN));
    await waitFor('leaf 1 to hold the initial table', async () => (await f.routes()).filter((r) => r.from === f.cIp).length === o.tableSize, 60_000, 200);

    // Stable hosts: A ↔ B every 20 ms for the whole run.
    await waitFor('host A to reach host B', () => f.ping(f.a, f.b, 1), 30_000, 200);
    f.pinNeighbors(f.a, f.b);
    const pid = f.oursPids()[0]!;
    const count = Math.ceil(o.durationMs / 20);
    const echos0 = icmpCounter(f.b, 'IcmpInEchos');
    // The run lasts as long as the ping stream (count × 20 ms, longer on a busy box): stopping
    // ping early would cut off a reply in flight and count it as lost.
    const stream = pingStream(f.a, f.b, count, 20);
    let pingDone = false;
    void stream.done.then(() => (pingDone = true));
    const flaps0 = (await f.peer(f.ours, f.cIp))!.establishedCount;

    const per = Math.max(1, Math.round((o.changesPerSecond * TICK_MS) / 1000 / 3));
    const changes = { adds: 0, withdrawals: 0, moves: 0 };
    const samples: number[] = [];
    const sampleAt: number[] = [];
    const t0 = Date.now();
    const warmup = o.warmupMs ?? Math.min(15_000, o.durationMs / 4);
    let lastSample = 0;
    let tick = 0;
    while (!pingDone) {
      tick++;
      // Add `per` new MACs at one fake VTEP, withdraw the `per` oldest, move `per` others to the next VTEP.
      const adds = Array.from({ length: per }, () => table.fresh());
      announce(adds, FAKE_VTEPS[tick % FAKE_VTEPS.length]!);
      const keys = [...table.held.keys()];
      withdraw(keys.slice(0, per));
      const movers = keys.slice(per, per + per * 7).filter((_, i) => i % 7 === tick % 7).slice(0, per);
      for (const n of movers) {
        const now = table.held.get(n)!;
        announce([n], FAKE_VTEPS[(FAKE_VTEPS.indexOf(now) + 1) % FAKE_VTEPS.length]!);
      }
      changes.adds += adds.length;
      changes.withdrawals += Math.min(per, keys.length);
      changes.moves += movers.length;
      if (Date.now() - t0 >= warmup && Date.now() - lastSample >= 1000) {
        lastSample = Date.now();
        samples.push(rssMiB(pid));
        sampleAt.push((lastSample - t0) / 60_000);
        if (samples.length % 30 === 0) log(`[soak] ${Math.round((lastSample - t0) / 1000)} s: ${changes.adds + changes.withdrawals + changes.moves} changes, table ${table.held.size}, RSS ${samples.at(-1)!.toFixed(1)} MiB`);
      }
      const next = t0 + tick * TICK_MS;
      await sleep(Math.max(0, next - Date.now()));
    }
    const elapsed = Date.now() - t0;
    const pings = await stream.done;
    const reachedB = icmpCounter(f.b, 'IcmpInEchos') - echos0;

    // Final tables: leaf 1's paths from the peer and its remote MACs at the fake VTEPs, against the peer's table.
    const expected = new Map([...table.held].map(([n, nh]) => [table.mac(n), nh]));
    let routeDiff: string[] = [];
    let macDiff: string[] = [];
    let routes = 0;
    let macs = 0;
    const compare = async (): Promise<boolean> => {
      const rows = (await f.routes()).filter((r) => r.from === f.cIp);
      routes = rows.length;
      const got = new Map(rows.map((r) => [r.mac!, r.nextHop]));
      routeDiff = [...expected].filter(([m, nh]) => got.get(m) !== nh).map(([m, nh]) => `${m}: want ${nh}, got ${String(got.get(m))}`);
      routeDiff.push(...[...got.keys()].filter((m) => !expected.has(m)).map((m) => `${m}: extra`));
      const mrows = (await f.macs()).filter((m) => m.type === 'remote' && FAKE_VTEPS.includes(String(m.where)));
      macs = mrows.length;
      const gotM = new Map(mrows.map((m) => [String(m.mac), String(m.where)]));
      macDiff = [...expected].filter(([m, nh]) => gotM.get(m) !== nh).map(([m, nh]) => `${m}: want ${nh}, got ${String(gotM.get(m))}`);
      macDiff.push(...[...gotM.keys()].filter((m) => !expected.has(m)).map((m) => `${m}: extra`));
      return routeDiff.length === 0 && macDiff.length === 0;
    };
    await waitFor('leaf 1 tables to equal the peer\'s', compare, 30_000, 250).catch(() => undefined);
    const flaps = (await f.peer(f.ours, f.cIp))!.establishedCount - flaps0;

    const third = Math.max(1, Math.floor(samples.length / 3));
    const firstThird = median(samples.slice(0, third));
    const lastThird = median(samples.slice(-third));
    return {
      durationMs: elapsed,
      changes,
      rate: ((changes.adds + changes.withdrawals + changes.moves) * 1000) / elapsed,
      pings: { sent: pings.sent, reachedB, replies: pings.received },
      rss: { samples, firstThird, lastThird, ratio: firstThird ? lastThird / firstThird : 0, slopeMiBPerMin: slope(sampleAt, samples) },
      final: { expectedRoutes: expected.size, routes, routeDiff: routeDiff.slice(0, 20), expectedMacs: expected.size, macs, macDiff: macDiff.slice(0, 20) },
      sessionFlaps: flaps,
    };
  } finally {
    conn?.destroy();
    peerRaw?.stop();
    await f.destroy();
  }
}
