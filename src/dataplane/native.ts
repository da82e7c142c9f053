/**
 * The one place that loads the native addon (build/Release/evpn_vtep.node),
 * with typed wrappers so nothing untyped crosses into the rest of the code.
 *
 * The addon is checked on load: its ABI version and its counter list must be
 * the ones this file was written for, so a stale build fails here, loudly,
 * instead of misreading records.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import { COUNTER_NAMES, counterBlock, type CounterSet } from './counters';
import { decodeEvents, EVENT_RECORD_SIZE, type DataplaneEvent } from './events';
import { encodeOps, OP_LENGTH, OP_STATUS, type DataplaneOp, type OpStatusName } from './ops';

export const ABI_VERSION = 7;

/** Sizes and underlay settings of one pipeline; absent numbers take the addon's defaults. */
export interface PipelineConfig {
  maxPorts?: number;
  maxVnis?: number;
  maxVteps?: number;
  maxMacs?: number;
  maxArp?: number;
  maxFloodPerVni?: number;
  /** Tenants (IP-VRFs) of the routing tables (default 64). */
  maxTenants?: number;
  /** Tenant routes per address family, all tenants together (default 65536). */
  maxRoutes?: number;
  /** Event ring size in records (rounded up to a power of two). */
  eventRing?: number;
  /** Transmit slots per vector: bounds the copies one vector of 256 frames can make. */
  txSlots?: number;
  /** Largest inner frame without FCS (default 1518: 1500 + 14 + one 802.1Q tag). */
  maxFrameLen?: number;
  underlay: {
    localIp: Ip;
    localMac: Mac;
    nextHopMac: Mac;
    udpPort?: number;
    ttl?: number;
    tos?: number;
  };
  /** ARP replies / NAs sent to this MAC become probeReply events instead of being forwarded. */
  probeMac?: Mac;
  /** Verify non-zero outer UDP checksums over IPv4 (RFC 7348 §5 MAY; default true). */
  verifyUdpChecksum?: boolean;
  /** Accept zero outer UDP checksums over IPv6 (RFC 6935 §5; default false). */
  ipv6ZeroChecksumRx?: boolean;
}

/** A frame into the pipeline: from an access port, or from the underlay. */
export interface InputFrame {
  port: number | 'underlay';
  /** A full Ethernet frame; for `underlay` with `srcIp`, the UDP payload (VXLAN header first). */
  bytes: Uint8Array;
  /** Outer source address of an underlay datagram received on a UDP socket. */
  srcIp?: Ip;
}

export type Egress = { kind: 'port'; port: number } | { kind: 'vtep'; vtepIdx: number };

export interface OutputFrame {
  egress: Egress;
  vni: number;
  bytes: Uint8Array;
  /** VTEP egress: offset of the VXLAN header, where a UDP socket sender starts. */
  vxlanOffset?: number;
}

export interface CounterSnapshot {
  ports: Map<number, CounterSet>;
  underlay: CounterSet;
  system: CounterSet;
  vnis: Map<number, CounterSet>;
}

export interface ApplyOpsResult {
  applied: number;
  rejected: number;
  /** The first rejects (at most 32), by record index in the batch. */
  rejects: { index: number; status: OpStatusName }[];
}

export interface PipelineResult {
  frames: OutputFrame[];
  events: DataplaneEvent[];
  counters: CounterSnapshot;
}

