/**
 * The portable data plane: the TypeScript pipeline (./pipeline.ts) with
 * libpcap access ports (the optional `cap` package) and a node:dgram UDP
 * socket as the underlay. For hosts where the addon cannot be built or
 * loaded; everything runs on the JavaScript thread, one frame per callback,
 * so expect tens of kpps, not the native path's rate.
 *
 *   access port (pcap, promiscuous, "inbound" filter) -> pipeline -> pcap send
 *                                                               \-> UDP socket -> VTEP:4789
 *   UDP socket (localIp:4789) -> pipeline (VXLAN payload + source address) -> pcap send
 *
 * Limits of this backend, compared with the native one:
 * - The outer headers come from the kernel: the UDP source port is the
 *   socket's (udpPort), not the per-flow hash of RFC 7348 §5, so the underlay
 *   cannot spread one VTEP pair's flows over ECMP paths. The pipeline's
 *   prebuilt outer IP/UDP header is still in each output (the bytes before
 *   vxlanOffset); a raw IP socket could send it as is.
 * - libpcap gives no virtio-net header: a frame from a local host whose
 *   interface hands out partial checksums (TX checksum offload on a veth) is
 *   forwarded as received, and GSO super-frames exceed maxFrameLen and are
 *   dropped (drop_oversize). Turn TX checksum offload and TSO/GSO off on the
 *   hosts' side of the access links (ethtool -K <if> tx off tso off gso off).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';

import { ipv4ToString, ipv6ToString, type Ip } from '../../util/ip';
import type { Mac } from '../../util/mac';
import { CaptureBuffer, checkSpec, underlayRxHeader, type CaptureSession, type CaptureSource, type CaptureSpec } from '../capture';
import type { DataplaneEvent } from '../events';
import type { ApplyOpsResult, CounterSnapshot, PipelineConfig } from '../native';
import type { DataplaneOp } from '../ops';
import { parseIpKey } from './ip-key';
import { PortablePipeline, UNDERLAY_PORT } from './pipeline';
import { EGRESS_PORT, TxBatch } from './tx-batch';

/** The slice of the `cap` package this file uses (cap 0.2, lib/Cap.js). */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  send(buffer: Buffer, nBytes?: number): void;
  on(event: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
}
interface CapModule {
  Cap: new () => CapHandle;
}

let capModule: CapModule | undefined;

function loadCap(): CapModule {
  if (!capModule) capModule = createRequire(__filename)('cap') as CapModule;
  return capModule;
}

/** Why the portable backend cannot open access ports here, or null when it can. */
export function portableUnavailableReason(): string | null {
  try {
    loadCap();
    return null;
  } catch (e) {
    return `the optional dependency 'cap' (libpcap binding) cannot be loaded: ${(e as Error).message}`;
  }
}

export interface PortableDataplaneConfig extends Omit<PipelineConfig, 'underlay'> {
  underlay: {
    /** The VTEP address: the UDP socket binds to it. */
    localIp: Ip;
    udpPort?: number;
    /** Only used in the (unsent) outer Ethernet header the pipeline builds; default 00:00:00:00:00:00. */
    localMac?: Mac;
    nextHopMac?: Mac;
    ttl?: number;
    tos?: number;
  };
  /** Access ports by pipeline port index. */
  ports: { index: number; ifname: string }[];
  /** Seconds before an idle learned MAC ages out (default 300); aging runs once a second. */
  maxAge?: number;
  /** Where set-up steps and socket errors are reported (default: nowhere). */
  log?: (msg: string) => void;
}

interface OpenPort {
  index: number;
  ifname: string;
  cap: CapHandle;
  rx: Buffer;
}

/** libpcap receive buffer per port: one maximum-size frame is copied into it per callback. */
const SNAP = 65535;

export class PortableDataplane implements CaptureSource {
  readonly pipeline: PortablePipeline;
  private readonly tx: TxBatch;
  private readonly ports = new Map<number, OpenPort>();
  private underlay: Socket | undefined;
  private readonly listeners = new Set<(e: readonly DataplaneEvent[]) => void>();
  private readonly log: (msg: string) => void;
  private readonly udpPort: number;
  /** VTEP index -> address string, refreshed after every ops batch. */
  private readonly vtepAddr = new Map<number, string>();
  private clock: ReturnType<typeof setInterval> | undefined;
  private eventsScheduled = false;
  /** Pipeline clock in seconds, advanced by a 1 s timer (no clock read per frame). */
  private now = Math.floor(performance.now() / 1000);
  /** The running capture tap, if any (one at a time). */
  private tap: CaptureBuffer | undefined;
  private tapLocal: { family: 4 | 6; ip: Uint8Array; mac: Uint8Array; port: number } | undefined;

