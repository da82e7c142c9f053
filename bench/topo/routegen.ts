import net from 'node:net';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Framer } from '../../src/bgp/framer';
import { AttrType, MsgType } from '../../src/bgp/wire/iana';
import * as open from '../../src/bgp/wire/open';
import { keepaliveBytes } from '../../src/bgp/wire/keepalive';
import { buildUpdate, encodingLength, encode, type AttrInit } from '../../src/bgp/wire/update';
import { macIpRoute } from '../../src/bgp/wire/evpn/builders';
import { encodingLengthEvpnNlri } from '../../src/bgp/wire/evpn/nlri';
import type { EvpnNlri } from '../../src/bgp/wire/evpn/types';
import { routeTarget } from '../../src/bgp/wire/ext-community';
import { DEFAULT_CTX } from '../../src/bgp/wire/context';
import { u32ToIpv4 } from '../../src/util/ip';

/**
 * A BGP route generator for benchmarks: opens one session and sends N type-2
 * MAC+IP routes spread over `vnis` VNIs, packed as many per UPDATE as fit in
 * 4096 octets (routes of one VNI share attributes). Everything is encoded
 * before the session opens, so the generator itself costs nothing while
 * the peer is being timed.
 */

export interface GenOptions {
  routes: number;
  vnis: number;
  localAs: number;
  peerAs: number;
  routerId: string;
  /** Next hop (the "VTEP") of every route. */
  nextHop: string;
  ibgp: boolean;
}

export function encodeRouteSet(o: GenOptions): Uint8Array[] {
  const perVni = Math.ceil(o.routes / o.vnis);
  const msgs: Uint8Array[] = [];
  let made = 0;
  for (let v = 0; v < o.vnis && made < o.routes; v++) {
    const vni = 10000 + v;
    const attrs: AttrInit[] = [
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: o.ibgp ? [] : [{ type: 2, asns: [o.localAs] }] },
      ...(o.ibgp ? [{ type: AttrType.LOCAL_PREF, localPref: 100 } as AttrInit] : []),
      {
        type: AttrType.EXTENDED_COMMUNITIES,
        communities: [routeTarget(`${o.localAs > 65535 ? 65000 : o.localAs}:${vni}`), { kind: 'encapsulation', tunnelType: 8 } as const],
      },
    ];
    let batch: EvpnNlri[] = [];
    let batchLen = 0;
    const flush = (): void => {
      if (!batch.length) return;
      const u = buildUpdate({
        attributes: [
          { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: [o.nextHop], reserved: 0, nlri: { kind: 'evpn', routes: batch } },
          ...attrs,
        ],
      });
      const buf = new Uint8Array(encodingLength(u, DEFAULT_CTX));
      encode(u, buf, 0, DEFAULT_CTX);
      msgs.push(buf);
      batch = [];
      batchLen = 0;
    };
    for (let i = 0; i < perVni && made < o.routes; i++, made++) {
      const n = made;
      const mac = `02:${hex((n >>> 24) & 255)}:${hex((n >>> 16) & 255)}:${hex((n >>> 8) & 255)}:${hex(n & 255)}:01`;
      const route = macIpRoute({ rd: `${o.routerId}:${v + 1}`, mac, ip: u32ToIpv4(((10 << 24) >>> 0) + 0x10000 + n), label1: vni });
      const nlri: EvpnNlri = { route };
      const len = encodingLengthEvpnNlri(nlri, false);
      // 19 header + 4 length fields + ~60 octets of attributes + MP_REACH header (≈ 15).
      if (batchLen + len > 4096 - 19 - 4 - 100) flush();
      batch.push(nlri);
      batchLen += len;
    }
    flush();
  }
  return msgs;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export interface GenSession {
  /** performance.now() when the first UPDATE was written. */
  firstUpdateAt: number;
  /** performance.now() when the last UPDATE was handed to the kernel. */
  lastWrittenAt: number;
  close(): void;
}

