import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  autoRd,
  autoRt,
  loadConfig,
  neighborFsmConfig,
  neighborStartEvent,
  parseConfig,
  resolveL2vni,
  type VtepConfig,
} from '../../../src/config';

/** Lines are numbered in comments so expected positions can be checked by eye. */
const FULL = `router-id: 10.0.0.1
as: 65001
listen:
  address: "::"
  port: 1179
underlay:
  address: 192.0.2.1
  interface: eth1
  udp-port: 4789
neighbors:
  - address: 10.0.0.254
    remote-as: 65001
    local-address: 10.0.0.1
    route-reflector-client: true
    hold-time: 9
    description: spine-1
    address-families: [l2vpn-evpn, ipv4-unicast]
    max-prefixes: { limit: 10000, action: warn }
  - address: "2001:DB8::0:2"
    remote-as: "4200000001"
    passive: true
    password: s3cret
    ttl-security: { hops: 1 }
    hold-time: 90
    keepalive: 10
route-reflector:
  cluster-id: 1.1.1.1
l2vnis:
  - vni: 100
    interface: tap100
  - vni: 200
    interface: eth2
    vlan: 200
    rd: 10.0.0.1:200
    route-targets:
      import: ["65001:200", "65000:200"]
      export: ["65001:200"]
    arp-suppression: false
    mac-aging-seconds: 600
    max-macs: 4096
    port-limits: { max-macs: 64, arp-rate: 50, arp-burst: 0 }
    gateway: { ip: 10.2.0.1, mac: 00-00-5E-00-01-01 }
rd-rt-mode: rfc8365
migration:
  probe-timeout-ms: 1000
  dad: { max-moves: 3, window-seconds: 60 }
graceful-restart: { restart-time: 90, preserve-forwarding: true, stale-time: 30, select-defer-time: 45 }
control-socket: /tmp/vtep.sock
log: { level: debug }
`;

const EXPECTED: VtepConfig = {
  routerId: '10.0.0.1',
  as: 65001,
  listen: { address: '::', port: 1179 },
  underlay: { address: '192.0.2.1', interface: 'eth1', udpPort: 4789 },
  neighbors: [
    {
      address: '10.0.0.254',
      remoteAs: 65001,
      localAddress: '10.0.0.1',
      passive: false,
      holdTime: 9,
      keepalive: 3,
      routeReflectorClient: true,
      description: 'spine-1',
      addressFamilies: ['l2vpn-evpn', 'ipv4-unicast'],
      maxPrefixes: { limit: 10000, action: 'warn' },
    },
    {
      address: '2001:db8::2',
      remoteAs: 4200000001,
      passive: true,
      holdTime: 90,
      keepalive: 10,
      routeReflectorClient: false,
      password: 's3cret',
      ttlSecurityHops: 1,
      addressFamilies: ['l2vpn-evpn'],
    },
  ],
  routeReflector: { clusterId: '1.1.1.1' },
  l2vnis: [
    {
      vni: 100,
      interface: 'tap100',
      rd: 'auto',
      routeTargets: { import: 'auto', export: 'auto' },
      arpSuppression: true,
      macAgingSeconds: 300,
      portLimits: { maxMacs: 8192, arpRate: 1000, arpBurst: 2000 },
    },
    {
      vni: 200,
      interface: 'eth2',
      vlan: 200,
      rd: { type: 1, admin: '10.0.0.1', assigned: 200 },
      routeTargets: {
        import: [
          { form: 'as2', asn: 65001, local: 200 },
          { form: 'as2', asn: 65000, local: 200 },
        ],
        export: [{ form: 'as2', asn: 65001, local: 200 }],
      },
      arpSuppression: false,
      macAgingSeconds: 600,
      maxMacs: 4096,
      portLimits: { maxMacs: 64, arpRate: 50, arpBurst: 0 },
      gateway: { ip: '10.2.0.1', mac: '00:00:5e:00:01:01' },
    },
  ],
  rdRtMode: 'rfc8365',
  migration: { probeTimeoutMs: 1000, dad: { maxMoves: 3, windowSeconds: 60 } },
  gracefulRestart: { restartTime: 90, preserveForwarding: true, staleTime: 30, selectDeferTime: 45 },
  controlSocket: '/tmp/vtep.sock',
  log: { level: 'debug' },
};

/** Runs the loader and returns its errors as `file:line:col: message` strings. */
function errs(text: string, mode: 'run' | 'bgp' = 'run'): string[] {
  const r = mode === 'bgp' ? parseConfig(text, 'lab.yaml', 'bgp') : parseConfig(text, 'lab.yaml');
  if (r.ok) return [];
  return r.errors.map(String);
}

