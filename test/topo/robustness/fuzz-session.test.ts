import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/bgp/wire/iana';
import { captureStreams, splitBgp, VECTORS } from '../../support/captures';
import { RawPeer, type RawConn } from '../../support/raw-peer';
import { requireRoot } from '../../support/root';
import { poll, VtepProcess } from '../../support/vtep-process';
import { LivePeer, macRoutes, printTally, routeKeyOf, RzLab, type Tally } from './support';

/*
 * Random and mutated byte streams into a live BGP socket of `evpn-vtep bgp`
 * (fast-check drives the streams; one TCP session per case). Seeds are the
 * real UPDATEs and OPENs of the shared captures (../shared/vectors). A case
 * either establishes a session and then sends the stream, or sends the
 * stream instead of an OPEN. The speaker must never crash: it answers
 * `show peers` throughout, its RSS stays bounded, and afterwards a clean
 * session gives a RIB equal to what the peer announced (nothing left over
 * from the fuzzed sessions, nothing lost).
 *
 * FUZZ_SESSIONS (default 300) sets the number of sessions; FUZZ_SEED the seed.
 */

const ROOT = requireRoot('robustness/fuzz-session');
const RUNS = Number(process.env.FUZZ_SESSIONS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 7606);
/** How long a case waits for the speaker's verdict (close, or the barrier route) before calling the session stalled. */
const VERDICT_MS = 400;
/** V8 old-space cap of the speaker under fuzzing (MB). */
const HEAP_MB = Number(process.env.FUZZ_HEAP_MB ?? 32);

function seeds(): { updates: Uint8Array[]; opens: Uint8Array[] } {
  const updates: Uint8Array[] = [];
  const opens: Uint8Array[] = [];
  for (const f of ['frr-frr-ibgp-evpn.pcap', 'gobgp-frr-ebgp-evpn.pcap']) {
    if (!existsSync(path.join(VECTORS, f))) continue;
    for (const s of captureStreams(f)) {
      for (const m of splitBgp(s.data)) {
        if (m.bytes[18] === MsgType.UPDATE) updates.push(m.bytes);
        else if (m.bytes[18] === MsgType.OPEN) opens.push(m.bytes);
      }
    }
  }
  return { updates, opens };
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'length'; delta: number };

function mutate(msg: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = msg.slice();
  for (const m of muts) {
    const at = b.length ? m.kind === 'length' ? 0 : (m as { at: number }).at % b.length : 0;
    switch (m.kind) {
      case 'flip':
        if (b.length) b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        if (b.length) b[at] = m.value;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert': {
        const n = new Uint8Array(b.length + m.bytes.length);
        n.set(b.subarray(0, at), 0);
        n.set(m.bytes, at);
        n.set(b.subarray(at), at + m.bytes.length);
        b = n;
        break;
      }
      case 'length':
        // Keep the header's length field in step with an edited body, or knock it off by delta.
        if (b.length >= 18) {
          const len = Math.max(0, Math.min(0xffff, b.length + m.delta));
          b[16] = len >> 8;
          b[17] = len & 0xff;
        }
        break;
    }
  }
  return b;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('length' as const), delta: fc.integer({ min: -4, max: 4 }) }),
);

/** A BGP header marker and type with a random body, length field consistent. */
function framed(type: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(19 + body.length);
  b.fill(0xff, 0, 16);
  b[16] = b.length >> 8;
  b[17] = b.length & 0xff;
  b[18] = type;
  b.set(body, 19);
  return b;
}

/**
 * True if framing the stream as the speaker does reaches a NOTIFICATION
 * (type 3) of ours: then closing without sending one back is right
 * (RFC 4271 §6.4: a NOTIFICATION is answered by closing).
 */
function reachesNotification(stream: Uint8Array): boolean {
  for (let o = 0; o + 19 <= stream.length; ) {
    for (let i = 0; i < 16; i++) if (stream[o + i] !== 0xff) return false;
    const len = (stream[o + 16]! << 8) | stream[o + 17]!;
    if (len < 19) return false;
    if (stream[o + 18] === MsgType.NOTIFICATION) return true;
    o += len;
  }
  return false;
}

interface FuzzCase {
  /** Send the stream instead of our OPEN (OPEN fuzzing), or after Established. */
  beforeOpen: boolean;
  pieces: Uint8Array[];
  /** Chunk sizes the stream is written in (TCP segmentation is the speaker's problem). */
  chunk: number;
}

