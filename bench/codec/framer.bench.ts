import { Framer } from '../../src/bgp/framer';
import type { FrameSink } from '../../src/bgp/framer';
import { measure, table } from '../lib';
import type { Case, Row } from '../lib';

/**
 * Framer throughput on a synthetic route-ingest stream: 1 MiB of UPDATE-sized
 * messages (60–400 octets, like EVPN UPDATEs with one to a few NLRI), fed as
 * the socket would hand it over: 64 KiB reads (bulk transfer) and 1448-octet
 * reads (one TCP segment each, the worst realistic case for straddling).
 */

const STREAM_BYTES = 1 << 20;

function syntheticStream(): { bytes: Uint8Array; messages: number } {
  const bytes = new Uint8Array(STREAM_BYTES + 4096);
  let o = 0;
  let n = 0;
  let seed = 12345;
  while (o < STREAM_BYTES) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const len = 60 + (seed % 341);
    bytes.fill(0xff, o, o + 16);
    bytes[o + 16] = len >> 8;
    bytes[o + 17] = len & 0xff;
    bytes[o + 18] = 2;
    o += len;
    n++;
  }
  return { bytes: bytes.subarray(0, o), messages: n };
}

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += size) out.push(bytes.subarray(o, Math.min(o + size, bytes.length)));
  return out;
}

export async function runFramerBench(): Promise<Row[]> {
  const { bytes, messages } = syntheticStream();
  let count = 0;
  const sink: FrameSink = (_b, s, e) => {
    count += e - s;
  };
  const cases: Case[] = [64 * 1024, 1448].map((size) => {
    const cs = chunks(bytes, size);
    return {
      name: `1 MiB of UPDATEs in ${size}-octet reads`,
      fn: () => {
        const f = new Framer();
        for (const c of cs) f.feed(c, sink);
        if (f.buffered !== 0) throw new Error('framer left octets behind');
      },
      perOp: { unit: 'msgs', count: messages },
    };
  });
  const rows = measure('bgp-framer', cases);
  if (count === 0) throw new Error('framer produced nothing');
  return rows;
}

if (require.main === module) {
  runFramerBench().then(
    (rows) => console.log(table(rows)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