const MIN = `router-id: 10.0.0.1\nas: 65001\nunderlay: { address: 10.0.0.1 }\n`;

describe('loading a valid configuration', () => {
  it('gives the full typed object', () => {
    const r = parseConfig(FULL, 'lab.yaml');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config).toEqual(EXPECTED);
  });

  it('fills every default in a minimal file', () => {
    const r = parseConfig(`${MIN}neighbors:\n  - { address: 10.0.0.2, remote-as: 65002 }\nl2vnis:\n  - { vni: 10, interface: br10 }\n`, 'x.yaml');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config).toEqual({
      routerId: '10.0.0.1',
      as: 65001,
      listen: { address: '0.0.0.0', port: 179 },
      underlay: { address: '10.0.0.1', udpPort: 4789 },
      neighbors: [
        {
          address: '10.0.0.2',
          remoteAs: 65002,
          passive: false,
          // FRR's defaults.
          holdTime: 180,
          keepalive: 60,
          routeReflectorClient: false,
          addressFamilies: ['l2vpn-evpn'],
        },
      ],
      l2vnis: [
        {
          vni: 10,
          interface: 'br10',
          rd: 'auto',
          routeTargets: { import: 'auto', export: 'auto' },
          arpSuppression: true,
          macAgingSeconds: 300,
          // Safe defaults against a misbehaving host on the access port.
          portLimits: { maxMacs: 8192, arpRate: 1000, arpBurst: 2000 },
        },
      ],
      rdRtMode: 'frr',
      migration: { probeTimeoutMs: 3000, dad: { maxMoves: 5, windowSeconds: 180 } },
      // Helper only, as FRR without `bgp graceful-restart`.
      gracefulRestart: { restartTime: 120, preserveForwarding: false, staleTime: 360, selectDeferTime: 360 },
      controlSocket: '/run/evpn-vtep.sock',
      log: { level: 'info' },
    });
  });

  it('hold-time 0 is allowed and disables keepalives', () => {
    const r = parseConfig(`${MIN}neighbors:\n  - { address: 10.0.0.2, remote-as: 65002, hold-time: 0 }\n`, 'x.yaml');
    expect(r.ok && r.config.neighbors[0]).toMatchObject({ holdTime: 0 });
  });

  it('accepts asdot AS numbers in quotes (RFC 5396)', () => {
    const r = parseConfig(`router-id: 10.0.0.1\nas: "1.10"\nunderlay: { address: 10.0.0.1 }\n`, 'x.yaml');
    expect(r.ok && r.config.as).toBe(65546);
  });

  it('evpn-vtep bgp does not need an underlay', () => {
    expect(parseConfig(`router-id: 10.0.0.1\nas: 65001\n`, 'x.yaml', 'bgp').ok).toBe(true);
  });

  it('a route-reflector client without a route-reflector section uses the router-id as cluster ID', () => {
    const r = parseConfig(`${MIN}neighbors:\n  - { address: 10.0.0.2, remote-as: 65001, route-reflector-client: true }\n`, 'x.yaml');
    expect(r.ok && r.config.routeReflector).toEqual({ clusterId: '10.0.0.1' });
  });

  it('cluster-id may be a number', () => {
    const r = parseConfig(`${MIN}route-reflector: { cluster-id: 16843009 }\n`, 'x.yaml');
    expect(r.ok && r.config.routeReflector).toEqual({ clusterId: '1.1.1.1' });
  });
});

