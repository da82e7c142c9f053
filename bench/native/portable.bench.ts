/**
 * The portable (TypeScript) pipeline against the native one on the same
 * frames: encapsulation (access -> VTEP) and decapsulation (underlay ->
 * access) of 128-octet UDP frames, in batches of 1, 32 and 256.
 *
 *  - "run()": the PipelineLike test hook on both sides (frames in, an array
 *    of OutputFrame out, each output copied into a fresh buffer);
 *  - "core": the pipeline's own loop with no wrapping - the native side timed
 *    inside C++ (benchProcess), the portable side calling input() into one
 *    reused TxBatch, the way io.ts drives it.
 *
 * Each row carries ns/packet and, on portable rows, the ratio to the native
 * row of the same case (how many times slower).
 *
 * Run: npx tsx bench/native/portable.bench.ts
 */
import { NativePipeline, type InputFrame, type PipelineConfig } from '../../src/dataplane/native';
import type { DataplaneOp } from '../../src/dataplane/ops';
import { PortablePipeline, UNDERLAY_PORT } from '../../src/dataplane/portable/pipeline';
import { TxBatch } from '../../src/dataplane/portable/tx-batch';
import { measure, type Row } from '../lib';

const A = { ip: '10.98.0.1', mac: '02:aa:ff:00:00:01' };
const B = { ip: '10.98.0.2', mac: '02:bb:ff:00:00:02' };
const H1 = '02:cc:00:00:00:11';
const H2 = '02:cc:00:00:00:12';

/** A 128-octet UDP/IPv4 frame h1 -> h2 with the given UDP source port. */
function innerFrame(sport: number): Uint8Array {
  const f = new Uint8Array(128);
  f.set([2, 0xcc, 0, 0, 0, 0x12, 2, 0xcc, 0, 0, 0, 0x11], 0);
  f.set([0x08, 0x00, 0x45, 0, 0, 114, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 100, 0, 11, 10, 100, 0, 12], 12);
  f.set([sport >> 8, sport & 0xff, 0x13, 0x88, 0, 94, 0, 0], 34);
  return f;
}

function config(self: typeof A, peer: typeof A): PipelineConfig {
  return {
    maxPorts: 4,
    maxVnis: 16,
    maxVteps: 16,
    maxMacs: 4096,
    txSlots: 512,
    underlay: { localIp: self.ip, localMac: self.mac, nextHopMac: peer.mac },
  };
}

/** A sends h1 (local, port 0) -> h2 (behind B); B delivers h2 on its port 0. */
function ops(peer: typeof A, local: string, remote: string): DataplaneOp[] {
  return [
    { op: 'vniAdd', vni: 100 },
    { op: 'portAdd', port: 0, vni: 100 },
    { op: 'remoteVtepAdd', vtepIdx: 0, ip: peer.ip },
    { op: 'remoteMacAdd', vni: 100, mac: remote, vtepIdx: 0 },
    { op: 'localMacStatic', vni: 100, port: 0, mac: local },
  ];
}

function build<P extends NativePipeline | PortablePipeline>(make: (c: PipelineConfig) => P): { a: P; b: P } {
  const a = make(config(A, B));
  const b = make(config(B, A));
  for (const [p, o] of [
    [a, ops(B, H1, H2)],
    [b, ops(A, H2, H1)],
  ] as const) {
    const r = p.applyOps(o);
    if (r.rejected) throw new Error('bench setup rejected: ' + JSON.stringify(r.rejects));
  }
  return { a, b };
}

function nsPerPacket(r: Row, batch: number): number {
  return 1e9 / (r.opsPerSec * batch);
}

