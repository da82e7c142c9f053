import { describe, expect, it } from 'vitest';
import { parseConfig, type BgpConfig, type VtepConfig } from '../../../src/config';
import { tableSizes } from '../../../src/vtep/backend';

const BASE = 'router-id: 10.0.0.1\nas: 65001\n';
const RUN = `${BASE}underlay: { address: 10.0.0.1 }\n`;

function ok(text: string): BgpConfig {
  const r = parseConfig(text, 'c.yaml', 'bgp');
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.config;
}

function okRun(text: string): VtepConfig {
  const r = parseConfig(text, 'c.yaml');
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.config;
}

function errors(text: string): string[] {
  const r = parseConfig(text, 'c.yaml', 'bgp');
  return r.ok ? [] : r.errors.map(String);
}

describe('neighbor connect-retry, idle-hold, refused-retry', () => {
  it('are absent unless given (the session applies its defaults)', () => {
    const n = ok(`${BASE}neighbors: [{ address: 10.0.0.2, remote-as: 65002 }]\n`).neighbors[0]!;
    expect(n.connectRetryTime).toBeUndefined();
    expect(n.idleHold).toBeUndefined();
    expect(n.refusedRetry).toBeUndefined();
  });

  it('are read, with the other half of a pair defaulted', () => {
    const n = ok(`${BASE}neighbors:\n  - { address: 10.0.0.2, remote-as: 65002, connect-retry: 5, idle-hold: { first-seconds: 2 }, refused-retry: { first-ms: 100 } }\n`).neighbors[0]!;
    expect(n.connectRetryTime).toBe(5);
    expect(n.idleHold).toEqual({ firstSeconds: 2, maxSeconds: 120 });
    expect(n.refusedRetry).toEqual({ firstMs: 100, maxMs: 1000 });
  });

  it.each([
    ['connect-retry: 0', 'c.yaml:4:75: neighbors[0].connect-retry: expected a ConnectRetryTime 1..65535 seconds, got 0'],
    ['idle-hold: { first-seconds: 10, max-seconds: 5 }', 'c.yaml:4:105: neighbors[0].idle-hold.max-seconds: expected a longest IdleHoldTime 10..3600 seconds (at least first-seconds), got 5'],
    ['refused-retry: { first-ms: 500, max-ms: 100 }', 'c.yaml:4:100: neighbors[0].refused-retry.max-ms: expected a wait 500..600000 ms (at least first-ms), got 100'],
    ['refused-retry: { first: 1 }', 'c.yaml:4:77: neighbors[0].refused-retry.first: unknown key; valid keys: first-ms, max-ms'],
  ])('%s is an error at its position', (kv, error) => {
    expect(errors(`${BASE}neighbors:\n  - { address: 10.0.0.2, remote-as: 65002, description: x, ${kv} }\n`)).toEqual([error]);
  });
});

describe('tables', () => {
  const vnis = (n: number, extra = ''): string => `l2vnis:\n${Array.from({ length: n }, (_, i) => `  - { vni: ${100 + i}, interface: p${i}${extra} }`).join('\n')}\n`;

  it('default: 4096 MACs per L2VNI within 8192..65536, ARP as MACs, VNIs and ports as configured (at least 16 and 4)', () => {
    expect(tableSizes(okRun(`${RUN}${vnis(2)}`), 2)).toEqual({ maxPorts: 4, maxVnis: 16, maxVteps: 1024, maxMacs: 8192, maxArp: 8192, maxTenants: 1, maxRoutes: 16 });
    expect(tableSizes(okRun(`${RUN}${vnis(5)}`), 5)).toEqual({ maxPorts: 5, maxVnis: 16, maxVteps: 1024, maxMacs: 20480, maxArp: 20480, maxTenants: 1, maxRoutes: 16 });
    expect(tableSizes(okRun(`${RUN}${vnis(40)}`), 40).maxMacs).toBe(65536);
  });

  it('default with max-macs on every VNI: their sum (at least 8192)', () => {
    expect(tableSizes(okRun(`${RUN}${vnis(3, ', max-macs: 5000')}`), 3).maxMacs).toBe(15000);
    expect(tableSizes(okRun(`${RUN}${vnis(1, ', max-macs: 10')}`), 1).maxMacs).toBe(8192);
  });

  it('given: used as is', () => {
    const c = okRun(`${RUN}${vnis(2)}tables: { macs: 1000, arp: 500, vteps: 64, routes: 5000 }\n`);
    expect(c.tables).toEqual({ macs: 1000, arp: 500, vteps: 64, routes: 5000 });
    expect(tableSizes(c, 2)).toMatchObject({ maxMacs: 1000, maxArp: 500, maxVteps: 64, maxRoutes: 5000 });
  });

  it('out of range is an error at its position', () => {
    expect(errors(`${BASE}tables: { macs: 10 }\n`)).toEqual(['c.yaml:3:17: tables.macs: expected a MAC table size 64..67108864, got 10']);
    expect(errors(`${BASE}tables: { routes: 8 }\n`)).toEqual(['c.yaml:3:19: tables.routes: expected a tenant route count 16..16777216, got 8']);
  });
});

describe('mrt', () => {
  it('updates and table, with defaults', () => {
    const c = ok(`${BASE}mrt:\n  updates: { file: /var/log/u.%Y%m%d.%H%M.mrt, interval: 900 }\n  table: { file: /var/log/rib.%Y%m%d.%H%M.mrt }\n`);
    expect(c.mrt).toEqual({
      updates: { file: '/var/log/u.%Y%m%d.%H%M.mrt', intervalSeconds: 900, allMessages: false, stateChanges: true },
      table: { file: '/var/log/rib.%Y%m%d.%H%M.mrt', intervalSeconds: 7200 },
    });
  });

  it.each([
    ['mrt: { updates: { file: "u.%Q" } }', 'c.yaml:3:25: mrt.updates.file: unknown conversion "%Q" in the file name (known: %Y %m %d %H %M %S %%)'],
    ['mrt: { updates: { interval: 60 } }', 'c.yaml:3:17: mrt.updates: missing required key "file"'],
    ['mrt: { table: { file: t.mrt, interval: 10 } }', 'c.yaml:3:40: mrt.table.interval: expected an interval 60..86400 seconds, got 10'],
  ])('%s is an error at its position', (line, error) => {
    expect(errors(`${BASE}${line}\n`)).toEqual([error]);
  });
});
