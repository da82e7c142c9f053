import fc from 'fast-check';
import { ipv4ToString, ipv6ToString } from '../../../src/util/ip';
import { macToString } from '../../../src/util/mac';
import { esiAt } from '../../../src/bgp/wire/evpn/esi';
import type {
  EvpnNlri,
  EvpnRoute,
  RouteDistinguisher,
} from '../../../src/bgp/wire/evpn/types';
import { ZERO_ESI } from '../../../src/bgp/wire/evpn/types';

/** fast-check generators of valid EVPN values, in the canonical text forms the decoders produce. */

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
export const label = fc.integer({ min: 0, max: 0xffffff });

export const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ipv4ToString(b, 0));
/** Biased toward zero groups so that "::" compression and the IPv4-mapped form get exercised. */
export const ipv6 = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((g) => {
    const b = new Uint8Array(16);
    g.forEach((x, i) => {
      b[2 * i] = x >>> 8;
      b[2 * i + 1] = x & 0xff;
    });
    return ipv6ToString(b, 0);
  });
export const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => macToString(b, 0));
export const esi = fc.oneof(
  fc.constant(ZERO_ESI),
  fc.uint8Array({ minLength: 10, maxLength: 10 }).map((b) => esiAt(b, 0)),
);

export const rd: fc.Arbitrary<RouteDistinguisher> = fc.oneof(
  fc.record({ type: fc.constant(0 as const), admin: u16, assigned: u32 }),
  fc.record({ type: fc.constant(1 as const), admin: ipv4, assigned: u16 }),
  fc.record({ type: fc.constant(2 as const), admin: u32, assigned: u16 }),
  fc.record({ type: fc.integer({ min: 3, max: 0xffff }), raw: fc.uint8Array({ minLength: 6, maxLength: 6 }) }),
);

export const ethernetAd = fc.record({ routeType: fc.constant(1 as const), rd, esi, ethTag: u32, label });

export const macIp = fc
  .record({
    rd,
    esi,
    ethTag: u32,
    mac,
    ip: fc.option(fc.oneof(ipv4, ipv6), { nil: undefined }),
    label1: label,
    label2: fc.option(label, { nil: undefined }),
  })
  .map(({ ip, label2, ...r }): EvpnRoute => ({
    routeType: 2,
    rd: r.rd,
    esi: r.esi,
    ethTag: r.ethTag,
    mac: r.mac,
    ...(ip === undefined ? {} : { ip }),
    label1: r.label1,
    ...(label2 === undefined ? {} : { label2 }),
  }));

export const imet = fc.record({ routeType: fc.constant(3 as const), rd, ethTag: u32, originatorIp: fc.oneof(ipv4, ipv6) });

export const es = fc.record({ routeType: fc.constant(4 as const), rd, esi, originatorIp: fc.oneof(ipv4, ipv6) });

export const ipPrefix = fc.oneof(
  fc.record({
    routeType: fc.constant(5 as const),
    rd,
    esi,
    ethTag: u32,
    prefix: ipv4,
    prefixLength: fc.integer({ min: 0, max: 32 }),
    gatewayIp: ipv4,
    label,
  }),
  fc.record({
    routeType: fc.constant(5 as const),
    rd,
    esi,
    ethTag: u32,
    prefix: ipv6,
    prefixLength: fc.integer({ min: 0, max: 128 }),
    gatewayIp: ipv6,
    label,
  }),
);

export const unknownRoute = fc.record({
  routeType: fc.oneof(fc.constant(0), fc.integer({ min: 6, max: 255 })),
  unknown: fc.constant(true as const),
  value: fc.uint8Array({ maxLength: 255 }),
});

export const route: fc.Arbitrary<EvpnRoute> = fc.oneof(ethernetAd, macIp, imet, es, ipPrefix, unknownRoute);

export function nlri(addPath: boolean): fc.Arbitrary<EvpnNlri> {
  return addPath ? fc.record({ route, pathId: u32 }) : fc.record({ route });
}