export async function runPortableBench(): Promise<Row[]> {
  const native = build((c) => new NativePipeline(c));
  const portable = build((c) => new PortablePipeline(c));

  const inner = Array.from({ length: 256 }, (_, i) => innerFrame(1024 + i));
  const outer = native.a.run(inner.map((bytes) => ({ port: 0, bytes }))).map((f) => f.bytes.slice());
  if (outer.length !== 256) throw new Error('encap setup produced ' + outer.length + ' frames');
  // Both sides must deliver every frame before they are timed.
  for (const [name, p, frames] of [
    ['native decap', native.b, outer],
    ['portable decap', portable.b, outer],
  ] as const) {
    const n = p.run(frames.map((bytes): InputFrame => ({ port: 'underlay', bytes }))).length;
    if (n !== 256) throw new Error(`${name}: ${n} of 256 frames delivered`);
  }

  const rows: Row[] = [];
  const tx = new TxBatch(512, portable.a.slotSize);
  for (const batch of [1, 32, 256]) {
    const enc = inner.slice(0, batch).map((bytes): InputFrame => ({ port: 0, bytes }));
    const dec = outer.slice(0, batch).map((bytes): InputFrame => ({ port: 'underlay', bytes }));
    const encRaw = enc.map((f) => ({ port: 0, bytes: f.bytes }));
    const decRaw = dec.map((f) => ({ port: -1, bytes: f.bytes }));
    const cases = [
      { dir: 'encap', kind: 'run()', native: () => void native.a.runRaw(encRaw), portable: () => void portable.a.run(enc, 1000) },
      { dir: 'decap', kind: 'run()', native: () => void native.b.runRaw(decRaw), portable: () => void portable.b.run(dec, 1000) },
    ];
    for (const c of cases) {
      const [n] = measure('portable vs native', [{ name: `${c.dir} ${c.kind} native, batch ${batch}`, fn: c.native }]);
      const [p] = measure('portable vs native', [{ name: `${c.dir} ${c.kind} portable, batch ${batch}`, fn: c.portable }]);
      const nn = nsPerPacket(n!, batch);
      const pn = nsPerPacket(p!, batch);
      n!.extra = { 'ns/packet': Number(nn.toFixed(1)) };
      p!.extra = { 'ns/packet': Number(pn.toFixed(1)), 'x native': Number((pn / nn).toFixed(2)) };
      rows.push(n!, p!);
    }
    // The pipelines' own loops.
    for (const [dir, np, pp, frames, port] of [
      ['encap', native.a, portable.a, enc, 0],
      ['decap', native.b, portable.b, dec, UNDERLAY_PORT],
    ] as const) {
      const iterations = Math.ceil(200_000 / batch);
      const samples = Array.from({ length: 5 }, () => np.benchProcess(frames, iterations)).sort((x, y) => x - y);
      const nn = samples[2]!;
      const bufs = frames.map((f) => f.bytes);
      const [p] = measure('portable vs native', [
        {
          name: `${dir} core portable, batch ${batch}`,
          fn: () => {
            tx.clear();
            for (const b of bufs) pp.input(port, b, 0, b.length, null, tx, 1000);
          },
        },
      ]);
      const pn = nsPerPacket(p!, batch);
      rows.push({
        suite: 'portable vs native',
        name: `${dir} core native (C++ loop), batch ${batch}`,
        opsPerSec: 1e9 / (nn * batch),
        rme: 0,
        samples: samples.length,
        extra: { 'ns/packet': Number(nn.toFixed(1)) },
      });
      p!.extra = { 'ns/packet': Number(pn.toFixed(1)), 'x native': Number((pn / nn).toFixed(2)) };
      rows.push(p!);
    }
  }
  return rows;
}

if (require.main === module) {
  runPortableBench().then(
    (rows) => {
      for (const r of rows) {
        const e = r.extra ?? {};
        console.log(
          `${r.name.padEnd(44)} ${String(e['ns/packet']).padStart(9)} ns/packet ±${r.rme.toFixed(1).padStart(4)}%` +
            (e['x native'] !== undefined ? `  ${e['x native']}x native` : ''),
        );
      }
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