describe('errors name the file, line and column', () => {
  it('a bad AS number (the README example)', () => {
    const text = `${MIN}neighbors:\n  - address: 10.0.0.2\n    remote-as: abc\n`;
    expect(errs(text)).toEqual(['lab.yaml:6:16: neighbors[0].remote-as: expected an AS number 1..4294967295, got "abc"']);
  });

  it('AS out of range, and an unquoted asdot that YAML read as a decimal', () => {
    expect(errs(`router-id: 10.0.0.1\nas: 4294967296\nunderlay: { address: 10.0.0.1 }\n`)).toEqual([
      'lab.yaml:2:5: as: expected an AS number 1..4294967295, got 4294967296',
    ]);
    expect(errs(`router-id: 10.0.0.1\nas: 0\nunderlay: { address: 10.0.0.1 }\n`)).toEqual([
      'lab.yaml:2:5: as: expected an AS number 1..4294967295, got 0',
    ]);
    expect(errs(`router-id: 10.0.0.1\nas: 1.10\nunderlay: { address: 10.0.0.1 }\n`)[0]).toMatch(/^lab\.yaml:2:5: as: .*quote asdot/);
  });

  it('wrong types and bad addresses', () => {
    const text = `router-id: 300.0.0.1
as: 65001
listen: { port: "http" }
underlay:
  address: 10.0.0.1
  udp-port: 70000
neighbors:
  - address: 10.0.0.x
    remote-as: 65002
    passive: yes
`;
    expect(errs(text)).toEqual([
      'lab.yaml:1:12: router-id: expected an IPv4 address (the BGP identifier), got "300.0.0.1"',
      'lab.yaml:3:17: listen.port: expected a TCP port 0..65535, got "http"',
      'lab.yaml:6:13: underlay.udp-port: expected a UDP port 1..65535, got 70000',
      'lab.yaml:8:14: neighbors[0].address: expected an IPv4 or IPv6 address, got "10.0.0.x"',
      'lab.yaml:10:14: neighbors[0].passive: expected true or false, got "yes"',
    ]);
  });

  it('missing required keys point at the enclosing mapping', () => {
    expect(errs(`as: 65001\nneighbors:\n  - remote-as: 65002\n`)).toEqual([
      'lab.yaml:1:1: missing required key "router-id"',
      'lab.yaml:1:1: missing required key "underlay" (evpn-vtep run needs the VTEP address: underlay: {address: ...})',
      'lab.yaml:3:5: neighbors[0]: missing required key "address"',
    ]);
  });

  it('hold time 1 or 2 is refused (RFC 4271 §4.2); keepalive above hold/3 too', () => {
    const text = `${MIN}neighbors:\n  - address: 10.0.0.2\n    remote-as: 65002\n    hold-time: 2\n  - address: 10.0.0.3\n    remote-as: 65002\n    hold-time: 30\n    keepalive: 11\n`;
    expect(errs(text)).toEqual([
      'lab.yaml:7:16: neighbors[0].hold-time: expected a hold time of 0 or 3..65535 seconds, got 2 (RFC 4271 §4.2)',
      'lab.yaml:11:16: neighbors[1].keepalive: 11 s is more than a third of hold-time 30 s (RFC 4271 §10)',
    ]);
  });

  it('value constraints: VNI, VLAN, RD, RT, MAC, families, max-prefixes action', () => {
    const text = `${MIN}neighbors:
  - address: 10.0.0.2
    remote-as: 65002
    address-families: [l2vpn-evpn, ipv6-unicast]
    max-prefixes: { limit: 10, action: drop }
l2vnis:
  - vni: 16777216
    interface: this-name-is-too-long
    vlan: 4095
    rd: 65001
    route-targets: { import: ["70000:70000"], export: ["10.0.0.1:65536"] }
    gateway: { ip: 10.0.0.1, mac: 01:00:5e:00:00:01 }
`;
    expect(errs(text)).toEqual([
      'lab.yaml:7:36: neighbors[0].address-families[1]: expected one of l2vpn-evpn, ipv4-unicast, got "ipv6-unicast" (did you mean "ipv4-unicast"?)',
      'lab.yaml:8:40: neighbors[0].max-prefixes.action: expected one of warn, teardown, got "drop"',
      'lab.yaml:10:10: l2vnis[0].vni: expected a VNI 1..16777215, got 16777216',
      'lab.yaml:11:16: l2vnis[0].interface: "this-name-is-too-long" is not a valid Linux interface name (at most 15 characters, no spaces or "/")',
      'lab.yaml:12:11: l2vnis[0].vlan: expected a VLAN ID 1..4094, got 4095',
      'lab.yaml:13:9: l2vnis[0].rd: expected route distinguisher like 65001:100 or 10.0.0.1:5, got 65001',
      'lab.yaml:14:31: l2vnis[0].route-targets.import[0]: route target 70000:70000: the number after a 4-octet AS must be 0..65535',
      'lab.yaml:14:56: l2vnis[0].route-targets.export[0]: route target 10.0.0.1:65536: the number after an IPv4 address must be 0..65535',
      'lab.yaml:15:35: l2vnis[0].gateway.mac: 01:00:5e:00:00:01 is a multicast MAC; a gateway needs a unicast one',
    ]);
  });

  it('a malformed RD and a repeated RT', () => {
    const text = `${MIN}l2vnis:\n  - vni: 10\n    interface: tap10\n    rd: "65001:x"\n    route-targets: { export: ["65001:10", "65001:10"] }\n`;
    expect(errs(text)).toEqual([
      'lab.yaml:7:9: l2vnis[0].rd: bad route distinguisher "65001:x": assigned number "x" is not a decimal number',
      'lab.yaml:8:43: l2vnis[0].route-targets.export[1]: duplicate route target 65001:10 (first on line 8)',
    ]);
  });

  it('route-reflector-client on an eBGP neighbor, and a local-address of the wrong family', () => {
    const text = `${MIN}neighbors:\n  - address: 10.0.0.2\n    remote-as: 65002\n    local-address: "fe80::1"\n    route-reflector-client: true\n`;
    expect(errs(text)).toEqual([
      'lab.yaml:7:20: neighbors[0].local-address: fe80::1 is not of the same address family as the neighbor address 10.0.0.2',
      'lab.yaml:8:29: neighbors[0].route-reflector-client: route reflection is for iBGP peers, but remote-as 65002 differs from as 65001 (RFC 4456)',
    ]);
  });
});

