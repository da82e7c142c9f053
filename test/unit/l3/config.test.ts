import { describe, expect, it } from 'vitest';
import { parseConfig, resolveVrf, resolveL2vni, routerIdMac, type VtepConfig } from '../../../src/config';
import { rdToString } from '../../../src/bgp/wire/evpn/rd';
import { formatRouteTarget } from '../../../src/bgp/wire/ext-community';
import { lastOf, networkOf, nextAddress, overlaps, parsePrefix } from '../../../src/config/prefix';

/** Tenants in the configuration: `vrfs`, `l2vnis[].vrf`, `l2vnis[].gateway` with a subnet. */

const HEAD = `router-id: 10.0.0.1
as: 65001
underlay: { address: 10.0.0.1 }
`;

function load(text: string): VtepConfig {
  const r = parseConfig(HEAD + text, 'l3.yaml');
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.config;
}

function errs(text: string): string[] {
  const r = parseConfig(HEAD + text, 'l3.yaml');
  return r.ok ? [] : r.errors.map(String);
}

const TWO_SUBNETS = `l2vnis:
  - vni: 100
    interface: h100
    vrf: red
    gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 }
  - vni: 200
    interface: h200
    vrf: red
    gateway: { ip: "2001:db8:200::1/64", mac: 00-00-5E-00-01-02 }
vrfs:
  - name: red
    l3vni: 1000
    prefixes: [0.0.0.0/0, "::/0"]
`;

describe('vrfs: valid configurations', () => {
  it('parses tenants, attachments and gateways with their subnets', () => {
    const c = load(TWO_SUBNETS);
    expect(c.vrfs).toEqual([
      { name: 'red', l3vni: 1000, routerMac: 'auto', rd: 'auto', routeTargets: { import: 'auto', export: 'auto' }, prefixes: ['0.0.0.0/0', '::/0'] },
    ]);
    expect(c.l2vnis[0]).toMatchObject({ vni: 100, vrf: 'red', gateway: { ip: '10.100.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' } });
    expect(c.l2vnis[1]).toMatchObject({ vni: 200, vrf: 'red', gateway: { ip: '2001:db8:200::1', prefixLength: 64, mac: '00:00:5e:00:01:02' } });
  });

  it('resolves auto values as FRR does: RD router-id:(L2VNIs + position), RT AS:L3VNI, advertised subnets then prefixes', () => {
    const c = load(TWO_SUBNETS);
    const r = resolveVrf(c, c.vrfs![0]!);
    expect(rdToString(r.rd)).toBe('10.0.0.1:3');
    expect(r.import.map(formatRouteTarget)).toEqual(['65001:1000']);
    expect(r.export.map(formatRouteTarget)).toEqual(['65001:1000']);
    expect(r.l2vnis).toEqual([100, 200]);
    expect(r.prefixes).toEqual(['10.100.0.0/24', '2001:db8:200::/64', '0.0.0.0/0', '::/0']);
    // Never equal to an L2VNI's auto RD.
    expect(c.l2vnis.map((l) => rdToString(resolveL2vni(c, l).rd))).toEqual(['10.0.0.1:1', '10.0.0.1:2']);
  });

  it('router MAC: explicit, else the underlay interface MAC, else 02:00 + router-id', () => {
    const c = load(TWO_SUBNETS);
    expect(resolveVrf(c, c.vrfs![0]!).routerMac).toBe('02:00:0a:00:00:01');
    expect(resolveVrf(c, c.vrfs![0]!, '52:54:00:12:34:56').routerMac).toBe('52:54:00:12:34:56');
    expect(routerIdMac('192.0.2.255')).toBe('02:00:c0:00:02:ff');
    const e = load(`vrfs:\n  - { name: blue, l3vni: 2000, router-mac: 02:AA:BB:CC:DD:EE, rd: "65001:2000", route-targets: { import: ["65001:2000", "65000:2000"] } }\n`);
    const r = resolveVrf(e, e.vrfs![0]!, '52:54:00:12:34:56');
    expect(r.routerMac).toBe('02:aa:bb:cc:dd:ee');
    expect(rdToString(r.rd)).toBe('65001:2000');
    expect(r.import.map(formatRouteTarget)).toEqual(['65001:2000', '65000:2000']);
    expect(r.export.map(formatRouteTarget)).toEqual(['65001:2000']);
  });

  it('rfc8365 mode derives the VRF RT with the VXLAN type bits, as for L2VNIs', () => {
    const c = load(`rd-rt-mode: rfc8365\nvrfs: [{ name: red, l3vni: 1000 }]\n`);
    expect(resolveVrf(c, c.vrfs![0]!).export).toEqual([{ form: 'as2', asn: 65001, local: (1 << 28) | 1000 }]);
  });

  it('a bare gateway address is still accepted on a VNI that does not route', () => {
    const c = load(`l2vnis:\n  - { vni: 100, interface: h100, gateway: { ip: 10.2.0.1, mac: 00:00:5e:00:01:01 } }\n`);
    expect(c.l2vnis[0]!.gateway).toEqual({ ip: '10.2.0.1', mac: '00:00:5e:00:01:01' });
    expect(c.vrfs).toBeUndefined();
  });

  it('two tenants may use the same subnets (isolation is by route target)', () => {
    const c = load(`l2vnis:
  - { vni: 100, interface: h100, vrf: red, gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 } }
  - { vni: 300, interface: h300, vrf: blue, gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 } }
vrfs: [{ name: red, l3vni: 1000 }, { name: blue, l3vni: 2000 }]
`);
    expect(c.vrfs!.map((v) => resolveVrf(c, v).prefixes)).toEqual([['10.100.0.0/24'], ['10.100.0.0/24']]);
  });
});

