import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Reader } from '../../../src/util/reader';
import { toHex } from '../../../src/util/bytes';
import {
  decodeEvpnNlri,
  decodeEvpnNlriList,
  encodeEvpnNlriList,
  encodingLengthEvpnNlriList,
  evpnRouteKey,
  evpnRouteKeyAt,
  formatRoute,
} from '../../../src/bgp/wire/evpn';
import type { EvpnRoute, RouteDistinguisher } from '../../../src/bgp/wire/evpn/types';
import { ZERO_ESI } from '../../../src/bgp/wire/evpn/types';
import { capturedNlriFields, VECTORS } from './support';

/*
 * Every EVPN NLRI in the shared captures, written down from the README's
 * "Full message listing" (an independent decoder), in capture order per TCP
 * direction. Labels are the raw 24-bit field: VNI 100 is 100, never 100 << 4.
 */

const rd1 = (ip: string, n: number): RouteDistinguisher => ({ type: 1, admin: ip, assigned: n });
const t5 = (rd: RouteDistinguisher, prefix: string): EvpnRoute => ({
  routeType: 5,
  rd,
  esi: ZERO_ESI,
  ethTag: 0,
  prefix,
  prefixLength: 24,
  gatewayIp: '0.0.0.0',
  label: 1000,
});
const t3 = (rd: RouteDistinguisher, ip: string): EvpnRoute => ({ routeType: 3, rd, ethTag: 0, originatorIp: ip });
const t2 = (rd: RouteDistinguisher, mac: string, ip?: string, label1 = 100, label2?: number): EvpnRoute => ({
  routeType: 2,
  rd,
  esi: ZERO_ESI,
  ethTag: 0,
  mac,
  ...(ip ? { ip } : {}),
  label1,
  ...(label2 !== undefined ? { label2 } : {}),
});

/** Expected NLRI fields of one direction: a list of routes per MP_REACH (or [] for an End-of-RIB MP_UNREACH). */
type Dir = { attr: 14 | 15; routes: EvpnRoute[] }[];

const A = '10.98.0.1';
const B = '10.98.0.2';
const G = '10.97.0.2';

function frrLocal(v: string, withEor: boolean): Dir {
  return [
    { attr: 14, routes: [t5(rd1(v, 1), '10.100.0.0'), t5(rd1(v, 1), '10.200.0.0')] },
    { attr: 14, routes: [t3(rd1(v, 2), v)] },
    { attr: 14, routes: [t3(rd1(v, 3), v)] },
    ...(withEor ? [{ attr: 15 as const, routes: [] }] : []),
  ];
}

const hostsA: Dir = [
  { attr: 14, routes: [t2(rd1(A, 2), '02:cc:00:00:00:11')] },
  { attr: 14, routes: [t2(rd1(A, 2), '02:cc:00:00:00:11', '10.100.0.11', 100, 1000)] },
];
const hostsB: Dir = [
  { attr: 14, routes: [t2(rd1(B, 2), '02:cc:00:00:00:12')] },
  { attr: 14, routes: [t2(rd1(B, 2), '02:cc:00:00:00:12', '10.100.0.12', 100, 1000)] },
  { attr: 14, routes: [t2(rd1(B, 3), '02:cc:00:00:00:13', undefined, 200)] },
  { attr: 14, routes: [t2(rd1(B, 3), '02:cc:00:00:00:13', '10.200.0.13', 200, 1000)] },
];
const fromGobgpBatched: Dir = [
  { attr: 14, routes: [t2(rd1(G, 100), '02:dd:00:00:00:01'), t2(rd1(G, 100), '02:dd:00:00:00:02', '10.100.0.52')] },
  { attr: 14, routes: [t3(rd1(G, 100), G)] },
  { attr: 14, routes: [t5(rd1(G, 1000), '10.250.0.0')] },
];

const EXPECTED: Record<string, { dirPrefix: string; fields: Dir }[]> = {
  'frr-frr-ibgp-evpn.pcap': [
    { dirPrefix: `${A}:`, fields: [...frrLocal(A, true), ...hostsA, ...fromGobgpBatched] },
    { dirPrefix: `${B}:`, fields: [...frrLocal(B, true), ...hostsB] },
  ],
  'gobgp-frr-ebgp-evpn.pcap': [
    // FRR → GoBGP: no End-of-RIB in this direction (GoBGP's OPEN has no graceful restart capability).
    { dirPrefix: '10.97.0.1:', fields: [...frrLocal(A, false), ...frrLocal(B, false), ...hostsA, ...hostsB, ...fromGobgpBatched] },
    {
      dirPrefix: `${G}:`,
      fields: [
        { attr: 14, routes: [t2(rd1(G, 100), '02:dd:00:00:00:01')] },
        { attr: 14, routes: [t2(rd1(G, 100), '02:dd:00:00:00:02', '10.100.0.52')] },
        { attr: 14, routes: [t3(rd1(G, 100), G)] },
        { attr: 14, routes: [t5(rd1(G, 1000), '10.250.0.0')] },
      ],
    },
  ],
};

