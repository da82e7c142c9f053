import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import { imetRoute, ipPrefixRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { routeKey } from '../../../src/rib/route-key';

const hex = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));
const macArb = fc.array(hex, { minLength: 6, maxLength: 6 }).map((a) => a.join(':'));
const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((a) => a.join('.'));
const rdArb = fc.oneof(
  fc.record({ type: fc.constant(0 as const), admin: fc.integer({ min: 0, max: 0xffff }), assigned: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ type: fc.constant(1 as const), admin: v4, assigned: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ type: fc.constant(2 as const), admin: fc.integer({ min: 0, max: 0xffffffff }), assigned: fc.integer({ min: 0, max: 0xffff }) }),
);

describe('routeKey equals evpnRouteKey', () => {
  it('for random MAC/IP routes (IPv4, IPv6, MAC-only), frozen or not', () => {
    fc.assert(
      fc.property(rdArb, macArb, fc.option(fc.oneof(v4, fc.constant('2001:db8::1')), { nil: undefined }), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), (rd, mac, ip, ethTag, freeze) => {
        const r = macIpRoute({ rd: freeze ? Object.freeze(rd) : rd, mac, ...(ip === undefined ? {} : { ip }), label1: 100, ethTag });
        expect(routeKey(r)).toBe(evpnRouteKey(r));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100000) / 20 },
    );
  });

  it('for other route types', () => {
    const rs = [imetRoute({ rd: '10.0.0.1:3', originatorIp: '10.0.0.1' }), ipPrefixRoute({ rd: '10.0.0.1:1', prefix: '10.1.0.0/16', label: 1000 })];
    for (const r of rs) expect(routeKey(r)).toBe(evpnRouteKey(r));
  });

  it('does not reuse stale RD octets when an unfrozen RD object is mutated', () => {
    const rd = { type: 1 as const, admin: '10.0.0.1', assigned: 1 };
    const a = macIpRoute({ rd, mac: '02:00:00:00:00:01', label1: 1 });
    const k1 = routeKey(a);
    (a.rd as { assigned: number }).assigned = 2;
    expect(routeKey(a)).not.toBe(k1);
    expect(routeKey(a)).toBe(evpnRouteKey(a));
  });
});
