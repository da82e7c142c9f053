/**
 * The data plane as the rest of the program sees it: a packet thread in the
 * addon (native/src/dataplane.cc) that owns the access ports (AF_PACKET), the
 * underlay (UDP socket in, AF_PACKET out) and the pipeline's tables.
 *
 *   const dp = await Dataplane.open({ underlay: { ifname, localIp }, ports: [{ index: 0, ifname }] });
 *   dp.on('events', (evs) => …);        // learned/moved MACs, IP bindings, probe answers
 *   dp.start();
 *   await dp.applyOps([...]);           // one batch per tick; resolved once the thread applied it
 *   dp.counters();                      // lock-free snapshot
 *   await dp.stop();
 *
 * Everything that needs the kernel's view (the underlay interface's MAC, the
 * next-hop MAC of each remote VTEP from the neighbour table) is resolved here,
 * in the process's network namespace, so the C++ only ever sees addresses.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

import { ipFamily, type Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import {
  checkSpec,
  DEFAULT_SNAPLEN,
  DRAIN_MS,
  nativeRecordsToPcap,
  type CaptureSession,
  type CaptureSource,
  type CaptureSpec,
  type CaptureStats,
} from './capture';
import { decodeEvents, type DataplaneEvent } from './events';
import { mainTableOnly, neighbourIpv4, routeIpv4 } from './kernel-tables';
import {
  createNativeDataplane,
  toCounterSnapshot,
  toOpsResult,
  type ApplyOpsResult,
  type CounterSnapshot,
  type DataplaneOptions,
  type NativeDataplaneHandle,
  type PipelineConfig,
} from './native';
import { encodeOps, type DataplaneOp } from './ops';

const run = promisify(execFile);

export interface DataplaneConfig extends Omit<PipelineConfig, 'underlay'>, DataplaneOptions {
  underlay: {
    /** Interface the VXLAN frames leave by (AF_PACKET TX). */
    ifname: string;
    /** The VTEP address: the UDP socket binds to it and it is the outer source. */
    localIp: Ip;
    udpPort?: number;
    ttl?: number;
    tos?: number;
    /** Default: the interface's own MAC. */
    localMac?: Mac;
  };
  /** Access ports, by pipeline port index. */
  ports: { index: number; ifname: string }[];
  /** Where set-up steps are reported (default: nowhere). */
  log?: (msg: string) => void;
}

export interface DataplaneEvents {
  events: [DataplaneEvent[]];
  error: [Error];
}

/** Reads the MAC of an interface of this namespace. */
export async function interfaceMac(ifname: string): Promise<Mac> {
  return (await readFile(`/sys/class/net/${ifname}/address`, 'utf8')).trim().toLowerCase();
}

interface RouteGet {
  dst: string;
  gateway?: string;
  dev: string;
}
interface Neigh {
  dst: string;
  lladdr?: string;
  state?: string[];
}

/**
 * The next-hop MAC toward `remote` per the kernel's routing and neighbour
 * tables: the gateway's MAC for a routed remote, the remote's own for a
 * connected one. An unresolved neighbour is resolved by sending one datagram
 * to its discard port (RFC 863) and waiting for the kernel's ARP/ND.
 */