describe('unknown keys', () => {
  it('are errors that name the key and suggest the closest valid one', () => {
    const text = `${MIN}neighbours:\n  - address: 10.0.0.2\nl2vnis:\n  - vni: 10\n    interface: tap10\n    arp_suppression: false\n    colour: blue\n`;
    expect(errs(text)).toEqual([
      'lab.yaml:4:1: neighbours: unknown key (did you mean "neighbors"?)',
      'lab.yaml:9:5: l2vnis[0].arp_suppression: unknown key (did you mean "arp-suppression"?)',
      'lab.yaml:10:5: l2vnis[0].colour: unknown key; valid keys: vni, interface, vlan, rd, route-targets, arp-suppression, mac-aging-seconds, max-macs, port-limits, gateway, vrf',
    ]);
  });

  it('camelCase spellings are recognised', () => {
    expect(errs(`${MIN}controlSocket: /x\n`)).toEqual(['lab.yaml:4:1: controlSocket: unknown key (did you mean "control-socket"?)']);
  });
});

describe('duplicates', () => {
  it('duplicate neighbors and VNIs are errors at the second occurrence', () => {
    const text = `${MIN}neighbors:
  - { address: 10.0.0.2, remote-as: 65002 }
  - { address: "10.0.0.2", remote-as: 65003 }
l2vnis:
  - { vni: 10, interface: tap10 }
  - { vni: 10, interface: tap11 }
  - { vni: 11, interface: tap10 }
`;
    expect(errs(text)).toEqual([
      'lab.yaml:6:16: neighbors[1].address: duplicate neighbor 10.0.0.2 (first on line 5)',
      'lab.yaml:9:12: l2vnis[1].vni: duplicate VNI 10 (first on line 8)',
      'lab.yaml:10:27: l2vnis[2].interface: interface tap10 vlan untagged is already bound to another VNI (first on line 8)',
    ]);
  });

  it('IPv6 neighbors are compared in canonical form', () => {
    const text = `${MIN}neighbors:\n  - { address: "2001:db8::1", remote-as: 65002 }\n  - { address: "2001:DB8:0::1", remote-as: 65002 }\n`;
    expect(errs(text)).toEqual(['lab.yaml:6:16: neighbors[1].address: duplicate neighbor 2001:db8::1 (first on line 5)']);
  });

  it('an explicit RD equal to an auto-derived one is refused', () => {
    const text = `${MIN}l2vnis:\n  - { vni: 10, interface: tap10 }\n  - { vni: 20, interface: tap20, rd: "10.0.0.1:1" }\n`;
    expect(errs(text)).toEqual(['lab.yaml:6:38: l2vnis[1].rd: route distinguisher 10.0.0.1:1 is also used by another VNI (first on line 5)']);
  });

  it('duplicate mapping keys are reported by the YAML layer with their position', () => {
    expect(errs(`${MIN}as: 65002\n`)).toEqual(['lab.yaml:4:1: YAML syntax error: Map keys must be unique']);
  });
});

