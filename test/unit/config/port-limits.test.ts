import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type VtepConfig } from '../../../src/config';
import type { DataplaneOp } from '../../../src/dataplane/ops';
import { MemoryDataplane } from '../../../src/dataplane/memory';
import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { encodeFrame } from '../../../src/packet/frame';
import { createLogger } from '../../../src/util/log';
import { Vtep, type VtepDataplaneDriver } from '../../../src/vtep/vtep';

/**
 * `l2vnis[].port-limits` (max MACs per access port, ARP/ND rate and burst):
 * parsing, defaults, the shared-port rule, and the path from the config file
 * to the data plane's PortLimits op (ops.ts, op 14) and its effect in the
 * C++ pipeline. Also the `graceful-restart` keys added with them (issue 7).
 */

const HEAD = 'router-id: 10.0.0.1\nas: 65001\nlisten: { address: 127.0.0.1, port: 0 }\nunderlay: { address: 10.99.0.1 }\ncontrol-socket: /nonexistent/x.sock\nlog: { level: warn }\n';

function cfg(l2vnis: string): VtepConfig {
  const r = parseConfig(`${HEAD}l2vnis:\n${l2vnis}`, 'x.yaml');
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.config;
}

function errs(l2vnis: string): string[] {
  const r = parseConfig(`${HEAD}l2vnis:\n${l2vnis}`, 'x.yaml');
  return r.ok ? [] : r.errors.map(String);
}

describe('port-limits in the config', () => {
  it('defaults to safe limits (8192 MACs, 1000 ARP/ND per second, burst 2000)', () => {
    expect(cfg('  - { vni: 100, interface: tap0 }\n').l2vnis[0]!.portLimits).toEqual({ maxMacs: 8192, arpRate: 1000, arpBurst: 2000 });
  });

  it('takes each key, 0 turns a limit off', () => {
    expect(cfg('  - { vni: 100, interface: tap0, port-limits: { max-macs: 0, arp-rate: 20, arp-burst: 5 } }\n').l2vnis[0]!.portLimits).toEqual({ maxMacs: 0, arpRate: 20, arpBurst: 5 });
  });

  it('VNIs on VLANs of one interface share the limits written on one of them', () => {
    const c = cfg('  - { vni: 100, interface: eth2, vlan: 100, port-limits: { max-macs: 10 } }\n  - { vni: 200, interface: eth2, vlan: 200 }\n');
    expect(c.l2vnis.map((l) => l.portLimits)).toEqual([
      { maxMacs: 10, arpRate: 1000, arpBurst: 2000 },
      { maxMacs: 10, arpRate: 1000, arpBurst: 2000 },
    ]);
  });

  it('two different port-limits on one interface are an error naming both lines', () => {
    expect(errs('  - { vni: 100, interface: eth2, vlan: 100, port-limits: { max-macs: 10 } }\n  - { vni: 200, interface: eth2, vlan: 200, port-limits: { max-macs: 20 } }\n')).toEqual([
      'x.yaml:9:58: l2vnis[1].port-limits: port-limits of interface eth2 differ from those on line 8 (max-macs 10, arp-rate 1000, arp-burst 2000): the VNIs share one port',
    ]);
  });

  it('rejects bad values and unknown keys with file:line:col', () => {
    expect(errs('  - { vni: 100, interface: tap0, port-limits: { max-macs: -1, arp-rate: x, burst: 3 } }\n')).toEqual([
      'x.yaml:8:59: l2vnis[0].port-limits.max-macs: expected a MAC count (0 = no limit), got -1',
      'x.yaml:8:73: l2vnis[0].port-limits.arp-rate: expected ARP/ND frames per second 0..1000000 (0 = no limit), got "x"',
      'x.yaml:8:76: l2vnis[0].port-limits.burst: unknown key; valid keys: max-macs, arp-rate, arp-burst',
    ]);
  });
});