export async function resolveNextHopMac(remote: Ip, timeoutMs = 3000): Promise<Mac> {
  // IPv4 without policy rules: the kernel's tables read from /proc (kernel-tables.ts), no process per lookup.
  const proc = ipFamily(remote) === 4 && (await mainTableOnly());
  const r = proc ? await routeIpv4(remote) : (JSON.parse((await run('ip', ['-j', 'route', 'get', remote])).stdout) as RouteGet[])[0];
  if (!r) throw new Error(`no route to VTEP ${remote}`);
  const nh = r.gateway ?? remote;
  const deadline = Date.now() + timeoutMs;
  for (let poked = false; ; ) {
    if (proc) {
      const mac = await neighbourIpv4(nh, r.dev);
      if (mac) return mac;
    } else {
      const neighs = JSON.parse((await run('ip', ['-j', 'neigh', 'show', 'to', nh, 'dev', r.dev])).stdout) as Neigh[];
      const n = neighs.find((x) => x.lladdr && !x.state?.includes('FAILED') && !x.state?.includes('INCOMPLETE'));
      if (n?.lladdr) return n.lladdr.toLowerCase();
    }
    if (Date.now() > deadline) throw new Error(`next hop ${nh} of VTEP ${remote} does not resolve on ${r.dev}`);
    if (!poked) {
      poked = true;
      await new Promise<void>((resolve) => {
        const s = createSocket(ipFamily(nh) === 6 ? 'udp6' : 'udp4');
        s.on('error', () => resolve());
        s.send(new Uint8Array(1), 9, nh, () => {
          s.close();
          resolve();
        });
      });
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

export class Dataplane extends EventEmitter<DataplaneEvents> implements CaptureSource {
  private readonly h: NativeDataplaneHandle;
  private readonly pending = new Map<number, (r: ApplyOpsResult) => void>();
  private nextBatch = 1;
  private started = false;
  /** VTEP index → address, for background next-hop retries (a deleted VTEP is not re-added). */
  private readonly vtepIps = new Map<number, Ip>();

  private constructor(
    readonly config: DataplaneConfig,
    readonly pipelineConfig: PipelineConfig,
  ) {
    super();
    const { maxAge, commandRing, accessBatch, underlayBatch, rtPriority, accessRing, busyPollUs, underlayGso, accessCoalesce } = config;
    const opts: DataplaneOptions = {};
    if (maxAge !== undefined) opts.maxAge = maxAge;
    if (commandRing !== undefined) opts.commandRing = commandRing;
    if (accessBatch !== undefined) opts.accessBatch = accessBatch;
    if (underlayBatch !== undefined) opts.underlayBatch = underlayBatch;
    if (rtPriority !== undefined) opts.rtPriority = rtPriority;
    if (accessRing !== undefined) opts.accessRing = accessRing;
    if (busyPollUs !== undefined) opts.busyPollUs = busyPollUs;
    if (underlayGso !== undefined) opts.underlayGso = underlayGso;
    if (accessCoalesce !== undefined) opts.accessCoalesce = accessCoalesce;
    this.h = createNativeDataplane(pipelineConfig, opts);
  }

  /** Builds the pipeline and opens every socket (not started yet). */
  static async open(config: DataplaneConfig): Promise<Dataplane> {
    const log = config.log ?? (() => {});
    const u = config.underlay;
    const localMac = u.localMac ?? (await interfaceMac(u.ifname));
    const { ports: _ports, log: _log, underlay: _u, maxAge: _a, commandRing: _c, accessBatch: _b, underlayBatch: _ub, rtPriority: _rt, accessRing: _ar, busyPollUs: _bp, underlayGso: _ug, accessCoalesce: _ac, ...sizes } =
      config;
    const underlay: PipelineConfig['underlay'] = {
      localIp: u.localIp,
      localMac,
      // Every remote VTEP gets its own next hop (resolved in applyOps); this
      // default is never used for a VTEP added through this class.
      nextHopMac: '00:00:00:00:00:00',
    };
    if (u.udpPort !== undefined) underlay.udpPort = u.udpPort;
    if (u.ttl !== undefined) underlay.ttl = u.ttl;
    if (u.tos !== undefined) underlay.tos = u.tos;
    const dp = new Dataplane(config, { ...sizes, underlay });
    dp.h.openUnderlay(u.ifname);
    log(`dataplane: underlay ${u.ifname} ${u.localIp}:${u.udpPort ?? 4789} (MAC ${localMac})`);
    for (const p of config.ports) {
      dp.h.openPort(p.index, p.ifname);
      // Offloads are left as they are: PACKET_VNET_HDR tells us about partial
      // checksums and GSO super-frames, which are completed/segmented in C++.
      log(`dataplane: port ${p.index} = ${p.ifname} (AF_PACKET, vnet header: checksum/GSO done in software)`);
    }
    return dp;
  }

  start(): void {
    if (this.started) return;
    this.h.start(() => this.onDoorbell());
    this.started = true;
  }

  /** Stops the packet thread; batches still queued are answered from what it applied. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.h.stop();
    this.started = false;
    this.onDoorbell();
    for (const [, resolve] of this.pending) resolve({ applied: 0, rejected: 0, rejects: [] });
    this.pending.clear();
  }

  /**
   * Applies one batch of ops (one call per event-loop tick). RemoteVtepAdd
   * records without a next-hop MAC get the one the kernel's neighbour table
   * gives. Resolves when the packet thread has applied the whole batch.
   */
  async applyOps(ops: readonly DataplaneOp[] | Uint8Array): Promise<ApplyOpsResult> {
    let bytes: Uint8Array;
    if (ops instanceof Uint8Array) {
      bytes = ops;
    } else {
      // Next hops of new VTEPs resolve in parallel. One that does not resolve
      // yet must not hold back or sink the batch: the VTEP is added with the
      // default next hop (so MACs and flood entries that name it are accepted)
      // and its real next hop is filled in when it resolves (retried below).
      // Only VTEP additions wait (for their next hop); a batch of 100,000 MAC
      // records must not become 100,000 promises.
      const filled: DataplaneOp[] = ops.slice();
      const waits: Promise<void>[] = [];
      filled.forEach((op, i) => {
        if (op.op === 'remoteVtepDel') this.vtepIps.delete(op.vtepIdx);
        if (op.op !== 'remoteVtepAdd') return;
        this.vtepIps.set(op.vtepIdx, op.ip);
        if (op.nextHopMac !== undefined) return;
        waits.push(
          resolveNextHopMac(op.ip).then(
            (nextHopMac) => void (filled[i] = { ...op, nextHopMac }),
            (e: unknown) => {
              this.config.log?.(`dataplane: ${(e as Error).message}; retrying in the background`);
              this.retryNextHop(op.vtepIdx, op.ip, 1000);
            },
          ),
        );
      });
      if (waits.length) await Promise.all(waits);
      bytes = encodeOps(filled);
    }
    const id = this.nextBatch;
    this.nextBatch = (this.nextBatch + 1) >>> 0 || 1;
    const now = this.h.applyOps(bytes, id);
    if (now) return toOpsResult(now);
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  /** Re-resolves a VTEP's next hop with back-off (1 s doubling to 30 s) until it resolves or the VTEP is gone. */
  private retryNextHop(vtepIdx: number, ip: Ip, delayMs: number): void {
    const t = setTimeout(() => {
      if (!this.started || this.vtepIps.get(vtepIdx) !== ip) return;
      resolveNextHopMac(ip).then(
        (nextHopMac) => {
          if (this.vtepIps.get(vtepIdx) !== ip) return;
          // Re-adding the same index and address only rebuilds its outer header.
          void this.applyOps([{ op: 'remoteVtepAdd', vtepIdx, ip, nextHopMac }]);
          this.config.log?.(`dataplane: next hop of VTEP ${ip} resolved to ${nextHopMac}`);
        },
        () => this.retryNextHop(vtepIdx, ip, Math.min(delayMs * 2, 30_000)),
      );
    }, delayMs);
    t.unref();
  }

  /**
   * RFC 5227 probe for `targetIp`, unicast to `targetMac` on `port` (the
   * VM-migration check: is the host still here?). Needs `probeMac` in the
   * config; the answer arrives as a `probeReply` event.
   */
  async sendArpProbe(port: number, vni: number, targetIp: Ip, targetMac: Mac): Promise<ApplyOpsResult> {
    return this.applyOps([{ op: 'arpProbe', port, vni, ip: targetIp, mac: targetMac }]);
  }

  counters(): CounterSnapshot {
    return toCounterSnapshot(this.h.counters());
  }

  /**
   * Starts the capture tap: the packet thread copies the port's RX and TX
   * frames into its ring, drained here every DRAIN_MS into `sink` as pcap
   * records. One capture at a time.
   */
  startCapture(spec: CaptureSpec, sink: (records: Uint8Array, count: number) => void): CaptureSession {
    const bad = checkSpec(spec);
    if (bad) throw new RangeError(bad);
    const snaplen = spec.snaplen ?? DEFAULT_SNAPLEN;
    if (!this.h.startCapture(spec.port === 'underlay' ? -1 : spec.port, spec.vni ?? -1, snaplen)) throw new Error('a capture is already running');
    const drain = (): void => {
      for (let i = 0; i < 16; i++) {
        const raw = this.h.drainCapture(1 << 20);
        if (!raw.length) return;
        const { records, count } = nativeRecordsToPcap(raw);
        if (count) sink(records, count);
      }
    };
    const timer = setInterval(drain, DRAIN_MS);
    let final: CaptureStats | undefined;
    const stats = (): CaptureStats => {
      const s = this.h.captureStats();
      return { captured: s.captured, dropped: s.dropped };
    };
    return {
      snaplen,
      stats: () => final ?? stats(),
      stop: () => {
        if (!final) {
          this.h.stopCapture();
          clearInterval(timer);
          drain();
          final = stats();
        }
        return final;
      },
    };
  }

  private onDoorbell(): void {
    // Acknowledge first: anything the thread adds from now on rings again.
    this.h.ackDoorbell();
    for (const r of this.h.drainResults()) {
      const resolve = this.pending.get(r.batchId);
      this.pending.delete(r.batchId);
      resolve?.(toOpsResult(r));
    }
    const raw = this.h.drainEvents();
    if (raw.length === 0) return;
    try {
      this.emit('events', decodeEvents(raw));
    } catch (e) {
      this.emit('error', e as Error);
    }
  }
}
