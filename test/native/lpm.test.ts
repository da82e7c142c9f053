/**
 * The tenant LPM tables (native/src/lpm.h and its twin) against a brute-force
 * longest match: random IPv4 and IPv6 prefixes of every length in two
 * tenants, installed as remote routes whose VNI names the route, then
 * random destinations routed from an access port; the VNI of the output
 * frame (or a drop_no_route) must be the reference's answer, on both sides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { nativeUnavailableReason } from '../../src/dataplane/native';
import type { DataplaneOp } from '../../src/dataplane/ops';
import { networkOf } from '../../src/config/prefix';
import { ipBytes, ipv4ToString, ipv6ToString } from '../../src/util/ip';
import { udp6Frame } from '../unit/portable/frames';
import { Twin } from '../unit/portable/twin';
import { udpFrame } from './support';

const skip = nativeUnavailableReason();
const GW = '00:00:5e:00:01:01';
const H1 = '02:cc:00:00:00:11';

function inPrefix(addr: Uint8Array, net: Uint8Array, len: number): boolean {
  for (let b = 0; b < len; b++) if (((addr[b >> 3]! ^ net[b >> 3]!) & (0x80 >> (b & 7))) !== 0) return false;
  return true;
}

describe.skipIf(skip !== null)('tenant longest-prefix match', () => {
  it('matches a brute-force reference for random prefixes and lookups, both families, tenants apart', () => {
    const addr4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ipv4ToString(Uint8Array.from([10, b[1]! & 0x0f, b[2]!, b[3]!]), 0));
    const addr6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipv6ToString(Uint8Array.from([0xfd, 0, ...b.subarray(2, 4).map((x) => x & 0x0f), ...b.subarray(4)]), 0));
    const route = fc.oneof(
      fc.record({ ip: addr4, len: fc.integer({ min: 0, max: 32 }), tenant: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ ip: addr6, len: fc.integer({ min: 0, max: 128 }), tenant: fc.integer({ min: 0, max: 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(route, { minLength: 1, maxLength: 40 }), fc.array(fc.oneof(addr4, addr6), { minLength: 1, maxLength: 30 }), (routes, dests) => {
        const t = new Twin({ maxPorts: 2, maxVnis: 8, maxVteps: 2, maxTenants: 2, maxRoutes: 64, underlay: { localIp: '10.98.0.1', localMac: '02:aa:ff:00:00:01', nextHopMac: '02:bb:ff:00:00:02' } });
        const ops: DataplaneOp[] = [
          { op: 'vniAdd', vni: 100 },
          { op: 'portAdd', port: 0, vni: 100 },
          { op: 'remoteVtepAdd', vtepIdx: 0, ip: '10.98.0.2' },
          { op: 'vrfAdd', tenant: 0, l3vni: 5000, routerMac: '02:aa:00:00:10:00' },
          { op: 'vrfAdd', tenant: 1, l3vni: 6000, routerMac: '02:aa:00:00:10:00' },
          { op: 'vniVrf', vni: 100, tenant: 0 },
          { op: 'gatewayAdd', vni: 100, ip: '10.200.0.1', prefixLength: 24, mac: GW },
        ];
        // The last route for a (tenant, prefix) wins; its index is the VNI it sends with.
        const table = new Map<string, { tenant: number; net: Uint8Array; len: number; id: number }>();
        routes.forEach((r, id) => {
          ops.push({ op: 'routeAdd', tenant: r.tenant, ip: r.ip, prefixLength: r.len, vni: 10000 + id, vtepIdx: 0, routerMac: '02:bb:00:00:10:00' });
          const net = networkOf(r.ip, r.len);
          table.set(`${r.tenant}/${net}/${r.len}`, { tenant: r.tenant, net: ipBytes(net), len: r.len, id });
        });
        t.setup(ops);
        for (const d of dests) {
          const a = ipBytes(d);
          let best: { len: number; id: number } | undefined;
          for (const e of table.values()) {
            if (e.tenant !== 0 || e.net.length !== a.length || !inPrefix(a, e.net, e.len)) continue;
            if (!best || e.len > best.len) best = e;
          }
          const frame = a.length === 4 ? udpFrame(GW, H1, '10.200.0.11', d, 1, 2) : udp6Frame(GW, H1, 'fd00:200::11', d, 1, 2);
          const out = t.run([{ port: 0, bytes: frame }]);
          expect(out.map((f) => f.vni), d).toEqual(best ? [10000 + best.id] : []);
        }
      }),
      { numRuns: 150 },
    );
  });
});