describe('vrfs: errors point at the line and column', () => {
  // HEAD is 3 lines: the snippets below start on line 4.
  it('unknown VRF name, with a suggestion', () => {
    expect(errs(`l2vnis:\n  - { vni: 100, interface: h100, vrf: rde }\nvrfs: [{ name: red, l3vni: 1000 }]\n`)).toEqual([
      'l3.yaml:5:39: l2vnis[0].vrf: unknown VRF "rde" (did you mean "red"?)',
    ]);
    expect(errs(`l2vnis:\n  - { vni: 100, interface: h100, vrf: red }\n`)).toEqual(['l3.yaml:5:39: l2vnis[0].vrf: unknown VRF "red"; no vrfs are configured']);
  });

  it('duplicate L3VNI and duplicate name', () => {
    expect(errs(`vrfs:\n  - { name: red, l3vni: 1000 }\n  - { name: red, l3vni: 1000 }\n`)).toEqual([
      'l3.yaml:6:13: vrfs[1].name: duplicate VRF name "red" (first on line 5)',
      'l3.yaml:6:25: vrfs[1].l3vni: duplicate L3VNI 1000 (first on line 5)',
    ]);
  });

  it('an L3VNI equal to an L2VNI', () => {
    expect(errs(`l2vnis:\n  - { vni: 1000, interface: h100 }\nvrfs:\n  - { name: red, l3vni: 1000 }\n`)).toEqual([
      'l3.yaml:7:25: vrfs[0].l3vni: L3VNI 1000 is also an L2VNI (line 5); a VNI is either bridged or routed',
    ]);
  });

  it('gateway addresses that are not host addresses of their subnet, or subnets without hosts', () => {
    const out = errs(`l2vnis:
  - { vni: 100, interface: h100, gateway: { ip: 10.100.0.0/24, mac: 00:00:5e:00:01:01 } }
  - { vni: 101, interface: h101, gateway: { ip: 10.101.0.255/24, mac: 00:00:5e:00:01:01 } }
  - { vni: 102, interface: h102, gateway: { ip: 10.102.0.1/32, mac: 00:00:5e:00:01:01 } }
  - { vni: 103, interface: h103, gateway: { ip: 10.103.0.1/33, mac: 00:00:5e:00:01:01 } }
  - { vni: 104, interface: h104, gateway: { ip: "2001:db8::/64", mac: 00:00:5e:00:01:01 } }
  - { vni: 105, interface: h105, gateway: { ip: 10.105.0.1/24, mac: 01:00:5e:00:01:01 } }
`);
    expect(out).toEqual([
      'l3.yaml:5:49: l2vnis[0].gateway.ip: 10.100.0.0 is the network address of 10.100.0.0/24; the gateway needs a host address inside it (e.g. 10.100.0.1)',
      'l3.yaml:6:49: l2vnis[1].gateway.ip: 10.101.0.255 is the broadcast address of 10.101.0.0/24; the gateway needs a host address inside it',
      'l3.yaml:7:49: l2vnis[2].gateway.ip: a /32 gateway subnet leaves no room for hosts',
      'l3.yaml:8:49: l2vnis[3].gateway.ip: prefix length "33" out of range 0..32 for IPv4',
      'l3.yaml:9:49: l2vnis[4].gateway.ip: 2001:db8:: is the network address of 2001:db8::/64; the gateway needs a host address inside it (e.g. 2001:db8::1)',
      'l3.yaml:10:69: l2vnis[5].gateway.mac: 01:00:5e:00:01:01 is a multicast MAC; a gateway needs a unicast one',
    ]);
  });

  it('a routed VNI needs its gateway subnet; subnets of one tenant must not overlap', () => {
    expect(
      errs(`l2vnis:
  - { vni: 100, interface: h100, vrf: red, gateway: { ip: 10.100.0.1, mac: 00:00:5e:00:01:01 } }
  - { vni: 200, interface: h200, vrf: red, gateway: { ip: 10.100.0.1/16, mac: 00:00:5e:00:01:01 } }
  - { vni: 300, interface: h300, vrf: red, gateway: { ip: 10.100.7.1/24, mac: 00:00:5e:00:01:01 } }
vrfs: [{ name: red, l3vni: 1000 }]
`),
    ).toEqual([
      'l3.yaml:5:59: l2vnis[0].gateway.ip: VNI 100 routes in VRF "red": write the gateway with its subnet, e.g. 10.100.0.1/24, so that the subnet can be advertised',
      'l3.yaml:7:59: l2vnis[2].gateway.ip: gateway subnet 10.100.7.0/24 overlaps 10.100.0.0/16 of VNI 200 in VRF "red" (line 6)',
    ]);
  });

  it('bad VRF fields: name, L3VNI range, router MAC, prefixes with host bits, duplicates, unknown keys', () => {
    expect(
      errs(`vrfs:
  - name: "bad name"
    l3vni: 16777216
    router-mac: ff:ff:ff:ff:ff:ff
    prefixes: [10.0.0.1/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0, 300.0.0.0/8]
    colour: red
`),
    ).toEqual([
      'l3.yaml:5:11: vrfs[0].name: "bad name" is not a valid VRF name (1..32 letters, digits, "-", "_", ".", starting with a letter or digit)',
      'l3.yaml:6:12: vrfs[0].l3vni: expected an L3VNI 1..16777215, got 16777216',
      'l3.yaml:7:17: vrfs[0].router-mac: ff:ff:ff:ff:ff:ff is a multicast MAC; a router MAC needs a unicast one',
      'l3.yaml:8:16: vrfs[0].prefixes[0]: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?',
      'l3.yaml:8:40: vrfs[0].prefixes[2]: duplicate prefix 10.0.0.0/8 (first on line 8)',
      'l3.yaml:8:52: vrfs[0].prefixes[3]: "10.0.0.0" has no prefix length (write ADDRESS/LEN, e.g. 10.100.0.0/24)',
      'l3.yaml:8:62: vrfs[0].prefixes[4]: "300.0.0.0" is not an IPv4 or IPv6 address',
      'l3.yaml:9:5: vrfs[0].colour: unknown key; valid keys: name, l3vni, router-mac, rd, route-targets, prefixes',
    ]);
  });

  it('a VRF RD equal to an L2VNI RD, explicit or auto', () => {
    expect(errs(`l2vnis:\n  - { vni: 100, interface: h100 }\nvrfs:\n  - { name: red, l3vni: 1000, rd: 10.0.0.1:1 }\n`)).toEqual([
      'l3.yaml:7:35: vrfs[0].rd: route distinguisher 10.0.0.1:1 is also used by another VNI (first on line 5)',
    ]);
  });

  it('missing name and l3vni', () => {
    expect(errs(`vrfs:\n  - { prefixes: [] }\n`)).toEqual(['l3.yaml:5:5: vrfs[0]: missing required key "name"', 'l3.yaml:5:5: vrfs[0]: missing required key "l3vni"']);
  });
});

