import { execFileSync } from 'node:child_process';
import type { VtepConfig } from '../config';
import { Dataplane } from '../dataplane/dataplane';
import { nativeUnavailableReason, type CounterSnapshot } from '../dataplane/native';
import { PortableDataplane } from '../dataplane/portable/io';
import type { CaptureSource } from '../dataplane/capture';
import { DEFAULTS } from '../config/schema';
import type { Logger } from '../util/log';
import { nativeDriver } from './native-driver';
import type { VtepDataplaneDriver } from './vtep';

/**
 * The data plane a VTEP runs on: the native packet thread (AF_PACKET +
 * UDP), or the portable TypeScript pipeline (libpcap via `cap` + a UDP
 * socket) where the addon cannot run. Both take the same op records and
 * give the same events and counters (test/unit/portable/differential.test.ts).
 */
export type BackendKind = 'native' | 'portable';

export interface DataplaneBackend {
  kind: BackendKind;
  driver: VtepDataplaneDriver;
  counters(): CounterSnapshot;
  /** The capture tap behind `evpn-vtep capture` (dataplane/capture.ts). */
  startCapture: CaptureSource['startCapture'];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Probe answers come back to this locally administered MAC. */
const PROBE_MAC = '02:00:5e:10:00:01';

/** The interface that holds `address` in this namespace (the underlay, when the config names none). */
function interfaceOf(address: string): string {
  const links = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8' })) as { ifname: string; addr_info?: { local?: string }[] }[];
  const l = links.find((x) => x.addr_info?.some((a) => a.local === address));
  if (!l) throw new Error(`no interface has the underlay address ${address}`);
  return l.ifname;
}

/**
 * Sizes of the native pipeline's tables from the config (key `tables`, see
 * TablesConfig): the addon allocates and zeroes each table in full at start
 * (its defaults, 65,536 MACs and ARP entries and 4,096 VNIs, cost ~19 MiB per
 * process), so they follow what the VTEP is configured to hold. VNIs: the
 * L2 and L3 VNIs configured (the data plane only ever holds those); ports:
 * the access interfaces.
 */
export function tableSizes(
  cfg: VtepConfig,
  ports: number,
): { maxPorts: number; maxVnis: number; maxVteps: number; maxMacs: number; maxArp: number; maxTenants: number; maxRoutes: number } {
  const t = cfg.tables ?? {};
  const l2 = cfg.l2vnis.length;
  const capped = cfg.l2vnis.length > 0 && cfg.l2vnis.every((v) => v.maxMacs !== undefined);
  const derived = capped ? cfg.l2vnis.reduce((a, v) => a + v.maxMacs!, 0) : DEFAULTS.macsPerVni * l2;
  const macs = t.macs ?? Math.min(DEFAULTS.maxDefaultMacs, Math.max(DEFAULTS.minMacs, derived));
  return {
    maxPorts: Math.max(4, ports),
    maxVnis: Math.max(16, l2 + (cfg.vrfs?.length ?? 0)),
    maxVteps: t.vteps ?? DEFAULTS.vteps,
    maxMacs: macs,
    maxArp: t.arp ?? macs,
    maxTenants: Math.max(1, cfg.vrfs?.length ?? 0),
    maxRoutes: t.routes ?? (cfg.vrfs?.length ? DEFAULTS.tenantRoutes : 16),
  };
}

/**
 * Ring sizes of the packet thread: commands (op records; a larger batch waits
 * for the thread to make room) and events (learned MACs and the like).
 */
const COMMAND_RING = 8192;

/** `auto` is native when the addon loads here, else portable (said in the log). */
export async function openBackend(kind: BackendKind | 'auto', cfg: VtepConfig, ports: Map<string, number>, log: Logger): Promise<DataplaneBackend> {
  const portList = [...ports].map(([ifname, index]) => ({ index, ifname }));
  const aging = cfg.l2vnis.map((v) => v.macAgingSeconds).filter((s) => s > 0);
  const maxAge = aging.length ? { maxAge: Math.min(...aging) } : {};
  const say = (msg: string): void => log.info(msg);
  let chosen: BackendKind = kind === 'auto' ? 'native' : kind;
  if (kind === 'auto') {
    const why = nativeUnavailableReason();
    if (why) {
      log.warn('native data plane unavailable, using the portable one', { reason: why });
      chosen = 'portable';
    }
  }
  if (chosen === 'native') {
    const dp = await Dataplane.open({
      underlay: { ifname: cfg.underlay.interface ?? interfaceOf(cfg.underlay.address), localIp: cfg.underlay.address, udpPort: cfg.underlay.udpPort },
      ports: portList,
      ...tableSizes(cfg, portList.length),
      commandRing: COMMAND_RING,
      probeMac: PROBE_MAC,
      ...maxAge,
      log: say,
    });
    return {
      kind: 'native',
      driver: nativeDriver(dp, log.child({ part: 'dataplane' })),
      counters: () => dp.counters(),
      startCapture: (spec, sink) => dp.startCapture(spec, sink),
      start: async () => dp.start(),
      stop: () => dp.stop(),
    };
  }
  const dp = new PortableDataplane({ underlay: { localIp: cfg.underlay.address, udpPort: cfg.underlay.udpPort }, ports: portList, probeMac: PROBE_MAC, ...maxAge, log: say });
  const dlog = log.child({ part: 'dataplane' });
  const apply = (ops: Parameters<PortableDataplane['tryApplyOps']>[0], what: string): void => {
    const r = dp.tryApplyOps(ops);
    if (r.rejected) dlog.warn('data plane rejected ops', { what, rejected: r.rejected, rejects: r.rejects.map((x) => `#${x.index}: ${x.status}`) });
  };
  return {
    kind: 'portable',
    driver: {
      applyOps: (ops) => apply(ops, 'table update'),
      sendArpProbe: (p) => apply([{ op: 'arpProbe', port: p.port, vni: p.vni, ip: p.ip, mac: p.mac }], 'ARP probe'),
      onEvents: (fn) => dp.onEvents(fn),
    },
    counters: () => dp.counters(),
    startCapture: (spec, sink) => dp.startCapture(spec, sink),
    start: () => dp.start(),
    stop: () => dp.stop(),
  };
}