describe.skipIf(!ROOT)('fuzzing a live BGP session of evpn-vtep', () => {
  const lab = new RzLab();
  let raw: RawPeer;
  let vtep: VtepProcess;
  let peer: LivePeer;
  const tally: Tally = { cases: 0, faults: 0, routesLost: 0, crashes: 0 };
  const outcome = { notified: 0, closedSilently: 0, survived: 0, stalled: 0, bytes: 0 };
  let rssStart = 0;
  let rssEnd = 0;
  const s = seeds();

  beforeAll(async () => {
    lab.build(1);
    raw = new RawPeer(lab.peerNs);
    vtep = new VtepProcess(lab.vtepNs, {
      routerId: '10.255.0.1',
      as: 65100,
      logLevel: 'warn',
      // A small old space turns a per-session leak into a crash the test sees.
      nodeFlags: [`--max-old-space-size=${HEAP_MB}`],
      neighbors: [{ address: lab.peerAddress(0), remoteAs: 65100, passive: true, holdTime: 30, addressFamilies: ['l2vpn-evpn', 'ipv4-unicast'] }],
    });
    await Promise.all([raw.start(), vtep.start()]);
    peer = new LivePeer(raw, vtep, lab.vtepAddress, { address: lab.peerAddress(0), as: 65100, holdTime: 30, extendedMessage: true });
    for (const r of macRoutes(peer.address, 8)) peer.table.set(routeKeyOf(r), { route: r, nextHop: peer.address });
  }, 90_000);

  afterAll(async () => {
    printTally('fuzz sessions', tally, { ...outcome, rssStartKiB: rssStart, rssEndKiB: rssEnd, seed: SEED });
    for (const x of silent.slice(0, 10)) console.log(`[robustness] closed without NOTIFICATION, none sent by us: ${x}`);
    raw?.stop();
    await vtep?.destroy();
    lab.destroy();
  });

  it('has seeds from the captures', () => {
    expect(s.updates.length).toBeGreaterThan(5);
    expect(s.opens.length).toBeGreaterThan(1);
  });

  const pieceArb = (pool: Uint8Array[]): fc.Arbitrary<Uint8Array> =>
    fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...pool), fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([m, muts]) => mutate(m, muts)) },
      { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.uint8Array({ maxLength: 200 })).map(([t, body]) => framed(t, body)) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) },
      { weight: 1, arbitrary: fc.constantFrom(...pool) },
    );

  /** Waits until the session ended after a fuzz stream, or the barrier shows it survived, or neither (stalled on a partial message). */
  /** Streams after which the speaker closed without a NOTIFICATION although ours had none (RFC 4271 §6: errors are notified). */
  const silent: string[] = [];

  async function verdict(c: RawConn, established: boolean, stream: Uint8Array): Promise<void> {
    if (established && !c.closed) {
      if (await peer.trySync(VERDICT_MS)) {
        outcome.survived++;
        await peer.hangUp();
        return;
      }
    } else {
      await c.waitClosed(VERDICT_MS).catch(() => undefined);
    }
    if (c.closed) {
      if (c.notifications().length) outcome.notified++;
      else {
        outcome.closedSilently++;
        if (!reachesNotification(stream)) silent.push(`${established ? 'after' : 'instead of'} OPEN: ${Buffer.from(stream.subarray(0, 40)).toString('hex')}`);
      }
    } else {
      outcome.stalled++;
      c.reset();
      await c.waitClosed(5000).catch(() => undefined);
    }
  }

  it(`${RUNS} fuzzed sessions: the speaker never crashes and keeps answering`, async () => {
    if (!s.updates.length) return;
    // Warm up (JIT, first session) before taking the reference RSS.
    await peer.connect();
    await peer.settle();
    await peer.hangUp();
    rssStart = vtep.rssKiB();

    const caseArb: fc.Arbitrary<FuzzCase> = fc.oneof(
      { weight: 1, arbitrary: fc.record({ beforeOpen: fc.constant(true), pieces: fc.array(pieceArb(s.opens), { minLength: 1, maxLength: 2 }), chunk: fc.integer({ min: 1, max: 4096 }) }) },
      { weight: 5, arbitrary: fc.record({ beforeOpen: fc.constant(false), pieces: fc.array(pieceArb(s.updates), { minLength: 1, maxLength: 3 }), chunk: fc.integer({ min: 1, max: 4096 }) }) },
    );

    await fc.assert(
      fc.asyncProperty(caseArb, async (fz) => {
        tally.cases++;
        tally.faults += fz.pieces.length;
        // The previous session must be gone, or the new connection would be a collision with it.
        await poll('previous session down', async () => (await peer.status()).state !== 'Established', 10_000, 10);
        let c: RawConn;
        if (fz.beforeOpen) {
          c = await raw.connect(lab.vtepAddress, 179, peer.address);
        } else {
          await peer.connect();
          c = peer.conn!;
        }
        const stream = Buffer.concat(fz.pieces);
        outcome.bytes += stream.length;
        for (let o = 0; o < stream.length; o += fz.chunk) c.write(stream.subarray(o, o + fz.chunk));
        await verdict(c, !fz.beforeOpen, stream);
        if (!vtep.running) tally.crashes++;
        expect(vtep.running, `evpn-vtep exited: ${JSON.stringify(vtep.exit)}\n${vtep.logTail()}`).toBe(true);
        if (tally.cases % 25 === 0) expect((await vtep.peers()).length).toBe(1);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );

    // A clean session afterwards: the RIB is exactly the peer's table.
    await poll('previous session down', async () => (await peer.status()).state !== 'Established', 10_000, 10);
    peer.table.delete(routeKeyOf(peer.barrier));
    await peer.connect();
    const d = await peer.settle(10_000);
    tally.routesLost += d.missing.length + d.wrong.length;
    expect(d).toEqual({ missing: [], extra: [], wrong: [] });
    expect(vtep.showCli<unknown[]>(['peers']).length).toBe(1);
    rssEnd = vtep.rssKiB();
    // Bounded memory: no growth per session beyond noise (GC timing).
    expect(rssEnd - rssStart).toBeLessThan(32 * 1024);
    expect(vtep.internalErrors()).toEqual([]);
    expect(silent, 'the speaker closed a session without telling why').toEqual([]);
  }, 600_000);
});