describe('prefix helpers (config/prefix.ts)', () => {
  it('network, last and next addresses, overlap, both families', () => {
    expect(networkOf('10.100.7.9', 21)).toBe('10.100.0.0');
    expect(lastOf('10.100.7.9', 21)).toBe('10.100.7.255');
    expect(networkOf('2001:db8:1:2:3:4:5:6', 64)).toBe('2001:db8:1:2::');
    expect(networkOf('2001:db8::1', 0)).toBe('::');
    expect(nextAddress('10.0.0.255')).toBe('10.0.1.0');
    expect(nextAddress('2001:db8::1:0')).toBe('2001:db8::1:1');
    expect(nextAddress('255.255.255.255')).toBe('0.0.0.0');
    expect(overlaps(parsePrefix('10.0.0.0/8'), parsePrefix('10.1.0.0/16'))).toBe(true);
    expect(overlaps(parsePrefix('10.1.0.0/16'), parsePrefix('10.2.0.0/16'))).toBe(false);
    expect(overlaps(parsePrefix('0.0.0.0/0'), parsePrefix('::/0'))).toBe(false);
    expect(parsePrefix('2001:DB8::/32')).toEqual({ ip: '2001:db8::', length: 32 });
    expect(() => parsePrefix('::/129')).toThrow(/out of range 0..128/);
  });
});