describe('graceful-restart in the config', () => {
  it('defaults to helper only, FRR\'s timers', () => {
    expect(cfg('  - { vni: 100, interface: tap0 }\n').gracefulRestart).toEqual({ restartTime: 120, preserveForwarding: false, staleTime: 360, selectDeferTime: 360 });
  });

  it('checks the 12-bit Restart Time and the other ranges', () => {
    const r = parseConfig(`${HEAD}graceful-restart: { restart-time: 4096, preserve-forwarding: 1, stale-time: 0 }\n`, 'x.yaml');
    expect(r.ok ? [] : r.errors.map(String)).toEqual([
      'x.yaml:7:35: graceful-restart.restart-time: expected a restart time 1..4095 s, got 4096',
      'x.yaml:7:62: graceful-restart.preserve-forwarding: expected true or false, got 1',
      'x.yaml:7:77: graceful-restart.stale-time: expected a time 1..3600 s, got 0',
    ]);
  });
});

/** A data plane that records the ops it is given. */
class Recorder implements VtepDataplaneDriver {
  readonly ops: DataplaneOp[] = [];
  constructor(private readonly inner?: MemoryDataplane) {}
  applyOps(ops: readonly DataplaneOp[]): void {
    this.ops.push(...ops);
    this.inner?.applyOps(ops);
  }
  sendArpProbe(): void {}
  onEvents(fn: Parameters<VtepDataplaneDriver['onEvents']>[0]): () => void {
    return this.inner ? this.inner.onEvents(fn) : () => undefined;
  }
}

describe('port-limits reach the data plane', () => {
  let vtep: Vtep | null = null;
  afterEach(async () => {
    await vtep?.stop();
    vtep = null;
  });

  const start = (c: VtepConfig, dp: VtepDataplaneDriver, ports: Record<string, number>): Vtep => {
    const v = new Vtep({ config: c, dataplane: dp, portOf: (i) => ports[i]!, log: createLogger({ level: 'warn' }) });
    v.begin();
    return v;
  };

  it('one PortLimits op per access port, with the configured values', () => {
    const dp = new Recorder();
    vtep = start(
      cfg('  - { vni: 100, interface: eth2, vlan: 100, port-limits: { max-macs: 10, arp-rate: 5, arp-burst: 7 } }\n  - { vni: 200, interface: eth2, vlan: 200 }\n  - { vni: 300, interface: tap3 }\n'),
      dp,
      { eth2: 0, tap3: 1 },
    );
    expect(dp.ops.filter((o) => o.op === 'portLimits')).toEqual([
      { op: 'portLimits', port: 0, maxMacs: 10, arpRate: 5, arpBurst: 7 },
      { op: 'portLimits', port: 1, maxMacs: 8192, arpRate: 1000, arpBurst: 2000 },
    ]);
  });

  const why = nativeUnavailableReason();
  it.skipIf(why !== null)('the C++ pipeline learns at most max-macs on the port and counts the rest as learn_limit', () => {
    const mem = new MemoryDataplane({ underlay: { localIp: '10.99.0.1', localMac: '02:aa:ff:00:00:01', nextHopMac: '02:00:00:00:00:fe' }, probeMac: '02:aa:00:00:00:fe' });
    vtep = start(cfg('  - { vni: 100, interface: tap0, port-limits: { max-macs: 3 } }\n'), new Recorder(mem), { tap0: 0 });
    for (let i = 0; i < 10; i++) {
      const src = `02:5e:00:00:00:${(0x10 + i).toString(16)}`;
      const frame = encodeFrame([{ type: 'ethernet', value: { src, dst: '02:ee:00:00:00:01', ethertype: 0x88b5, vlans: [], payload: new Uint8Array(46) } }], 'compute');
      mem.fromAccess(0, frame);
    }
    const c = mem.pipeline.counters().ports.get(0)!;
    expect(c.macs_learned).toBe(3);
    expect(c.learn_limit).toBe(7);
  });
});
