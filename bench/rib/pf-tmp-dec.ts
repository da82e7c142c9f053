import { encodeStream } from './ingest.bench';
import { decode } from '../../src/bgp/wire/update';
import { Reader } from '../../src/util/reader';
const N = Number(process.argv[2] ?? 2e5);
const CTX = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: true };
const wire = encodeStream(N);
const times: number[] = [];
let keep: unknown[] = [];
for (let rep = 0; rep < 8; rep++) {
  keep = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < wire.length; i++) keep.push(decode(new Reader(wire[i]!), CTX));
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
console.log(`decode ${N}: min ${times[0]!.toFixed(1)} ms, median ${times[4]!.toFixed(1)} ms`, keep.length);