// What the addon exports, as declared in native/src/addon.cc.
interface NativeFrame {
  port: number;
  bytes: Uint8Array;
  srcIp?: string;
}
interface NativePipelineHandle {
  applyOps(records: Uint8Array): { applied: number; rejected: number; rejects: Uint32Array };
  run(frames: NativeFrame[], now?: number): { data: Uint8Array; desc: Uint32Array };
  benchProcess(frames: NativeFrame[], iterations: number): number;
  drainEvents(): Uint8Array;
  counters(): { ports: Uint32Array; vnis: Uint32Array; values: Float64Array };
  age(now: number, maxAge: number, budget?: number): void;
  fdbSize(): number;
}
/** Options of the packet thread (native/src/dataplane.h DataplaneOptions). */
export interface DataplaneOptions {
  /** Seconds before an idle learned MAC ages out (default 300). */
  maxAge?: number;
  /** Command ring size in op records (default 65536). */
  commandRing?: number;
  /** Frames per recvmmsg on an access port (default 64; each slot holds a 64 KB GSO frame). */
  accessBatch?: number;
  /** Datagrams per recvmmsg on the underlay (default 256). */
  underlayBatch?: number;
  /** SCHED_FIFO priority of the packet thread, 1..99 (default 0: normal scheduling). */
  rtPriority?: number;
  /** Access-port receive: 0 = recvmmsg, N = a TPACKET_V2 RX ring of N 2 KB slots per port (default 2048: 4 MB of kernel memory per port). */
  accessRing?: number;
  /** µs the packet thread keeps polling after it last moved frames before it sleeps (default 50; 0 = never spin). */
  busyPollUs?: number;
  /** Same-flow runs leave the underlay as one GSO_UDP_L4 frame and arrive through UDP_GRO (default true). */
  underlayGso?: boolean;
  /** Runs of one TCP flow's segments leave an access port as one TSO super-frame (default true). */
  accessCoalesce?: boolean;
}
interface NativeOpsResult {
  applied: number;
  rejected: number;
  rejects: Uint32Array;
}
export interface NativeDataplaneHandle {
  openPort(index: number, ifname: string): void;
  openUnderlay(ifname: string): void;
  start(doorbell: () => void): void;
  stop(): void;
  /** The result when applied at once (not running), null when queued for the packet thread. */
  applyOps(records: Uint8Array, batchId: number): NativeOpsResult | null;
  ackDoorbell(): void;
  drainResults(): (NativeOpsResult & { batchId: number })[];
  drainEvents(): Uint8Array;
  counters(): { ports: Uint32Array; vnis: Uint32Array; values: Float64Array };
  /** Capture tap (native/src/capture.h): port -1 = the underlay, vni -1 = every VNI; false when one runs. */
  startCapture(port: number, vni: number, snaplen: number): boolean;
  stopCapture(): void;
  /** Whole ring records, at most maxBytes octets. */
  drainCapture(maxBytes: number): Uint8Array;
  captureStats(): { running: boolean; captured: number; dropped: number };
}
interface NativeAddon {
  abiVersion(): number;
  counterNames(): string[];
  opLengths(): number[];
  eventRecordSize: number;
  benchFdbLookups(entries: number, lookups: number): { nsPerLookup: number; nsPerInsert: number; hits: number };
  benchLpmLookups(prefixes: number, lookups: number, mix: number): LpmBenchResult;
  Pipeline: new (config: PipelineConfig) => NativePipelineHandle;
  Dataplane: new (config: PipelineConfig, options: DataplaneOptions) => NativeDataplaneHandle;
}

function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'evpn-vtep') return dir;
    if (path.dirname(dir) === dir) throw new Error('evpn-vtep package root not found above ' + __dirname);
  }
}

let cached: NativeAddon | undefined;

/** Loads and checks the addon once; throws with the reason when it is missing or stale. */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const file = path.join(packageRoot(), 'build', 'Release', 'evpn_vtep.node');
  const addon = createRequire(__filename)(file) as NativeAddon;
  const abi = addon.abiVersion();
  if (abi !== ABI_VERSION) throw new Error(`${file}: ABI ${abi}, expected ${ABI_VERSION}: rebuild with npm ci`);
  const names = addon.counterNames();
  if (names.join() !== COUNTER_NAMES.join()) throw new Error(`${file}: counter list differs from counters.ts`);
  if (addon.opLengths().join() !== OP_LENGTH.join()) throw new Error(`${file}: op record lengths differ from ops.ts`);
  if (addon.eventRecordSize !== EVENT_RECORD_SIZE) throw new Error(`${file}: event record size differs`);
  cached = addon;
  return addon;
}