describe('EVPN NLRI golden vectors from FRR and GoBGP captures', () => {
  for (const [file, dirs] of Object.entries(EXPECTED)) {
    describe(file, () => {
      const fields = capturedNlriFields(path.join(VECTORS, file));

      it('contains only L2VPN/EVPN MP attributes', () => {
        expect(fields.length).toBeGreaterThan(0);
        for (const f of fields) expect([f.afi, f.safi]).toEqual([25, 70]);
      });

      for (const { dirPrefix, fields: want } of dirs) {
        it(`decodes every NLRI sent by ${dirPrefix.slice(0, -1)} to the listed values`, () => {
          const got = fields.filter((f) => f.dir.startsWith(dirPrefix));
          expect(got.map((f) => f.attr)).toEqual(want.map((w) => w.attr));
          got.forEach((f, i) => {
            const res = decodeEvpnNlriList(new Reader(f.nlri), false);
            expect(res.error).toBeUndefined();
            expect(res.nlris.map((n) => n.route)).toStrictEqual(want[i]!.routes);
            expect(res.nlris.every((n) => n.pathId === undefined)).toBe(true);
          });
        });

        it(`re-encodes the NLRI fields sent by ${dirPrefix.slice(0, -1)} byte for byte`, () => {
          for (const f of fields.filter((x) => x.dir.startsWith(dirPrefix))) {
            const { nlris } = decodeEvpnNlriList(new Reader(f.nlri), false);
            const out = new Uint8Array(encodingLengthEvpnNlriList(nlris, false));
            expect(encodeEvpnNlriList(nlris, out, 0, false)).toBe(out.length);
            expect(toHex(out)).toBe(toHex(f.nlri));
          }
        });

        it(`keys from wire bytes equal keys from values (${dirPrefix.slice(0, -1)})`, () => {
          for (const f of fields.filter((x) => x.dir.startsWith(dirPrefix))) {
            const r = new Reader(f.nlri);
            while (!r.atEnd) {
              const at = r.pos;
              const n = decodeEvpnNlri(r, false);
              expect(evpnRouteKeyAt(f.nlri, at)).toBe(evpnRouteKey(n.route));
            }
          }
        });
      }
    });
  }

  it('carries the VNI in the whole 24-bit label field (RFC 8365 §5.1.3)', () => {
    const f = capturedNlriFields(path.join(VECTORS, 'frr-frr-ibgp-evpn.pcap')).find((x) => x.nlri[1] === 0x28)!;
    // MAC+IP with two labels: the last six octets are 00 00 64 (VNI 100) and 00 03 e8 (VNI 1000).
    expect(toHex(f.nlri.subarray(f.nlri.length - 6))).toBe('0000640003e8');
    const r = decodeEvpnNlriList(new Reader(f.nlri), false).nlris[0]!.route;
    expect(r).toMatchObject({ label1: 100, label2: 1000 });
  });

  it('routes decoded in a row with the same RD share one frozen RD object', () => {
    const f = capturedNlriFields(path.join(VECTORS, 'frr-frr-ibgp-evpn.pcap')).find((x) => x.nlri[0] === 5)!;
    const [a, b] = decodeEvpnNlriList(new Reader(f.nlri), false).nlris.map((n) => n.route as { rd: object });
    expect(a!.rd).toBe(b!.rd);
    expect(Object.isFrozen(a!.rd)).toBe(true);
  });

  it('formats captured routes in FRR bracket style', () => {
    const fields = capturedNlriFields(path.join(VECTORS, 'frr-frr-ibgp-evpn.pcap'));
    const all = fields.flatMap((f) => decodeEvpnNlriList(new Reader(f.nlri), false).nlris.map((n) => formatRoute(n.route)));
    expect(all).toContain('[2]:[0]:[48]:[02:cc:00:00:00:11]:[32]:[10.100.0.11]');
    expect(all).toContain('[2]:[0]:[48]:[02:cc:00:00:00:11]');
    expect(all).toContain('[5]:[0]:[24]:[10.100.0.0]');
    expect(all).toContain('[3]:[0]:[32]:[10.98.0.1]');
  });
});