/** Connects, completes the OPEN exchange, writes every message with backpressure, keeps the session alive. */
export function runGenerator(host: string, port: number, o: GenOptions, msgs: Uint8Array[], timeoutMs = 30_000): Promise<GenSession> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    sock.setNoDelay(true);
    const framer = new Framer();
    const openMsg: open.OpenMessage = {
      version: 4,
      myAs: open.twoOctetAs(o.localAs),
      holdTime: 180,
      bgpId: o.routerId,
      capabilities: [
        { kind: 'multiprotocol', afi: 25, safi: 70 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: o.localAs },
      ],
    };
    const ob = new Uint8Array(open.encodingLength(openMsg));
    open.encode(openMsg, ob, 0);
    let established = false;
    let ka: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => fail(new Error(`generator: no session with ${host} within ${timeoutMs} ms`)), timeoutMs);
    const session: GenSession = {
      firstUpdateAt: 0,
      lastWrittenAt: 0,
      close: () => {
        clearInterval(ka);
        clearTimeout(timer);
        sock.destroy();
      },
    };
    function fail(e: Error): void {
      session.close();
      reject(e);
    }
    sock.on('error', fail);
    sock.on('connect', () => sock.write(ob));
    sock.on('data', (chunk: Buffer) => {
      const b = framer.frames(chunk);
      if (b.error) return fail(b.error);
      for (const m of b.messages) {
        const type = m[18];
        if (type === MsgType.NOTIFICATION) return fail(new Error(`generator: peer sent NOTIFICATION ${m[19]}/${m[20]}`));
        if (type === MsgType.OPEN) sock.write(keepaliveBytes());
        if (type === MsgType.KEEPALIVE && !established) {
          established = true;
          ka = setInterval(() => sock.write(keepaliveBytes()), 30_000);
          send();
        }
      }
    });
    function send(): void {
      let i = 0;
      session.firstUpdateAt = performance.now();
      const pump = (): void => {
        while (i < msgs.length) {
          if (!sock.write(msgs[i++]!)) {
            sock.once('drain', pump);
            return;
          }
        }
        session.lastWrittenAt = performance.now();
        clearTimeout(timer);
        resolve(session);
      };
      pump();
    }
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string', default: '179' },
      routes: { type: 'string' },
      vnis: { type: 'string', default: '100' },
      'local-as': { type: 'string', default: '65001' },
      'peer-as': { type: 'string', default: '65000' },
      'router-id': { type: 'string' },
      'next-hop': { type: 'string', default: '10.203.9.9' },
    },
  });
  if (!values.host || !values.routes) throw new Error('usage: routegen.ts --host DUT --routes N [...]');
  const o: GenOptions = {
    routes: Number(values.routes),
    vnis: Number(values.vnis),
    localAs: Number(values['local-as']),
    peerAs: Number(values['peer-as']),
    routerId: values['router-id'] ?? '10.203.0.1',
    nextHop: values['next-hop'],
    ibgp: Number(values['local-as']) === Number(values['peer-as']),
  };
  const emit = (event: string, f: Record<string, unknown> = {}): void => {
    process.stdout.write(JSON.stringify({ event, t: wallMs(), ...f }) + '\n');
  };
  const msgs = encodeRouteSet(o);
  emit('encoded', { messages: msgs.length, octets: msgs.reduce((n, m) => n + m.length, 0) });
  // A daemon that has just started may still refuse or reset our first tries: retry before any UPDATE went out.
  let gen: GenSession | undefined;
  let last: unknown;
  for (let attempt = 0; attempt < 10 && !gen; attempt++) {
    try {
      gen = await runGenerator(values.host, Number(values.port), o, msgs, 30_000);
    } catch (e) {
      last = e;
      emit('retry', { error: e instanceof Error ? e.message : String(e) });
      await sleep(1000);
    }
  }
  if (!gen) throw last instanceof Error ? last : new Error(String(last));
  emit('first-update', { t: performance.timeOrigin + gen.firstUpdateAt });
  emit('last-write', { t: performance.timeOrigin + gen.lastWrittenAt });
  const stop = (): void => {
    gen!.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`routegen: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
