/**
 * Route ingest side by side: the same pre-encoded type-2 route set is fed by
 * one generator session to FRR bgpd, to gobgpd and (once its speaker runs)
 * to evpn-vtep, each in its own namespace, in one run. Measured: seconds from
 * the first UPDATE until the peer's own JSON output shows all N routes, and
 * RSS growth per route. Root only. Run: npx tsx bench/topo/ingest.bench.ts [N…]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Topology, ipNs, ip } from '../../test/support/netns';
import { FrrInstance, GobgpInstance } from '../../test/support/peers';
import { encodeRouteSet, runGenerator, type GenOptions, type GenSession } from './routegen';
import { fmtNum } from '../lib';
import { mkdirSync, writeFileSync } from 'node:fs';

export interface IngestRow {
  peer: string;
  routes: number;
  seconds: number | null;
  routesPerSec: number | null;
  rssBytesPerRoute: number | null;
  note?: string;
}

const GEN_IP = '10.203.0.1';
const DUT_IP = '10.203.0.2';

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function withDut<T>(fn: (topo: Topology, ns: string) => Promise<T>): Promise<T> {
  const topo = new Topology('bi');
  try {
    const ns = topo.addNs('dut');
    const g = topo.name('g');
    const d = topo.name('d');
    topo.addVeth({ ns: null, name: g }, { ns, name: d });
    ip(['addr', 'add', `${GEN_IP}/30`, 'dev', g]);
    ipNs(ns, ['addr', 'add', `${DUT_IP}/30`, 'dev', d]);
    return await fn(topo, ns);
  } finally {
    topo.destroy();
  }
}

/** Polls `count` until it reaches n or the deadline passes; returns the moment it did. */
async function until(n: number, count: () => number, deadlineMs: number, everyMs = 50): Promise<number | null> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    let c = 0;
    try {
      c = count();
    } catch {
      /* the daemon may be busy: try again */
    }
    if (c >= n) return performance.now();
    await sleep(everyMs);
  }
  return null;
}

const GEN: Omit<GenOptions, 'routes'> = { vnis: 100, localAs: 65001, peerAs: 65000, routerId: GEN_IP, nextHop: '10.203.9.9', ibgp: false };

/**
 * A daemon that has just started may still be opening its own connection to
 * us (and refuse ours, or reset it with an FSM error): retry the whole
 * session a few times before any UPDATE was sent.
 */
async function connectWithRetry(n: number, msgs: Uint8Array[]): Promise<GenSession> {
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await runGenerator(DUT_IP, 179, { ...GEN, routes: n }, msgs, 30_000);
    } catch (e) {
      last = e;
      await sleep(2000);
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

export async function ingestFrr(n: number, msgs: Uint8Array[], deadlineMs: number): Promise<IngestRow> {
  return withDut(async (_topo, ns) => {
    const frr = new FrrInstance(
      ns,
      `hostname dut\nrouter bgp 65000\n bgp router-id ${DUT_IP}\n no bgp default ipv4-unicast\n no bgp ebgp-requires-policy\n neighbor ${GEN_IP} remote-as 65001\n address-family l2vpn evpn\n  neighbor ${GEN_IP} activate\n exit-address-family\n`,
    );
    try {
      await frr.start();
      const pid = Number(readFileSync(path.join(frr.dir, 'bgpd.pid'), 'utf8'));
      const rss0 = rssOf(pid);
      const count = (): number => {
        const j = frr.vtyshJson<{ peers?: Record<string, { pfxRcd?: number }> }>('show bgp l2vpn evpn summary json');
        return j.peers?.[GEN_IP]?.pfxRcd ?? 0;
      };
      const gen = await connectWithRetry(n, msgs);
      const done = await until(n, count, deadlineMs);
      const rss1 = rssOf(pid);
      gen.close();
      return row('FRR bgpd 8.4', n, done === null ? null : (done - gen.firstUpdateAt) / 1000, rss1 - rss0, done === null ? `did not finish in ${deadlineMs / 1000} s` : undefined);
    } finally {
      frr.destroy();
    }
  });
}

export async function ingestGobgp(n: number, msgs: Uint8Array[], deadlineMs: number): Promise<IngestRow> {
  return withDut(async (_topo, ns) => {
    const gobgp = new GobgpInstance(
      ns,
      `[global.config]\n  as = 65000\n  router-id = "${DUT_IP}"\n  port = 179\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "${GEN_IP}"\n    peer-as = 65001\n  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "l2vpn-evpn"\n`,
    );
    try {
      await gobgp.start();
      const pid = Number(execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
      const rss0 = rssOf(pid);
      // gobgp's own count of EVPN destinations in its table ("Destination: N, Path: N").
      const count = (): number => Number(/Destination: (\d+)/.exec(gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'summary']))?.[1] ?? 0);
      const gen = await connectWithRetry(n, msgs);
      const done = await until(n, count, deadlineMs, 200);
      const rss1 = rssOf(pid);
      gen.close();
      return row('gobgpd 3.10', n, done === null ? null : (done - gen.firstUpdateAt) / 1000, rss1 - rss0, done === null ? `did not finish in ${deadlineMs / 1000} s` : undefined);
    } finally {
      gobgp.destroy();
    }
  });
}

function row(peer: string, n: number, seconds: number | null, rssGrowth: number, note?: string): IngestRow {
  return {
    peer,
    routes: n,
    seconds,
    routesPerSec: seconds ? n / seconds : null,
    rssBytesPerRoute: seconds ? rssGrowth / n : null,
    ...(note ? { note } : {}),
  };
}

export function ingestTable(rows: IngestRow[]): string {
  const frr = new Map(rows.filter((r) => r.peer.startsWith('FRR')).map((r) => [r.routes, r]));
  const lines = ['| peer | routes | seconds | routes/s | RSS growth B/route | time vs FRR | note |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const f = frr.get(r.routes);
    const ratio = r.seconds && f?.seconds ? (r.seconds / f.seconds).toFixed(2) : '';
    lines.push(
      `| ${r.peer} | ${fmtNum(r.routes)} | ${r.seconds?.toFixed(2) ?? '—'} | ${r.routesPerSec ? fmtNum(r.routesPerSec) : '—'} | ${r.rssBytesPerRoute?.toFixed(0) ?? '—'} | ${ratio} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

export async function runIngestPeers(sizes: number[], gobgpSize: number): Promise<IngestRow[]> {
  const rows: IngestRow[] = [];
  for (const n of sizes) {
    const msgs = encodeRouteSet({ ...GEN, routes: n });
    process.stderr.write(`ingest: ${n} routes in ${msgs.length} UPDATEs → FRR\n`);
    rows.push(await ingestFrr(n, msgs, 120_000));
  }
  if (gobgpSize > 0) {
    const msgs = encodeRouteSet({ ...GEN, routes: gobgpSize });
    process.stderr.write(`ingest: ${gobgpSize} routes → gobgpd\n`);
    rows.push(await ingestGobgp(gobgpSize, msgs, 120_000));
  }
  return rows;
}

if (require.main === module) {
  if (process.getuid?.() !== 0 || !existsSync('/usr/lib/frr/bgpd')) {
    console.error('ingest bench: needs root and FRR (bash scripts/setup.sh)');
    process.exit(2);
  }
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  runIngestPeers(sizes.length ? sizes : [100_000, 1_000_000], Number(process.env.GOBGP_ROUTES ?? 10_000)).then(
    (rows) => {
      const t = ingestTable(rows);
      console.log(t);
      const dir = path.resolve(__dirname, '..', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'ingest.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