  constructor(readonly config: PortableDataplaneConfig) {
    const { ports: _p, maxAge: _a, log, underlay: u, ...sizes } = config;
    this.log = log ?? (() => undefined);
    this.udpPort = u.udpPort ?? 4789;
    const underlay: PipelineConfig['underlay'] = {
      localIp: u.localIp,
      localMac: u.localMac ?? '00:00:00:00:00:00',
      nextHopMac: u.nextHopMac ?? '00:00:00:00:00:00',
      udpPort: this.udpPort,
    };
    if (u.ttl !== undefined) underlay.ttl = u.ttl;
    if (u.tos !== undefined) underlay.tos = u.tos;
    this.pipeline = new PortablePipeline({ ...sizes, underlay });
    this.tx = new TxBatch(this.pipeline.cfg.txSlots, this.pipeline.slotSize);
  }

  /** Opens the access ports and binds the underlay socket, then forwards until stop(). */
  async start(): Promise<void> {
    if (this.underlay) return;
    const why = portableUnavailableReason();
    if (why) throw new Error(why);
    const { Cap } = loadCap();
    for (const p of this.config.ports) {
      const cap = new Cap();
      const rx = Buffer.alloc(SNAP);
      // "inbound": only frames the interface received, never the ones this
      // host (or this process, through the same port) transmitted on it.
      const link = cap.open(p.ifname, 'inbound', 4 * 1024 * 1024, rx);
      if (link !== 'ETHERNET') {
        cap.close();
        throw new Error(`${p.ifname}: link type ${link}, an Ethernet interface is needed`);
      }
      const port: OpenPort = { index: p.index, ifname: p.ifname, cap, rx };
      cap.on('packet', (nbytes, truncated) => this.fromAccess(port, nbytes, truncated));
      this.ports.set(p.index, port);
      this.log(`portable dataplane: port ${p.index} = ${p.ifname} (libpcap, promiscuous, inbound only)`);
    }
    const family = this.pipeline.cfg.underlay.family;
    const sock = createSocket({ type: family === 4 ? 'udp4' : 'udp6', reuseAddr: false });
    sock.on('message', (msg, rinfo) => this.fromUnderlay(msg, rinfo));
    sock.on('error', (e) => this.log(`portable dataplane: underlay socket: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.udpPort, this.config.underlay.localIp, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    this.underlay = sock;
    this.log(`portable dataplane: underlay UDP ${this.config.underlay.localIp}:${this.udpPort}`);
    const maxAge = this.config.maxAge ?? 300;
    this.clock = setInterval(() => {
      this.now++;
      this.pipeline.age(this.now, maxAge, 4096);
      this.scheduleEvents();
    }, 1000);
    this.clock.unref();
  }

  async stop(): Promise<void> {
    this.tap?.stop();
    if (this.clock) clearInterval(this.clock);
    this.clock = undefined;
    for (const p of this.ports.values()) p.cap.close();
    this.ports.clear();
    const s = this.underlay;
    this.underlay = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Applies a batch of ops and returns what was applied and rejected. */
  tryApplyOps(ops: readonly DataplaneOp[] | Uint8Array): ApplyOpsResult {
    const r = this.pipeline.applyOps(ops);
    this.refreshVteps();
    // ARP probes made by the ops leave at once, as the packet thread sends them.
    this.flush(this.pipeline.controlTx);
    return r;
  }

  /** Applies a batch of ops; throws when any record is rejected (as MemoryDataplane does). */
  applyOps(ops: readonly DataplaneOp[] | Uint8Array): ApplyOpsResult {
    const r = this.tryApplyOps(ops);
    if (r.rejected) {
      const names = ops instanceof Uint8Array ? [] : ops.map((o) => o.op);
      const what = r.rejects.map((x) => `#${x.index} ${names[x.index] ?? '?'} ${x.status}`).join(', ');
      throw new Error(`data plane rejected ${r.rejected} op(s): ${what}`);
    }
    return r;
  }

  onEvents(fn: (e: readonly DataplaneEvent[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** RFC 5227 §2.1.1 probe (sender IP 0.0.0.0), unicast to the host; its reply comes back as a probeReply event. */
  sendArpProbe(p: { port: number; vni: number; mac: Mac; ip: Ip }): void {
    this.applyOps([{ op: 'arpProbe', port: p.port, vni: p.vni, ip: p.ip, mac: p.mac }]);
  }

  /** One aging step now (the 1 s timer also ages). */
  age(maxAgeSeconds: number): void {
    this.pipeline.age(this.now, maxAgeSeconds);
    this.scheduleEvents();
  }

  counters(): CounterSnapshot {
    return this.pipeline.counters();
  }

  /**
   * Starts the capture tap: frames the port receives and sends are copied
   * into a bounded buffer (CaptureBuffer) as they pass. Underlay TX frames
   * show the pipeline's outer header; the kernel sends the datagram from the
   * socket's own port (see the limits above).
   */
  startCapture(spec: CaptureSpec, sink: (records: Uint8Array, count: number) => void): CaptureSession {
    const bad = checkSpec(spec);
    if (bad) throw new RangeError(bad);
    if (this.tap) throw new Error('a capture is already running');
    const u = this.pipeline.cfg.underlay;
    const mac = new Uint8Array(6);
    new DataView(mac.buffer).setUint16(0, u.localMacHi);
    new DataView(mac.buffer).setUint32(2, u.localMacLo);
    this.tapLocal = { family: u.family, ip: u.localIp, mac, port: u.udpPort };
    const tap = new CaptureBuffer(spec, sink, () => {
      if (this.tap === tap) this.tap = undefined;
    });
    this.tap = tap;
    return tap;
  }

  /** The VNI an access frame maps to on `port` (its VLAN tag, or untagged), or -1. */
  private accessVni(port: number, data: Uint8Array, len: number): number {
    const type = len >= 14 ? (data[12]! << 8) | data[13]! : 0;
    const vid = (type === 0x8100 || type === 0x88a8) && len >= 18 ? ((data[14]! << 8) | data[15]!) & 0x0fff : 0;
    const idx = this.pipeline.ports.ingressVni(port, vid);
    return idx < 0 ? -1 : this.pipeline.vnis.vniOf(idx);
  }

  // ------------------------------------------------------------------ I/O ---

  private fromAccess(port: OpenPort, nbytes: number, truncated: boolean): void {
    if (truncated) return this.pipeline.countIo(port.index, 'drop_rx_truncated');
    const tap = this.tap;
    if (tap && tap.spec.port === port.index && (tap.spec.vni === undefined || tap.wants(this.accessVni(port.index, port.rx, nbytes))))
      tap.put(null, port.rx, 0, nbytes);
    this.pipeline.input(port.index, port.rx, 0, nbytes, null, this.tx, this.now);
    this.flush(this.tx);
  }

  private fromUnderlay(msg: Buffer, rinfo: RemoteInfo): void {
    const key = this.pipeline.parseSrc(rinfo.address);
    if (key === null) return;
    const tap = this.tap;
    if (tap && tap.spec.port === 'underlay' && this.tapLocal && (msg.length < 8 || tap.wants(msg.readUIntBE(4, 3)))) {
      const src = parseIpKey(rinfo.address);
      if (src) tap.put(underlayRxHeader(this.tapLocal, { ip: src.bytes, port: rinfo.port }, msg, 0, msg.length), msg, 0, msg.length);
    }
    this.pipeline.input(UNDERLAY_PORT, msg, 0, msg.length, key, this.tx, this.now);
    this.flush(this.tx);
  }

  /** Sends and clears a batch of output frames. */
  private flush(tx: TxBatch): void {
    const tap = this.tap;
    for (let i = 0; i < tx.count; i++) {
      const off = tx.offset(i);
      const len = tx.len[i]!;
      if (tap && (tx.kind[i] === EGRESS_PORT ? tap.spec.port === tx.index[i] : tap.spec.port === 'underlay') && tap.wants(tx.vni[i]!))
        tap.put(null, tx.data, off, len);
      if (tx.kind[i] === EGRESS_PORT) {
        const p = this.ports.get(tx.index[i]!);
        if (!p) continue;
        try {
          // pcap_sendpacket copies synchronously: a view of the slot is enough.
          p.cap.send(Buffer.from(tx.data.buffer, tx.data.byteOffset + off, len), len);
        } catch (e) {
          this.pipeline.countIo(p.index, 'drop_tx_failed');
          this.log(`portable dataplane: send on ${p.ifname}: ${(e as Error).message}`);
        }
      } else {
        const addr = this.vtepAddr.get(tx.index[i]!);
        if (!addr || !this.underlay) continue;
        // From the VXLAN header on: the kernel adds IP and UDP. The slot is
        // reused by the next frame while the send may still be queued, so the
        // datagram is copied.
        const l4 = tx.l4Offset[i]!;
        const dgram = Buffer.allocUnsafe(len - l4);
        dgram.set(tx.data.subarray(off + l4, off + len));
        this.underlay.send(dgram, this.udpPort, addr, (err) => {
          if (err) this.pipeline.countIo(UNDERLAY_PORT, 'drop_tx_failed');
        });
      }
    }
    tx.clear();
    this.scheduleEvents();
  }

  private refreshVteps(): void {
    this.vtepAddr.clear();
    const t = this.pipeline.vteps;
    for (let i = 0; i < t.max; i++) {
      const v = t.get(i);
      if (v) this.vtepAddr.set(i, v.family === 4 ? ipv4ToString(v.ip, 0) : ipv6ToString(v.ip, 0));
    }
  }

  /** At most one event delivery per event-loop turn. */
  private scheduleEvents(): void {
    if (this.eventsScheduled || this.pipeline.pendingEvents === 0) return;
    this.eventsScheduled = true;
    setImmediate(() => {
      this.eventsScheduled = false;
      const events = this.pipeline.drainEvents();
      if (events.length) for (const fn of this.listeners) fn(events);
    });
  }
}
