import { Reader } from '../../src/util/reader';
import {
  decodeEvpnNlri,
  decodeEvpnNlriList,
  encodeEvpnNlri,
  encodeEvpnNlriList,
  encodingLengthEvpnNlri,
  encodingLengthEvpnNlriList,
} from '../../src/bgp/wire/evpn/nlri';
import { evpnRouteKeyAt } from '../../src/bgp/wire/evpn/key';
import { ipPrefixRoute, macIpRoute } from '../../src/bgp/wire/evpn/builders';
import type { EvpnNlri } from '../../src/bgp/wire/evpn/types';
import { measure, table } from '../lib';
import type { Case, Row } from '../lib';

/**
 * EVPN NLRI codec speed. The target is route ingest: a speaker must take in
 * 1,000,000 type-2 routes faster than FRR (~4 s end to end), so the type-2
 * decode (+ RIB key) must cost well under a microsecond.
 */

const macIp = macIpRoute({ rd: '10.98.0.1:2', mac: '02:cc:00:00:00:11', ip: '10.100.0.11', label1: 100, label2: 1000 });
const macOnly = macIpRoute({ rd: '10.98.0.1:2', mac: '02:cc:00:00:00:11', label1: 100 });
const prefix5 = ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '10.100.0.0/24', label: 1000 });
const prefix5v6 = ipPrefixRoute({ rd: '10.98.0.1:1', prefix: '2001:db8:100::/48', label: 1000 });

function bytesOf(n: EvpnNlri): Uint8Array {
  const b = new Uint8Array(encodingLengthEvpnNlri(n, false));
  encodeEvpnNlri(n, b, 0, false);
  return b;
}

/** `count` distinct MAC+IP routes (host i: MAC 02:cc:…:i, IP 10.x.y.z), as one NLRI field. */
function macIpField(count: number): { bytes: Uint8Array; nlris: EvpnNlri[] } {
  const nlris: EvpnNlri[] = [];
  for (let i = 0; i < count; i++) {
    const m = [(i >>> 16) & 255, (i >>> 8) & 255, i & 255].map((x) => x.toString(16).padStart(2, '0')).join(':');
    nlris.push({
      route: macIpRoute({
        rd: '10.98.0.1:2',
        mac: `02:cc:00:${m}`,
        ip: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`,
        label1: 100,
        label2: 1000,
      }),
    });
  }
  const bytes = new Uint8Array(encodingLengthEvpnNlriList(nlris, false));
  encodeEvpnNlriList(nlris, bytes, 0, false);
  return { bytes, nlris };
}

let sink = 0;

function decodeCase(name: string, n: EvpnNlri): Case {
  const b = bytesOf(n);
  const r = new Reader(b);
  return {
    name,
    fn: () => {
      r.pos = 0;
      sink += decodeEvpnNlri(r, false).route.routeType;
    },
  };
}

function encodeCase(name: string, n: EvpnNlri): Case {
  const buf = new Uint8Array(64);
  return {
    name,
    fn: () => {
      sink += encodeEvpnNlri(n, buf, 0, false);
    },
  };
}

export async function runEvpnBench(): Promise<Row[]> {
  const field = macIpField(1000);
  const scratch = new Uint8Array(field.bytes.length);
  const macIpBytes = bytesOf({ route: macIp });
  const cases: Case[] = [
    decodeCase('decode type 2 MAC+IPv4, 2 labels (40 octets)', { route: macIp }),
    decodeCase('decode type 2 MAC-only, 1 label (33 octets)', { route: macOnly }),
    decodeCase('decode type 5 IPv4 (34 octets)', { route: prefix5 }),
    decodeCase('decode type 5 IPv6 (58 octets)', { route: prefix5v6 }),
    encodeCase('encode type 2 MAC+IPv4, 2 labels', { route: macIp }),
    encodeCase('encode type 2 MAC-only', { route: macOnly }),
    encodeCase('encode type 5 IPv4', { route: prefix5 }),
    encodeCase('encode type 5 IPv6', { route: prefix5v6 }),
    {
      name: 'RIB key of a type 2 route from wire bytes',
      fn: () => {
        sink += evpnRouteKeyAt(macIpBytes, 0).length;
      },
    },
    {
      name: 'decode 1000 distinct type 2 MAC+IP NLRIs + keys',
      fn: () => {
        const r = new Reader(field.bytes);
        let at = 0;
        while (r.pos < r.end) {
          at = r.pos;
          const n = decodeEvpnNlri(r, false);
          sink += evpnRouteKeyAt(field.bytes, at).length + n.route.routeType;
        }
      },
      perOp: { unit: 'routes', count: 1000 },
    },
    {
      name: 'decodeEvpnNlriList of 1000 type 2 NLRIs',
      fn: () => {
        sink += decodeEvpnNlriList(new Reader(field.bytes), false).nlris.length;
      },
      perOp: { unit: 'routes', count: 1000 },
    },
    {
      name: 'encode 1000 type 2 NLRIs',
      fn: () => {
        sink += encodeEvpnNlriList(field.nlris, scratch, 0, false);
      },
      perOp: { unit: 'routes', count: 1000 },
    },
  ];
  const rows = measure('evpn-nlri', cases);
  if (sink === 0) throw new Error('benchmark computed nothing');
  return rows;
}

/** Wall clock for decoding + keying 1,000,000 distinct MAC+IP routes, in UPDATE-sized NLRI fields. */
export function ingestMillion(): { seconds: number; routes: number } {
  const perField = 100; // ~42 octets each: a 4096-octet UPDATE carries about this many
  const template = macIpField(perField).bytes;
  const fields: Uint8Array[] = [];
  for (let f = 0; f < 1_000_000 / perField; f++) {
    // Same MACs per field, IPs made distinct by the field number in their first two octets.
    const bytes = template.slice();
    for (let o = 0; o < bytes.length; o += 42) {
      bytes[o + 32] = f >>> 8;
      bytes[o + 33] = f & 0xff;
    }
    fields.push(bytes);
  }
  const keys = new Map<string, unknown>();
  const t0 = process.hrtime.bigint();
  for (const b of fields) {
    const r = new Reader(b);
    while (r.pos < r.end) {
      const at = r.pos;
      const n = decodeEvpnNlri(r, false);
      keys.set(evpnRouteKeyAt(b, at), n.route);
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, routes: keys.size };
}

if (require.main === module) {
  runEvpnBench().then(
    (rows) => {
      console.log(table(rows));
      const m = ingestMillion();
      console.log(`\ndecode + key + Map.set of ${m.routes} distinct type 2 routes: ${m.seconds.toFixed(2)} s`);
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
