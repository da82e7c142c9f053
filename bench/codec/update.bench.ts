import { AttrType } from '../../src/bgp/wire/iana';
import type { UpdateCtx } from '../../src/bgp/wire/attributes/index';
import { routeTarget } from '../../src/bgp/wire/ext-community';
import type { EvpnNlri } from '../../src/bgp/wire/evpn/types';
import { buildUpdate, decode, encode, encodingLength, evpnReach } from '../../src/bgp/wire/update';
import { Reader } from '../../src/util/reader';
import { measure, table, writeResults, type Row } from '../lib';

/*
 * UPDATE codec throughput: one UPDATE carrying 100 EVPN type-2 MAC+IP routes
 * (label1 = L2VNI, label2 = L3VNI) with FRR's iBGP attributes, decoded from
 * and encoded into a preallocated buffer. 100 such routes take 4.3 kB, so the
 * session has extended messages (RFC 8654), as FRR↔FRR negotiates.
 *
 *   npx tsx bench/codec/update.bench.ts     → prints a table, writes bench/results/update.json
 */

const ROUTES = 100;
const CTX: UpdateCtx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set(), ibgp: true };

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

function routes(): EvpnNlri[] {
  const out: EvpnNlri[] = [];
  for (let i = 0; i < ROUTES; i++) {
    out.push({
      route: {
        routeType: 2,
        rd: { type: 1, admin: '10.98.0.1', assigned: 2 },
        esi: '00:00:00:00:00:00:00:00:00:00',
        ethTag: 0,
        mac: `02:cc:00:00:${hex2(i >> 8)}:${hex2(i)}`,
        ip: `10.100.${i >> 8}.${i & 0xff}`,
        label1: 100,
        label2: 1000,
      },
    });
  }
  return out;
}

export function buildBenchUpdate(): Uint8Array {
  const u = buildUpdate({
    attributes: [
      {
        type: AttrType.MP_REACH_NLRI,
        flags: 0x90,
        afi: 25,
        safi: 70,
        nextHop: ['10.98.0.1'],
        reserved: 0,
        nlri: { kind: 'evpn', routes: routes() },
      },
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: [] },
      { type: AttrType.LOCAL_PREF, localPref: 100 },
      {
        type: AttrType.EXTENDED_COMMUNITIES,
        communities: [{ kind: 'encapsulation', tunnelType: 8 }, routeTarget('65100:100'), routeTarget('65100:1000'), { kind: 'router-mac', mac: '02:aa:00:00:10:00' }],
      },
    ],
  });
  const buf = new Uint8Array(encodingLength(u, CTX));
  encode(u, buf, 0, CTX);
  return buf;
}

export async function runUpdateBench(): Promise<Row[]> {
  const wire = buildBenchUpdate();
  const value = decode(new Reader(wire), CTX);
  if (value.faults.length > 0 || evpnReach(value).length !== ROUTES) throw new Error('bench UPDATE does not decode cleanly');
  const out = new Uint8Array(wire.length);
  let sink = 0;
  const rows = measure('update', [
    {
      name: `decode UPDATE, ${ROUTES} × type-2 MAC+IP (${wire.length} B)`,
      fn: () => {
        sink += decode(new Reader(wire), CTX).attributes.length;
      },
      perOp: { unit: 'routes', count: ROUTES },
    },
    {
      name: `encode UPDATE, ${ROUTES} × type-2 MAC+IP (${wire.length} B)`,
      fn: () => {
        sink += encode(value, out, 0, CTX);
      },
      perOp: { unit: 'routes', count: ROUTES },
    },
  ]);
  if (sink === 0) throw new Error('unreachable');
  return rows;
}

if (process.argv[1] && /update\.bench\.ts$/.test(process.argv[1])) {
  runUpdateBench().then(
    (rows) => {
      console.log(table(rows));
      writeResults('update.json', rows);
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
