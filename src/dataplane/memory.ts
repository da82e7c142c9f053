import * as arp from '../packet/arp';
import * as ethernet from '../packet/ethernet';
import { EtherType } from '../packet/ethernet';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import type { DataplaneEvent } from './events';
import { NativePipeline, type OutputFrame, type PipelineConfig } from './native';
import type { DataplaneOp } from './ops';

/**
 * The real C++ pipeline with no sockets: frames are pushed in by the caller
 * and come out through callbacks. Used by scenario tests of whole VTEPs (two
 * of them joined by an in-memory "underlay") and wherever a data plane is
 * needed without root.
 */
export class MemoryDataplane {
  readonly pipeline: NativePipeline;
  private readonly eventListeners = new Set<(e: readonly DataplaneEvent[]) => void>();
  /** Frames leaving on an access port. */
  onAccessTx: (port: number, frame: Uint8Array) => void = () => undefined;
  /** VXLAN datagrams leaving for a remote VTEP: the UDP payload (VXLAN header first). */
  onUnderlayTx: (vtepIdx: number, payload: Uint8Array) => void = () => undefined;
  /** Wall-clock seconds used for learning timestamps and aging. */
  now: () => number = () => Math.floor(Date.now() / 1000);

  constructor(
    readonly config: PipelineConfig & { probeMac: Mac },
  ) {
    this.pipeline = new NativePipeline(config);
  }

  applyOps(ops: readonly DataplaneOp[]): void {
    const r = this.pipeline.applyOps(ops);
    if (r.rejected) throw new Error(`data plane rejected ${r.rejected} op(s): ${r.rejects.map((x) => `#${x.index} ${ops[x.index]?.op ?? '?'} ${x.status}`).join(', ')}`);
  }

  onEvents(fn: (e: readonly DataplaneEvent[]) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /** A frame from a host on an access port. */
  fromAccess(port: number, frame: Uint8Array): void {
    this.dispatch(this.pipeline.run([{ port, bytes: frame }], this.now()));
  }

  /** A VXLAN datagram's UDP payload from `srcIp` on the underlay. */
  fromUnderlay(srcIp: Ip, payload: Uint8Array): void {
    this.dispatch(this.pipeline.run([{ port: 'underlay', bytes: payload, srcIp }], this.now()));
  }

  /** RFC 5227 §2.1.1 probe (sender IP 0.0.0.0), unicast to the host; its reply comes back as a probeReply event. */
  sendArpProbe(p: { port: number; vni: number; mac: Mac; ip: Ip }): void {
    const body = arp.arpProbe(this.config.probeMac, p.ip);
    const payload = new Uint8Array(arp.encodingLength(body));
    arp.encode(body, payload, 0);
    const f = { dst: p.mac, src: this.config.probeMac, vlans: [], ethertype: EtherType.ARP, payload };
    const frame = new Uint8Array(ethernet.encodingLength(f));
    ethernet.encode(f, frame, 0);
    this.onAccessTx(p.port, frame);
  }

  /** One aging step over learned MACs (mac-aging-seconds). */
  age(maxAgeSeconds: number): void {
    this.pipeline.age(this.now(), maxAgeSeconds);
    this.emitEvents();
  }

  private dispatch(out: OutputFrame[]): void {
    // Copies: the pipeline reuses its output buffer on the next run.
    for (const f of out) {
      if (f.egress.kind === 'port') this.onAccessTx(f.egress.port, f.bytes.slice());
      else this.onUnderlayTx(f.egress.vtepIdx, f.bytes.slice(f.vxlanOffset ?? 0));
    }
    this.emitEvents();
  }

  private emitEvents(): void {
    const events = this.pipeline.drainEvents();
    if (events.length) for (const fn of this.eventListeners) fn(events);
  }
}