describe('YAML syntax errors', () => {
  it('are reported with their line', () => {
    const e = errs(`router-id: 10.0.0.1\nas: 65001\nneighbors:\n  - address: [10.0.0.2\n`);
    expect(e.length).toBeGreaterThan(0);
    expect(e[0]).toMatch(/^lab\.yaml:[45]:\d+: YAML syntax error: /);
  });

  it('a tab indentation error names its line', () => {
    const e = errs(`router-id: 10.0.0.1\nas: 65001\nlisten:\n\tport: 179\n`);
    expect(e[0]).toMatch(/^lab\.yaml:4:\d+: YAML syntax error: /);
  });

  it('an empty file or a non-mapping root is explained', () => {
    expect(errs('')).toEqual(['lab.yaml:1:1: the file is empty; expected a mapping with at least router-id and as']);
    expect(errs('- a\n- b\n')).toEqual(['lab.yaml:1:1: expected a mapping, got a list']);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fs-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and reports errors with its path', () => {
    const file = path.join(dir, 'lab.yaml');
    writeFileSync(file, `${MIN}bogus: 1\n`);
    const r = loadConfig(file);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors[0]).toMatchObject({ file, line: 4, col: 1 });
      expect(String(r.errors[0])).toBe(`${file}:4:1: bogus: unknown key; valid keys: router-id, as, listen, underlay, neighbors, route-reflector, l2vnis, vrfs, rd-rt-mode, migration, graceful-restart, control-socket, log, metrics, tables, mrt`);
    }
    writeFileSync(file, FULL);
    const ok = loadConfig(file);
    expect(ok.ok && ok.config).toEqual(EXPECTED);
  });

  it('reports a missing file without a position', () => {
    const r = loadConfig(path.join(dir, 'nope.yaml'));
    expect(!r.ok && String(r.errors[0])).toMatch(/nope\.yaml: cannot read the file: ENOENT/);
  });
});

describe('RD/RT spellings and auto derivation', () => {
  it('frr mode: RD router-id:index, RT (AS mod 65536):VNI', () => {
    expect(autoRd('10.0.0.1', 3)).toEqual({ type: 1, admin: '10.0.0.1', assigned: 3 });
    expect(autoRt('frr', 65001, 100)).toEqual({ form: 'as2', asn: 65001, local: 100 });
    expect(autoRt('frr', 4200000001, 100)).toEqual({ form: 'as2', asn: 4200000001 & 0xffff, local: 100 });
  });

  it('rfc8365 mode sets Type=1 (VXLAN) above the 24-bit VNI (RFC 8365 §5.1.2.1)', () => {
    expect(autoRt('rfc8365', 65001, 100)).toEqual({ form: 'as2', asn: 65001, local: 0x10000064 });
    expect(autoRt('rfc8365', 65001, 0xffffff)).toEqual({ form: 'as2', asn: 65001, local: 0x10ffffff });
  });

  it('resolveL2vni fills in every auto', () => {
    const r = parseConfig(FULL, 'lab.yaml');
    if (!r.ok) throw new Error('fixture');
    expect(resolveL2vni(r.config, r.config.l2vnis[0]!)).toEqual({
      vni: 100,
      rd: { type: 1, admin: '10.0.0.1', assigned: 1 },
      import: [{ form: 'as2', asn: 65001, local: 0x10000064 }],
      export: [{ form: 'as2', asn: 65001, local: 0x10000064 }],
    });
    expect(resolveL2vni(r.config, r.config.l2vnis[1]!).rd).toEqual({ type: 1, admin: '10.0.0.1', assigned: 200 });
  });
});

describe('YAML conveniences', () => {
  it('anchors and aliases resolve', () => {
    const r = parseConfig(`underlay: { address: &me 10.0.0.1 }\nrouter-id: *me\nas: 65001\n`, 'x.yaml');
    expect(r.ok && r.config.routerId).toBe('10.0.0.1');
  });

  it('a number where text is expected says to quote it', () => {
    expect(errs(`${MIN}neighbors:\n  - { address: 10.0.0.2, remote-as: 65002, password: 12345 }\n`)).toEqual([
      'lab.yaml:5:54: neighbors[0].password: expected a password, got 12345 (YAML read it as a number: put it in quotes)',
    ]);
  });
});

describe('from config to FSM', () => {
  it('carries AS, identifier, timers and passivity', () => {
    const r = parseConfig(FULL, 'lab.yaml');
    if (!r.ok) throw new Error('fixture');
    const [spine, passive] = r.config.neighbors;
    expect(neighborFsmConfig(r.config, spine!)).toMatchObject({ localAs: 65001, localId: '10.0.0.1', peerAs: 65001, holdTime: 9, keepaliveTime: 3 });
    expect(neighborFsmConfig(r.config, passive!)).toMatchObject({ peerAs: 4200000001, holdTime: 90, keepaliveTime: 10 });
    expect(neighborStartEvent(spine!).type).toBe('ManualStart');
    expect(neighborStartEvent(passive!).type).toBe('ManualStart_with_PassiveTcpEstablishment');
  });
});