/** Whether the addon can be loaded here (tests skip with the reason otherwise). */
export function nativeUnavailableReason(): string | null {
  try {
    loadAddon();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * One pipeline instance with its own tables. `run()` is the test and
 * benchmark hook: frames go through the real C++ with no sockets.
 */
export class NativePipeline {
  private readonly h: NativePipelineHandle;

  constructor(readonly config: PipelineConfig) {
    const addon = loadAddon();
    this.h = new addon.Pipeline(config);
  }

  applyOps(ops: readonly DataplaneOp[] | Uint8Array): ApplyOpsResult {
    return toOpsResult(this.h.applyOps(ops instanceof Uint8Array ? ops : encodeOps(ops)));
  }

  /** Pushes frames through the pipeline (vectors of up to 256); returns what it sent. */
  run(frames: readonly InputFrame[], now?: number): OutputFrame[] {
    const raw = this.h.run(frames.map(toNative), now);
    const out: OutputFrame[] = [];
    const d = raw.desc;
    for (let i = 0; i + 5 < d.length; i += 6) {
      const kind = d[i]!;
      const index = d[i + 1]!;
      const bytes = raw.data.subarray(d[i + 4]!, d[i + 4]! + d[i + 5]!);
      if (kind === 0) out.push({ egress: { kind: 'port', port: index }, vni: d[i + 2]!, bytes });
      else out.push({ egress: { kind: 'vtep', vtepIdx: index }, vni: d[i + 2]!, bytes, vxlanOffset: d[i + 3]! });
    }
    return out;
  }

  /** The benchmark path: runs frames already in the addon's shape and returns how many frames came out. */
  runRaw(frames: readonly { port: number; bytes: Uint8Array }[], now?: number): number {
    return this.h.run(frames as { port: number; bytes: Uint8Array }[], now).desc.length / 6;
  }

  /**
   * Times the pipeline alone: up to 256 frames converted once, then processed
   * `iterations` times inside C++. Returns nanoseconds per frame.
   */
  benchProcess(frames: readonly InputFrame[], iterations: number): number {
    return this.h.benchProcess(frames.map(toNative), iterations);
  }

  /** run() plus the events it raised and the counters after it. */
  runPipeline(frames: readonly InputFrame[], now?: number): PipelineResult {
    const out = this.run(frames, now);
    return { frames: out, events: this.drainEvents(), counters: this.counters() };
  }

  drainEvents(): DataplaneEvent[] {
    return decodeEvents(this.h.drainEvents());
  }

  counters(): CounterSnapshot {
    return toCounterSnapshot(this.h.counters());
  }

  /** One aging step: learned MACs idle for more than maxAge seconds are removed (macAged events). */
  age(now: number, maxAge: number, budget?: number): void {
    this.h.age(now, maxAge, budget);
  }

  get fdbSize(): number {
    return this.h.fdbSize();
  }
}

/** Converts the addon's {applied, rejected, rejects: [index, status, ...]} shape. */
export function toOpsResult(r: NativeOpsResult): ApplyOpsResult {
  const rejects: ApplyOpsResult['rejects'] = [];
  for (let i = 0; i + 1 < r.rejects.length; i += 2) {
    rejects.push({ index: r.rejects[i]!, status: OP_STATUS[r.rejects[i + 1]!] ?? 'bad-value' });
  }
  return { applied: r.applied, rejected: r.rejected, rejects };
}

/** Splits the addon's flat counter array into per-port, underlay, system and per-VNI blocks. */
export function toCounterSnapshot(c: { ports: Uint32Array; vnis: Uint32Array; values: Float64Array }): CounterSnapshot {
  const ports = new Map<number, CounterSet>();
  let block = 0;
  for (const p of c.ports) ports.set(p, counterBlock(c.values, block++));
  const underlay = counterBlock(c.values, block++);
  const system = counterBlock(c.values, block++);
  const vnis = new Map<number, CounterSet>();
  for (const v of c.vnis) vnis.set(v, counterBlock(c.values, block++));
  return { ports, underlay, system, vnis };
}

/** A packet thread with its sockets (native/src/dataplane.h); wrapped by dataplane.ts. */
export function createNativeDataplane(config: PipelineConfig, options: DataplaneOptions): NativeDataplaneHandle {
  return new (loadAddon().Dataplane)(config, options);
}

function toNative(f: InputFrame): NativeFrame {
  const port = f.port === 'underlay' ? -1 : f.port;
  return f.srcIp === undefined ? { port, bytes: f.bytes } : { port, bytes: f.bytes, srcIp: f.srcIp };
}

/** MAC lookups timed inside C++ over an FDB of `entries` MACs. */
export function benchFdbLookups(
  entries: number,
  lookups: number,
): { nsPerLookup: number; nsPerInsert: number; hits: number } {
  return loadAddon().benchFdbLookups(entries, lookups);
}

export interface LpmBenchResult {
  nsPerLookup: number;
  nsPerInsert: number;
  hits: number;
  /** IPv4 table memory (slots at load <= 0.5, length maps) per prefix installed. */
  bytesPerPrefix: number;
  /** Distinct prefix lengths installed: the probes a miss costs. */
  lengths: number;
}

/**
 * Tenant LPM lookups timed inside C++ over `prefixes` IPv4 prefixes; mix 0:
 * EVPN-like (/32 hosts, /24 subnets, /0), mix 1: Internet-like lengths.
 */
export function benchLpmLookups(prefixes: number, lookups: number, mix: 0 | 1): LpmBenchResult {
  return loadAddon().benchLpmLookups(prefixes, lookups, mix);
}
