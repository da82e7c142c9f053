/**
 * The packet pipeline in TypeScript: the portable twin of native/src/pipeline.cc,
 * frame for frame, byte for byte, event for event and counter for counter
 * (test/unit/portable/differential.test.ts holds the two side by side).
 *
 *  access port -> accessIn: parse/strip 802.1Q -> learn source MAC (events)
 *                -> ARP/ND suppression (reply on the same port) -> forward
 *  underlay    -> underlayIn: outer Ethernet/IP/UDP checks (when given a full
 *                frame) -> VXLAN checks -> decapsulate -> forward (local only)
 *  forward     -> known unicast: local port, or prebuilt outer header + UDP
 *                source port hash -> VTEP; BUM/unknown: flood list + local ports
 *
 * Tables are typed arrays sized at construction, output frames are written
 * into preallocated transmit slots (TxBatch), and parsing fills reused view
 * objects: the per-frame path allocates nothing except on IPv6 table keys.
 * Used where the addon cannot be loaded (io.ts) and as a second, independent
 * reading of the same specification.
 */
import type { CounterName } from '../counters';
import { decodeEvents, type DataplaneEvent } from '../events';
import type { ApplyOpsResult, CounterSnapshot, InputFrame, OutputFrame, PipelineConfig } from '../native';
import { encodeOps, type DataplaneOp } from '../ops';
import { applyOpsTo, NO_TENANT, type Gateway, type OpsTarget, type Tenant } from './apply-ops';
import { ArpTable, ARP_OVERRIDE, ARP_ROUTER } from './arp-table';
import { ArpView, NdView } from './arp-suppress';
import * as arpSuppress from './arp-suppress';
import { resolveConfig, type ResolvedConfig } from './config';
import { CounterTable } from './counter-table';
import * as counterTable from './counter-table';
import { EventRing } from './event-ring';
import * as eventRing from './event-ring';
import { Fdb } from './fdb';
import * as fdbMod from './fdb';
import * as hash from './hash';
import * as ipKey from './ip-key';
import type { IpKey } from './ip-key';
import { LpmTable, ROUTE_LOCAL } from './lpm';
import { AccessPorts } from './ports';
import type { PipelineLike } from './types';
import { TxBatch } from './tx-batch';
import * as txBatch from './tx-batch';
import { VniTable } from './vni-table';
import { VtepTable } from './vtep-table';
import type { FrameView } from './vxlan';
import * as vxlan from './vxlan';
import * as wire from './wire';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const {
  ARP_LEN,
  ARP_REPLY,
  ARP_REQUEST,
  buildArpReply,
  buildNeighborAdvert,
  ipv6Multicast,
  ipv6Unspecified,
  NA_OVERRIDE,
  NA_ROUTER,
  ND_ADVERT,
  ND_SOLICIT,
  parseArp,
  parseNd,
} = arpSuppress;
const { C } = counterTable;
const {
  EV_IP_BINDING,
  EV_MAC_AGED,
  EV_MAC_LEARNED,
  EV_MAC_MOVED,
  EV_NO_TARGET,
  EV_PROBE_REPLY,
  EV_WAS_REMOTE,
} = eventRing;
const { FDB_REMOTE, FDB_STATIC } = fdbMod;
const { innerFlowHash } = hash;
const { ipv4Key, ipv6Key, parseIpKey } = ipKey;
const { EGRESS_PORT, EGRESS_VTEP } = txBatch;
const { encapsulate, finishOuter, writeFrame } = vxlan;
const {
  csumAdd,
  csumFold,
  ETH_ARP,
  ETH_HEADER,
  ETH_IPV4,
  ETH_IPV6,
  ETH_MIN_FRAME,
  ETH_QINQ,
  ETH_VLAN,
  IPPROTO_ICMPV6,
  IPPROTO_UDP,
  IPV4_HEADER,
  IPV6_HEADER,
  load16,
  load24,
  load32,
  MAX_OUTER,
  macHi,
  macHiIsGroup,
  macLo,
  reservedGroupMac,
  store16,
  store32,
  storeMac,
  UDP_HEADER,
  VLAN_TAG,
  VXLAN_FLAG_I,
  VXLAN_HEADER,
} = wire;

/** The port number of underlay input (native kUnderlayPort). */
export const UNDERLAY_PORT = 0xffffffff;
/** Frames per vector in run(), as the addon's test hook. */
export const VECTOR = 256;
/** Room for the probes of one ops batch; more are refused (table-full) until sent. */
const CONTROL_SLOTS = 256;
/**
 * The ingress of a glean request (native kGleanPort): no access port (every
 * member gets a copy) and not the underlay (the flood list gets one too).
 */
const GLEAN_PORT = 0xfffffffe;
/** Glean requests per second of the pipeline clock (also the burst), as native kGleanRate. */
export const GLEAN_RATE = 64;
/** Recently asked (VNI, IP) pairs, indexed by a hash of GLEAN_SLOT_BITS bits (native kGleanSlots). */
const GLEAN_SLOT_BITS = 10;
const GLEAN_SLOTS = 1 << GLEAN_SLOT_BITS;
/** ff02::1:ff00:0/104, the solicited-node prefix (RFC 4291 §2.7.1). */
const SOLICITED_PREFIX = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff] as const;

const {
  rx_packets: RX_PACKETS,
  rx_bytes: RX_BYTES,
  tx_packets: TX_PACKETS,
  tx_bytes: TX_BYTES,
  rx_bum: RX_BUM,
  rx_unknown_unicast: RX_UNKNOWN_UNICAST,
  flood_copies: FLOOD_COPIES,
  arp_suppressed: ARP_SUPPRESSED,
  nd_suppressed: ND_SUPPRESSED,
  probe_replies: PROBE_REPLIES,
  macs_learned: MACS_LEARNED,
  macs_moved: MACS_MOVED,
  macs_aged: MACS_AGED,
  learn_sticky_conflict: LEARN_STICKY_CONFLICT,
  learn_table_full: LEARN_TABLE_FULL,
  learn_limit: LEARN_LIMIT,
  arp_rate_limited: ARP_RATE_LIMITED,
  events_dropped: EVENTS_DROPPED,
  probes_sent: PROBES_SENT,
  routed_packets: ROUTED_PACKETS,
  gateway_arp_replies: GATEWAY_ARP_REPLIES,
  gateway_nd_replies: GATEWAY_ND_REPLIES,
} = C;

/**
 * RFC 1812 §5.3.1: a router decrements the TTL; the IPv4 header checksum is
 * updated incrementally (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
 */
function decrementTtl(p: Uint8Array, ip: number, v4: boolean): void {
  if (!v4) {
    p[ip + 7] = (p[ip + 7]! - 1) & 0xff; // IPv6 hop limit, no header checksum
    return;
  }
  const m = load16(p, ip + 8);
  p[ip + 8] = (p[ip + 8]! - 1) & 0xff;
  const sum = (~load16(p, ip + 10) & 0xffff) + (~m & 0xffff) + load16(p, ip + 8);
  store16(p, ip + 10, ~csumFold(sum) & 0xffff);
}

function monotonicSeconds(): number {
  return process.hrtime()[0] >>> 0;
}

export class PortablePipeline implements PipelineLike, OpsTarget {
  readonly cfg: ResolvedConfig;
  readonly ctr: CounterTable;
  readonly ports: AccessPorts;
  readonly vnis: VniTable;
  readonly vteps: VtepTable;
  readonly fdb: Fdb;
  readonly arp: ArpTable;
  private readonly events: EventRing;
  /** Frames made by ops (ARP probes): sent by the owner after applying ops. */
  readonly controlTx: TxBatch;
  /** Transmit slots of one vector (run()). */
  private readonly tx: TxBatch;
  /** Pipeline clock of the last vector (seconds); static MACs are stamped with it. */
  now = 0;
  // Reused per frame: no allocation on the packet path.
  private readonly v: FrameView = { buf: new Uint8Array(0), macs: 0, etherType: 0, payload: 0, payloadLen: 0 };
  private readonly av = new ArpView();
  private readonly nd = new NdView();
  // Outer source of the frame being decapsulated.
  private srcKey: IpKey = 0;
  private vxOff = 0;
  private vxLen = 0;
  /** Source keys of one run() vector. */
  private readonly vectorKeys: (IpKey | null)[] = new Array<IpKey | null>(VECTOR).fill(null);
  /** srcIp strings of socket input already parsed (bounded). */
  private readonly srcCache = new Map<string, IpKey | null>();
  // Per-port limits (op PortLimits; 0 = none) and counts, as native PortLimits.
  readonly portMaxMacs: Uint32Array;
  /** Dynamic local FDB entries per port / per VNI. */
  readonly portLearned: Uint32Array;
  readonly portArpRate: Uint32Array;
  readonly portArpBurst: Uint32Array;
  readonly portArpTokens: Uint32Array;
  readonly portArpStamp: Uint32Array;
  /** Op VniLimits; 0 = no limit. */
  readonly vniMaxMacs: Uint32Array;
  readonly vniLearned: Uint32Array;
  // Routing state (ops VrfAdd..RouteDel), as native Pipeline's.
  readonly lpm: LpmTable;
  readonly tenants: Tenant[];
  readonly vniTenant: Uint32Array;
  readonly l3Tenant: Uint32Array;
  readonly gateways: Gateway[];
  /** A routed packet delivered to a local host is rewritten here once, then bridged. */
  private readonly scratch: Uint8Array;
  private readonly rv: FrameView = { buf: new Uint8Array(0), macs: 0, etherType: 0, payload: 0, payloadLen: 0 };
  // Glean limits (native GleanSlot): a token bucket for the whole pipeline,
  // and the last second each (VNI, IP) was asked for (key 0 = empty).
  private readonly gleanKey = new Uint32Array(GLEAN_SLOTS);
  private readonly gleanSeenStamp = new Uint32Array(GLEAN_SLOTS);
  private readonly gleanIp = new Uint8Array(GLEAN_SLOTS * 16);
  private gleanTokens = GLEAN_RATE;
  private gleanStamp = 0;
  /** ARP request (60 octets) or NS with a source link-layer option (86). */
  private readonly gleanFrame = new Uint8Array(96);
  private readonly gv: FrameView = { buf: this.gleanFrame, macs: 0, etherType: 0, payload: ETH_HEADER, payloadLen: 0 };

  constructor(readonly config: PipelineConfig) {
    const c = resolveConfig(config);
    this.cfg = c;
    this.ctr = new CounterTable(c.maxPorts, c.maxVnis);
    this.ports = new AccessPorts(c.maxPorts, c.maxVnis);
    this.vnis = new VniTable(c.maxVnis, c.maxPorts, c.maxFloodPerVni);
    this.vteps = new VtepTable(c.maxVteps, c.underlay);
    this.fdb = new Fdb(c.maxMacs);
    this.arp = new ArpTable(c.maxArp);
    this.events = new EventRing(c.eventRing);
    this.controlTx = new TxBatch(CONTROL_SLOTS, this.slotSize);
    this.tx = new TxBatch(c.txSlots, this.slotSize);
    this.portMaxMacs = new Uint32Array(c.maxPorts);
    this.portLearned = new Uint32Array(c.maxPorts);
    this.portArpRate = new Uint32Array(c.maxPorts);
    this.portArpBurst = new Uint32Array(c.maxPorts);
    this.portArpTokens = new Uint32Array(c.maxPorts);
    this.portArpStamp = new Uint32Array(c.maxPorts);
    this.vniMaxMacs = new Uint32Array(c.maxVnis);
    this.vniLearned = new Uint32Array(c.maxVnis);
    this.lpm = new LpmTable(c.maxTenants, c.maxRoutes);
    this.tenants = Array.from({ length: c.maxTenants }, () => ({ used: false, l3VniIdx: 0, rmacHi: 0, rmacLo: 0 }));
    this.vniTenant = new Uint32Array(c.maxVnis).fill(NO_TENANT);
    this.l3Tenant = new Uint32Array(c.maxVnis).fill(NO_TENANT);
    this.gateways = Array.from({ length: c.maxVnis }, () => ({ macHi: 0, macLo: 0, has4: false, has6: false, ip4: 0, ip6: new Uint8Array(16) }));
    this.scratch = new Uint8Array(c.maxFrameLen + 12);
    this.rv.buf = this.scratch;
  }

  /** Room for the largest output: outer header + tagged frame. */
  get slotSize(): number {
    return this.cfg.maxFrameLen + MAX_OUTER + VLAN_TAG;
  }

  get fdbSize(): number {
    return this.fdb.size;
  }

  get pendingEvents(): number {
    return this.events.size;
  }

  // ------------------------------------------------------------ interface ---

  applyOps(ops: readonly DataplaneOp[] | Uint8Array): ApplyOpsResult {
    return applyOpsTo(this, ops instanceof Uint8Array ? ops : encodeOps(ops));
  }

  run(frames: readonly InputFrame[], now?: number): OutputFrame[] {
    const t = now === undefined ? monotonicSeconds() : now >>> 0;
    const out: OutputFrame[] = [];
    // Frames made by ops (ARP probes) go out first, as the packet thread sends
    // them right after applying the ops.
    collect(this.controlTx, out);
    this.controlTx.clear();
    const keys = this.vectorKeys;
    for (let base = 0; base < frames.length; base += VECTOR) {
      const end = Math.min(frames.length, base + VECTOR);
      // A bad srcIp fails the vector before any of it runs, as in the addon.
      for (let i = base; i < end; i++) {
        const src = frames[i]!.srcIp;
        const key = src === undefined ? null : this.parseSrc(src);
        if (src !== undefined && key === null) throw new TypeError('srcIp must be an IP address');
        keys[i - base] = key;
      }
      this.tx.clear();
      this.now = t;
      for (let i = base; i < end; i++) {
        const f = frames[i]!;
        const port = f.port === 'underlay' ? UNDERLAY_PORT : portNumber(f.port);
        this.input(port, f.bytes, 0, f.bytes.length, keys[i - base] ?? null, this.tx, t);
      }
      collect(this.tx, out);
    }
    return out;
  }

  drainEvents(): DataplaneEvent[] {
    return decodeEvents(this.events.drain());
  }

  /** The raw 40-octet event records (events.h), oldest first. */
  drainEventRecords(): Uint8Array {
    return this.events.drain();
  }

  counters(): CounterSnapshot {
    return this.ctr.snapshot(
      (p) => this.ports.used(p),
      (i) => this.vnis.used(i),
      (i) => this.vnis.vniOf(i),
    );
  }

  age(now: number, maxAge: number, budget?: number): void {
    const slots = budget === undefined || !(budget >= 0) ? Number.MAX_SAFE_INTEGER : Math.trunc(budget);
    const t = now >>> 0;
    const fdb = this.fdb;
    fdb.age(t, maxAge >>> 0, slots, (s) => {
      const vniIdx = fdb.slotVni(s);
      const port = fdb.target[s]!;
      this.ctr.values[this.ctr.vni(vniIdx) + MACS_AGED]!++;
      if (port < this.cfg.maxPorts) {
        this.ctr.values[this.ctr.port(port) + MACS_AGED]!++;
        this.portLearned[port]!--;
      }
      this.vniLearned[vniIdx]!--;
      this.pushEvent(EV_MAC_AGED, vniIdx, port, EV_NO_TARGET, 0, fdb.slotMacHi(s), fdb.slotMacLo(s), 0, null, 0);
    });
  }

  // ----------------------------------------------------------- frame input ---

  /**
   * One frame into the pipeline, outputs into `out`. `port` is an access
   * port index or UNDERLAY_PORT; for underlay input from a UDP socket,
   * `srcKey` is the datagram source's key (ip-key.ts) and buf[off, off+len)
   * the UDP payload, otherwise null and a full Ethernet frame.
   */
  input(port: number, buf: Uint8Array, off: number, len: number, srcKey: IpKey | null, out: TxBatch, now: number): void {
    if (port === UNDERLAY_PORT) this.underlayIn(buf, off, len, srcKey, out);
    else this.accessIn(port, buf, off, len, out, now);
  }

  /** Key of a srcIp string (as inet_pton reads it), cached; null when it is no address. */
  parseSrc(s: string): IpKey | null {
    let k = this.srcCache.get(s);
    if (k === undefined) {
      k = parseIpKey(s)?.key ?? null;
      if (this.srcCache.size >= 1024) this.srcCache.clear();
      this.srcCache.set(s, k);
    }
    return k;
  }

  /**
   * Counts what the I/O around the pipeline saw (drop_rx_truncated,
   * drop_tx_failed...) on a port's block, or the underlay's for UNDERLAY_PORT.
   */
  countIo(port: number, counter: CounterName): void {
    this.drop(port, -1, C[counter]);
  }

  private drop(inPort: number, vniIdx: number, reason: number): void {
    const v = this.ctr.values;
    if (inPort === UNDERLAY_PORT) v[this.ctr.underlayBase + reason]!++;
    else if (inPort < this.cfg.maxPorts) v[this.ctr.port(inPort) + reason]!++;
    else v[this.ctr.systemBase + reason]!++;
    if (vniIdx >= 0) v[this.ctr.vni(vniIdx) + reason]!++;
  }

  /** Adds to one counter of a port's block and of a VNI's block. */
  private count2(portBase: number, vniIdx: number, counter: number, n: number): void {
    const v = this.ctr.values;
    v[portBase + counter]! += n;
    v[this.ctr.vni(vniIdx) + counter]! += n;
  }

  private pushEvent(
    type: number,
    vniIdx: number,
    port: number,
    old: number,
    flags: number,
    mHi: number,
    mLo: number,
    family: number,
    ipBuf: Uint8Array | null,
    ipOff: number,
  ): boolean {
    if (!this.events.push(type, this.vnis.vniOf(vniIdx), port, old, flags, mHi, mLo, family, ipBuf, ipOff)) {
      this.ctr.values[this.ctr.systemBase + EVENTS_DROPPED]!++;
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- access ---

  private accessIn(port: number, p: Uint8Array, o: number, len: number, out: TxBatch, now: number): void {
    const cv = this.ctr.values;
    if (port >= this.cfg.maxPorts) {
      cv[this.ctr.systemBase + RX_PACKETS]!++;
      cv[this.ctr.systemBase + RX_BYTES]! += len;
      return this.drop(port, -1, C.drop_unknown_port);
    }
    const pb = this.ctr.port(port);
    cv[pb + RX_PACKETS]!++;
    cv[pb + RX_BYTES]! += len;
    if (!this.ports.used(port)) return this.drop(port, -1, C.drop_unknown_port);
    // Frames come without FCS; veths and taps do not pad to 60 octets, so only
    // a frame shorter than its own header is a runt here.
    if (len < ETH_HEADER) return this.drop(port, -1, C.drop_runt);
    if (len > this.cfg.maxFrameLen) return this.drop(port, -1, C.drop_oversize);
    if (reservedGroupMac(p, o)) return this.drop(port, -1, C.drop_reserved_mac);
    const sHi = macHi(p, o + 6);
    const sLo = macLo(p, o + 6);
    // A group or all-zero source is invalid (IEEE 802.3 §3.2.3): never learned, never forwarded.
    if (macHiIsGroup(sHi) || (sHi === 0 && sLo === 0)) return this.drop(port, -1, C.drop_bad_src_mac);

    let type = load16(p, o + 12);
    let l3 = ETH_HEADER;
    let vid = 0;
    if (type === ETH_VLAN) {
      if (len < ETH_HEADER + VLAN_TAG) return this.drop(port, -1, C.drop_runt);
      vid = load16(p, o + 14) & 0x0fff; // PCP and DEI are not carried across the overlay
      type = load16(p, o + 16);
      l3 += VLAN_TAG;
      if (type === ETH_VLAN || type === ETH_QINQ) return this.drop(port, -1, C.drop_vlan_unknown);
    } else if (type === ETH_QINQ) {
      return this.drop(port, -1, C.drop_vlan_unknown);
    }
    const vniIdx = this.ports.ingressVni(port, vid);
    if (vniIdx < 0) return this.drop(port, -1, C.drop_vlan_unknown);
    const vb = this.ctr.vni(vniIdx);
    cv[vb + RX_PACKETS]!++;
    cv[vb + RX_BYTES]! += len;

    const v = this.v;
    v.buf = p;
    v.macs = o;
    v.etherType = type;
    v.payload = o + l3;
    v.payloadLen = len - l3;
    this.learn(vniIdx, sHi, sLo, port, now);
    // ARP and ND storms are policed per port before any work is spent on them.
    const pl = o + l3;
    const nd = type === ETH_IPV6 && len - l3 > IPV6_HEADER && p[pl + 6] === IPPROTO_ICMPV6 && (p[pl + IPV6_HEADER] === ND_SOLICIT || p[pl + IPV6_HEADER] === ND_ADVERT);
    if ((type === ETH_ARP || nd) && !this.arpAdmit(port, now)) return this.drop(port, vniIdx, ARP_RATE_LIMITED);
    if (type === ETH_ARP && this.arpIn(v, vniIdx, port, out)) return;
    if (type === ETH_IPV6 && this.ndIn(v, vniIdx, port, out)) return;
    // RFC 9135 §4: a frame to the distributed anycast gateway is routed.
    const tenant = this.vniTenant[vniIdx]!;
    if (tenant !== NO_TENANT && this.isGatewayMac(vniIdx, p, o)) return this.route(v, vniIdx, tenant, port, out);
    this.forward(v, vniIdx, port, out);
  }

  // Source learning (IEEE 802.1Q §8.7) feeding EVPN MAC advertisement
  // (RFC 7432 §9.1) and MAC mobility (RFC 7432 §15): the control plane hears
  // of new and moved MACs through events; the FDB is updated at once so the
  // data plane does not wait for BGP.
  private learn(vniIdx: number, mHi: number, mLo: number, port: number, now: number): void {
    const fdb = this.fdb;
    const pb = this.ctr.port(port);
    const portMax = this.portMaxMacs[port]!;
    const vniMax = this.vniMaxMacs[vniIdx]!;
    const portFull = portMax !== 0 && this.portLearned[port]! >= portMax;
    const vniFull = vniMax !== 0 && this.vniLearned[vniIdx]! >= vniMax;
    let s: number;
    let inserted = false;
    if (portFull || vniFull) {
      // At a limit nothing new is added; known MACs are still refreshed.
      s = fdb.find(vniIdx, mHi, mLo);
      if (s < 0) return this.count2(pb, vniIdx, LEARN_LIMIT, 1);
    } else {
      s = fdb.insert(vniIdx, mHi, mLo);
      if (s < 0) return this.count2(pb, vniIdx, LEARN_TABLE_FULL, 1);
      inserted = fdb.inserted;
    }
    if (inserted) {
      // As in C++: a MAC the control plane cannot hear of is not kept; its next frame learns it again.
      if (!this.pushEvent(EV_MAC_LEARNED, vniIdx, port, EV_NO_TARGET, 0, mHi, mLo, 0, null, 0)) {
        fdb.erase(vniIdx, mHi, mLo);
        return;
      }
      fdb.target[s] = port;
      fdb.flags[s] = 0;
      fdb.seq[s] = 0;
      fdb.lastSeen[s] = now;
      this.portLearned[port]!++;
      this.vniLearned[vniIdx]!++;
      this.count2(pb, vniIdx, MACS_LEARNED, 1);
      return;
    }
    const flags = fdb.flags[s]!;
    if (!(flags & FDB_REMOTE) && fdb.target[s] === port) {
      fdb.lastSeen[s] = now;
      return;
    }
    // RFC 7432 §15.2: a static (sticky) MAC must not move; the frame is still
    // forwarded, but the binding stays where it was configured.
    if (flags & FDB_STATIC) return this.count2(pb, vniIdx, LEARN_STICKY_CONFLICT, 1);
    // A move adds a MAC to this port (and, from a remote VTEP, to the VNI).
    if (portFull || (flags & FDB_REMOTE && vniFull)) return this.count2(pb, vniIdx, LEARN_LIMIT, 1);
    const old = fdb.target[s]!;
    if (!this.pushEvent(EV_MAC_MOVED, vniIdx, port, old, flags & FDB_REMOTE ? EV_WAS_REMOTE : 0, mHi, mLo, 0, null, 0)) return;
    this.unlearn(vniIdx, s);
    fdb.target[s] = port;
    fdb.flags[s] = 0;
    fdb.lastSeen[s] = now;
    this.portLearned[port]!++;
    this.vniLearned[vniIdx]!++;
    this.count2(pb, vniIdx, MACS_MOVED, 1);
  }

  /** The entry in `slot` is about to change or go: a learned (dynamic local) one leaves its port's and VNI's counts. */
  unlearn(vniIdx: number, slot: number): void {
    if (this.fdb.flags[slot]! & (FDB_REMOTE | FDB_STATIC)) return;
    const port = this.fdb.target[slot]!;
    if (port < this.cfg.maxPorts) this.portLearned[port]!--;
    this.vniLearned[vniIdx]!--;
  }

  /** Sets a port's limits (op PortLimits): the ARP/ND bucket starts full. */
  setPortLimits(port: number, maxMacs: number, arpRate: number, arpBurst: number): void {
    this.portMaxMacs[port] = maxMacs;
    this.portArpRate[port] = arpRate;
    const burst = arpBurst !== 0 ? arpBurst : arpRate;
    this.portArpBurst[port] = burst;
    this.portArpTokens[port] = burst;
    this.portArpStamp[port] = this.now;
  }

  // Token bucket per port, refilled in whole seconds of the pipeline clock
  // (uint32 arithmetic as in C++: a clock that goes back refills the bucket).
  private arpAdmit(port: number, now: number): boolean {
    const rate = this.portArpRate[port]!;
    if (rate === 0) return true;
    const elapsed = (now - this.portArpStamp[port]!) >>> 0;
    if (elapsed !== 0) {
      const burst = this.portArpBurst[port]!;
      // Exact while below 2^53; above, far beyond any burst either way.
      const t = this.portArpTokens[port]! + elapsed * rate;
      this.portArpTokens[port] = t > burst ? burst : t;
      this.portArpStamp[port] = now;
    }
    if (this.portArpTokens[port] === 0) return false;
    this.portArpTokens[port]!--;
    return true;
  }

  private isProbeMac(p: Uint8Array, o: number): boolean {
    return this.cfg.probe && macHi(p, o) === this.cfg.probeMacHi && macLo(p, o) === this.cfg.probeMacLo;
  }

  /** True when the frame was consumed (answered, or addressed to the probe MAC). */
  private arpIn(v: FrameView, vniIdx: number, port: number, out: TxBatch): boolean {
    const p = v.buf;
    const a = this.av;
    if (!parseArp(p, v.payload, v.payloadLen, a)) return false;
    const shaHi = macHi(p, a.sha);
    const shaLo = macLo(p, a.sha);
    const spa = load32(p, a.spa);
    const pb = this.ctr.port(port);

    if (a.op === ARP_REPLY && this.isProbeMac(p, v.macs)) {
      this.count2(pb, vniIdx, PROBE_REPLIES, 1);
      this.pushEvent(EV_PROBE_REPLY, vniIdx, port, EV_NO_TARGET, 0, shaHi, shaLo, 4, p, a.spa);
      return true;
    }
    // Requests, replies and gratuitous ARP all announce the sender's binding
    // (RFC 826 "Packet Reception" merges it first). Bindings the table already
    // holds are not reported again.
    if (spa !== 0 && !macHiIsGroup(shaHi) && (shaHi !== 0 || shaLo !== 0)) {
      const known = this.arp.find(vniIdx, 4, spa);
      if (!known || known.macHi !== shaHi || known.macLo !== shaLo) {
        this.pushEvent(EV_IP_BINDING, vniIdx, port, EV_NO_TARGET, 0, shaHi, shaLo, 4, p, a.spa);
      }
    }
    // The anycast gateway answers for itself (RFC 9135 §4.1), to any request
    // but a gratuitous one, on the port it was asked on.
    const tpa = load32(p, a.tpa);
    if (a.op === ARP_REQUEST && spa !== tpa && this.gatewayIs(vniIdx, 4, p, a.tpa)) {
      const vid = this.ports.memberVid(port, vniIdx);
      if (vid >= 0) {
        const slot = this.replySlot(out, port, vniIdx);
        if (slot < 0) return true;
        const g = this.gateways[vniIdx]!;
        const len = buildArpReply(p, a, v.macs + 6, g.macHi, g.macLo, vid, out.data, slot);
        this.sendToPort(out, port, vniIdx, len);
        this.count2(pb, vniIdx, GATEWAY_ARP_REPLIES, 1);
        return true;
      }
    }
    // RFC 7432 §10: a broadcast request for a known binding is answered here
    // instead of being flooded. Left alone: unicast requests (hosts checking a
    // neighbour is still alive, RFC 1122 §2.3.2.1 - only the neighbour may
    // answer), probes (sender IP 0, RFC 5227 §2.1.1) and gratuitous requests
    // (sender IP = target IP), which are announcements, not questions.
    if (a.op !== ARP_REQUEST || spa === 0 || !(p[v.macs]! & 1) || spa === tpa) return false;
    const t = this.arp.find(vniIdx, 4, tpa);
    if (!t || (t.macHi === shaHi && t.macLo === shaLo)) return false;
    const vid = this.ports.memberVid(port, vniIdx);
    if (vid < 0) return false;
    const slot = this.replySlot(out, port, vniIdx);
    if (slot < 0) return true;
    const len = buildArpReply(p, a, v.macs + 6, t.macHi, t.macLo, vid, out.data, slot);
    this.sendToPort(out, port, vniIdx, len);
    this.count2(pb, vniIdx, ARP_SUPPRESSED, 1);
    return true;
  }

  private ndIn(v: FrameView, vniIdx: number, port: number, out: TxBatch): boolean {
    const p = v.buf;
    if (v.payloadLen < IPV6_HEADER + 24 || p[v.payload + 6] !== IPPROTO_ICMPV6) return false;
    const nd = this.nd;
    if (!parseNd(p, v.payload, v.payloadLen, nd)) return false;
    const llaAt = nd.lla >= 0 ? nd.lla : v.macs + 6;
    const llaHi = macHi(p, llaAt);
    const llaLo = macLo(p, llaAt);
    const pb = this.ctr.port(port);

    if (nd.type === ND_ADVERT) {
      if (this.isProbeMac(p, v.macs)) {
        this.count2(pb, vniIdx, PROBE_REPLIES, 1);
        this.pushEvent(EV_PROBE_REPLY, vniIdx, port, EV_NO_TARGET, 0, llaHi, llaLo, 6, p, nd.target);
        return true;
      }
      const known = this.arp.find(vniIdx, 6, ipv6Key(p, nd.target));
      if (!known || known.macHi !== llaHi || known.macLo !== llaLo) {
        this.pushEvent(EV_IP_BINDING, vniIdx, port, EV_NO_TARGET, 0, llaHi, llaLo, 6, p, nd.target);
      }
      return false;
    }
    // Duplicate address detection (RFC 4862 §5.4.3) must reach every host: forwarded.
    if (ipv6Unspecified(p, nd.src)) return false;
    const known = this.arp.find(vniIdx, 6, ipv6Key(p, nd.src));
    if (!known || known.macHi !== llaHi || known.macLo !== llaLo) {
      this.pushEvent(EV_IP_BINDING, vniIdx, port, EV_NO_TARGET, 0, llaHi, llaLo, 6, p, nd.src);
    }
    // The anycast gateway answers for itself, solicited or NUD, as a router
    // (R) whose MAC is the same on every VTEP (O).
    if (this.gatewayIs(vniIdx, 6, p, nd.target)) {
      const vid = this.ports.memberVid(port, vniIdx);
      if (vid >= 0) {
        const slot = this.replySlot(out, port, vniIdx);
        if (slot < 0) return true;
        const g = this.gateways[vniIdx]!;
        const len = buildNeighborAdvert(p, nd, v.macs + 6, g.macHi, g.macLo, NA_ROUTER | NA_OVERRIDE, vid, out.data, slot);
        this.sendToPort(out, port, vniIdx, len);
        this.count2(pb, vniIdx, GATEWAY_ND_REPLIES, 1);
        return true;
      }
    }
    // Unicast NS is neighbour unreachability detection (RFC 4861 §7.3.1):
    // only the neighbour may answer, so it is forwarded.
    if (!ipv6Multicast(p, nd.dst)) return false;
    const t = this.arp.find(vniIdx, 6, ipv6Key(p, nd.target));
    if (!t || (t.macHi === llaHi && t.macLo === llaLo)) return false;
    const vid = this.ports.memberVid(port, vniIdx);
    if (vid < 0) return false;
    const slot = this.replySlot(out, port, vniIdx);
    if (slot < 0) return true;
    const flags = (t.flags & ARP_ROUTER ? NA_ROUTER : 0) | (t.flags & ARP_OVERRIDE ? NA_OVERRIDE : 0);
    const len = buildNeighborAdvert(p, nd, v.macs + 6, t.macHi, t.macLo, flags, vid, out.data, slot);
    this.sendToPort(out, port, vniIdx, len);
    this.count2(pb, vniIdx, ND_SUPPRESSED, 1);
    return true;
  }

  // -------------------------------------------------------------- underlay ---

  /**
   * Outer Ethernet/IP/UDP checks of a full underlay frame: leaves the VXLAN
   * header's offset and length in vxOff/vxLen and the outer source in srcKey,
   * or counts the drop and returns false.
   */
  private parseOuter(p: Uint8Array, o: number, len: number): boolean {
    const cfg = this.cfg;
    const u = cfg.underlay;
    if (len < ETH_HEADER) return this.fail(C.drop_runt);
    if (macHi(p, o) !== u.localMacHi || macLo(p, o) !== u.localMacLo) return this.fail(C.drop_not_for_us);
    const type = load16(p, o + 12);
    const ip = o + ETH_HEADER;
    const ipAvail = len - ETH_HEADER;
    let udp: number;
    let udpAvail: number;
    let pseudo: number;
    const family = u.family;
    if (type === ETH_IPV4 && family === 4) {
      if (ipAvail < IPV4_HEADER) return this.fail(C.drop_truncated);
      const ihl = (p[ip]! & 0x0f) * 4;
      if (p[ip]! >>> 4 !== 4 || ihl < IPV4_HEADER) return this.fail(C.drop_bad_ip_header);
      if (ipAvail < ihl) return this.fail(C.drop_truncated);
      if (csumFold(csumAdd(0, p, ip, ihl)) !== 0xffff) return this.fail(C.drop_ip_checksum); // RFC 791 §3.1
      const total = load16(p, ip + 2);
      if (total < ihl) return this.fail(C.drop_bad_ip_header);
      if (total > ipAvail) return this.fail(C.drop_truncated); // anything past `total` is Ethernet padding
      if (load16(p, ip + 6) & 0x3fff) return this.fail(C.drop_fragment); // MF or an offset: RFC 7348 §4.3 forbids fragmenting
      if (p[ip + 9] !== IPPROTO_UDP) return this.fail(C.drop_not_vxlan);
      const li = u.localIp;
      if (p[ip + 16] !== li[0] || p[ip + 17] !== li[1] || p[ip + 18] !== li[2] || p[ip + 19] !== li[3]) {
        return this.fail(C.drop_not_for_us);
      }
      this.srcKey = ipv4Key(p, ip + 12);
      udp = ip + ihl;
      udpAvail = total - ihl;
      pseudo = csumAdd(0, p, ip + 12, 8) + IPPROTO_UDP;
    } else if (type === ETH_IPV6 && family === 6) {
      if (ipAvail < IPV6_HEADER) return this.fail(C.drop_truncated);
      if (p[ip]! >>> 4 !== 6) return this.fail(C.drop_bad_ip_header);
      const plen = load16(p, ip + 4);
      if (plen > ipAvail - IPV6_HEADER) return this.fail(C.drop_truncated);
      // VXLAN senders put UDP right after the fixed header; extension headers
      // (a fragment header included) are not expected on a tunnel.
      if (p[ip + 6] !== IPPROTO_UDP) return this.fail(C.drop_not_vxlan);
      const li = u.localIp;
      for (let i = 0; i < 16; i++) if (p[ip + 24 + i] !== li[i]) return this.fail(C.drop_not_for_us);
      this.srcKey = ipv6Key(p, ip + 8);
      udp = ip + IPV6_HEADER;
      udpAvail = plen;
      pseudo = csumAdd(0, p, ip + 8, 32) + IPPROTO_UDP;
    } else {
      return this.fail(C.drop_not_vxlan);
    }
    if (udpAvail < UDP_HEADER) return this.fail(C.drop_truncated);
    const udpLen = load16(p, udp + 4);
    if (udpLen < UDP_HEADER || udpLen > udpAvail) return this.fail(C.drop_truncated);
    if (load16(p, udp + 2) !== u.udpPort) return this.fail(C.drop_bad_udp_port);
    const csum = load16(p, udp + 6);
    if (csum === 0) {
      // RFC 7348 §5: a zero checksum MUST be accepted over IPv4. Over IPv6 zero
      // means "none" only where RFC 6935 §5 is enabled by configuration.
      if (family === 6 && !cfg.ipv6ZeroChecksumRx) return this.fail(C.drop_udp_checksum);
    } else if (cfg.verifyUdpChecksum || family === 6) {
      if (csumFold(csumAdd(pseudo + udpLen, p, udp, udpLen)) !== 0xffff) return this.fail(C.drop_udp_checksum);
    }
    this.vxOff = udp + UDP_HEADER;
    this.vxLen = udpLen - UDP_HEADER;
    return true;
  }

  private fail(reason: number): false {
    this.drop(UNDERLAY_PORT, -1, reason);
    return false;
  }

  private underlayIn(p: Uint8Array, o: number, len: number, srcKey: IpKey | null, out: TxBatch): void {
    const U = UNDERLAY_PORT;
    const cv = this.ctr.values;
    const ub = this.ctr.underlayBase;
    cv[ub + RX_PACKETS]!++;
    cv[ub + RX_BYTES]! += len;
    if (srcKey !== null) {
      this.vxOff = o;
      this.vxLen = len;
      this.srcKey = srcKey;
    } else if (!this.parseOuter(p, o, len)) {
      return;
    }
    const vx = this.vxOff;
    const vxLen = this.vxLen;
    if (vxLen < VXLAN_HEADER) return this.drop(U, -1, C.drop_truncated);
    // RFC 7348 §5: the I flag MUST be set for a valid VNI; the other flag bits
    // and the reserved fields are ignored on receipt.
    if (!(p[vx]! & VXLAN_FLAG_I)) return this.drop(U, -1, C.drop_vxlan_flags);
    const vi = this.vnis.find(load24(p, vx + 4));
    if (vi < 0) return this.drop(U, -1, C.drop_unknown_vni);
    if (this.vteps.findByIp(this.srcKey) < 0) return this.drop(U, vi, C.drop_unknown_vtep);
    const inner = vx + VXLAN_HEADER;
    const innerLen = vxLen - VXLAN_HEADER;
    if (innerLen < ETH_HEADER) return this.drop(U, vi, C.drop_runt);
    if (innerLen > this.cfg.maxFrameLen) return this.drop(U, vi, C.drop_oversize);
    if (reservedGroupMac(p, inner)) return this.drop(U, vi, C.drop_reserved_mac);
    const sHi = macHi(p, inner + 6);
    if (macHiIsGroup(sHi) || (sHi === 0 && macLo(p, inner + 6) === 0)) return this.drop(U, vi, C.drop_bad_src_mac);
    const type = load16(p, inner + 12);
    // RFC 7348 §6.1: decapsulated frames with an inner VLAN tag SHOULD be discarded.
    if (type === ETH_VLAN || type === ETH_QINQ) return this.drop(U, vi, C.drop_inner_vlan);
    const vb = this.ctr.vni(vi);
    cv[vb + RX_PACKETS]!++;
    cv[vb + RX_BYTES]! += innerLen;
    // EVPN learns remote MACs from the control plane (RFC 7432 §9.2.2,
    // RFC 8365 §5.1.4): no data-plane learning from the tunnel.
    const v = this.v;
    v.buf = p;
    v.macs = inner;
    v.etherType = type;
    v.payload = inner + ETH_HEADER;
    v.payloadLen = innerLen - ETH_HEADER;
    // Symmetric IRB (RFC 9135 §5.2): the L3VNI carries routed packets to our
    // Router's MAC, routed again here into the host's subnet.
    let tenant = this.l3Tenant[vi]!;
    if (tenant !== NO_TENANT) {
      const tn = this.tenants[tenant]!;
      if (macHi(p, inner) !== tn.rmacHi || macLo(p, inner) !== tn.rmacLo) return this.drop(U, vi, C.drop_not_for_us);
      return this.route(v, vi, tenant, U, out);
    }
    tenant = this.vniTenant[vi]!;
    if (tenant !== NO_TENANT && this.isGatewayMac(vi, p, inner)) return this.route(v, vi, tenant, U, out);
    this.forward(v, vi, U, out);
  }

  // ----------------------------------------------------------------- route ---

  /** The frame at p[o] is sent to the VNI's anycast gateway MAC. */
  private isGatewayMac(vniIdx: number, p: Uint8Array, o: number): boolean {
    const g = this.gateways[vniIdx]!;
    return (g.macHi !== 0 || g.macLo !== 0) && macHi(p, o) === g.macHi && macLo(p, o) === g.macLo;
  }

  /** p[o] (4 or 16 octets) is the VNI's anycast gateway address. */
  private gatewayIs(vniIdx: number, family: number, p: Uint8Array, o: number): boolean {
    const g = this.gateways[vniIdx]!;
    if (family === 4) return g.has4 && load32(p, o) === g.ip4;
    if (!g.has6) return false;
    for (let i = 0; i < 16; i++) if (p[o + i] !== g.ip6[i]) return false;
    return true;
  }

  /**
   * Routing (RFC 9135 symmetric IRB). `vniIdx` is the ingress VNI (an L2VNI,
   * or the L3VNI for underlay input) and `tenant` the table to look in.
   */
  private route(v: FrameView, vniIdx: number, tenant: number, inPort: number, out: TxBatch): void {
    const p = v.buf;
    const ip = v.payload;
    const len = v.payloadLen;
    let dst: number;
    const v4 = v.etherType === ETH_IPV4;
    if (v4) {
      const ihl = (p[ip]! & 0x0f) * 4;
      // RFC 1812 §5.2.2: a router checks version, length and header checksum.
      if (len < IPV4_HEADER || p[ip]! >>> 4 !== 4 || ihl < IPV4_HEADER || ihl > len || load16(p, ip + 2) < ihl || load16(p, ip + 2) > len || csumFold(csumAdd(0, p, ip, ihl)) !== 0xffff) {
        return this.drop(inPort, vniIdx, C.drop_l3_bad_ip);
      }
      dst = ip + 16;
      // RFC 1812 §5.3.7: multicast, reserved, broadcast, "this network" and
      // loopback destinations are never forwarded.
      if (p[dst]! >= 224 || p[dst] === 0 || p[dst] === 127) return this.drop(inPort, vniIdx, C.drop_not_routable);
      if (p[ip + 8]! <= 1) return this.drop(inPort, vniIdx, C.drop_ttl);
    } else if (v.etherType === ETH_IPV6) {
      if (len < IPV6_HEADER || p[ip]! >>> 4 !== 6 || IPV6_HEADER + load16(p, ip + 4) > len) return this.drop(inPort, vniIdx, C.drop_l3_bad_ip);
      dst = ip + 24;
      // RFC 4291 §2.5.6, §2.7: link-local and multicast destinations stay on the link.
      if (p[dst] === 0xff || (p[dst] === 0xfe && (p[dst + 1]! & 0xc0) === 0x80)) return this.drop(inPort, vniIdx, C.drop_not_routable);
      if (p[ip + 7]! <= 1) return this.drop(inPort, vniIdx, C.drop_ttl);
    } else {
      return this.drop(inPort, vniIdx, C.drop_not_routable);
    }
    // No ICMP time exceeded / unreachable: the fast path has no address of its own in the tenant.
    const nh = this.lpm.lookup(tenant, v4 ? 4 : 6, p, dst);
    if (!nh) return this.drop(inPort, vniIdx, C.drop_no_route);
    const tn = this.tenants[tenant]!;
    const cv = this.ctr.values;
    if (!(nh.flags & ROUTE_LOCAL)) {
      // What came from the overlay never goes back into it.
      if (inPort === UNDERLAY_PORT) return this.drop(inPort, vniIdx, C.drop_hairpin);
      const r = this.vteps.get(nh.target);
      if (!r) return this.drop(inPort, vniIdx, C.drop_vtep_down);
      const slot = out.next();
      if (slot < 0) return this.drop(inPort, vniIdx, C.drop_no_tx_slot);
      // RFC 9135 §5.1: inner destination = the remote Router's MAC, source =
      // ours; written once, in place, behind the prebuilt outer header.
      const d = out.data;
      const inner = slot + r.header.length;
      storeMac(d, inner, nh.rmacHi, nh.rmacLo);
      storeMac(d, inner + 6, tn.rmacHi, tn.rmacLo);
      store16(d, inner + 12, v.etherType);
      vxlan.copy(p, ip, len, d, inner + ETH_HEADER);
      decrementTtl(d, inner + ETH_HEADER, v4);
      const flen = finishOuter(r.header, nh.vni, innerFlowHash(p, v.macs, v.etherType, v.payload, v.payloadLen), ETH_HEADER + len, d, slot);
      out.push(EGRESS_VTEP, nh.target, nh.vni, r.header.length - VXLAN_HEADER, flen);
      cv[this.ingressBase(inPort) + ROUTED_PACKETS]!++;
      cv[this.ctr.vni(vniIdx) + ROUTED_PACKETS]!++;
      this.count2(this.ctr.underlayBase, tn.l3VniIdx, TX_PACKETS, 1);
      this.count2(this.ctr.underlayBase, tn.l3VniIdx, TX_BYTES, flen);
      return;
    }
    // A connected subnet: the host's MAC from the target VNI's ARP/ND table.
    // EVPN learns most bindings; a silent host is asked for (glean) and the
    // packet itself is dropped, not queued.
    const tvi = nh.target;
    const host = this.arp.find(tvi, v4 ? 4 : 6, v4 ? ipv4Key(p, dst) : ipv6Key(p, dst));
    if (!host) {
      this.drop(inPort, vniIdx, C.drop_unresolved);
      return this.glean(tvi, v4, p, dst, inPort, out);
    }
    const s = this.scratch;
    const g = this.gateways[tvi]!;
    storeMac(s, 0, host.macHi, host.macLo);
    if (g.macHi !== 0 || g.macLo !== 0) storeMac(s, 6, g.macHi, g.macLo);
    else storeMac(s, 6, tn.rmacHi, tn.rmacLo);
    vxlan.copy(p, ip, len, s, 12);
    decrementTtl(s, 12, v4);
    cv[this.ingressBase(inPort) + ROUTED_PACKETS]!++;
    cv[this.ctr.vni(vniIdx) + ROUTED_PACKETS]!++;
    // Then bridged in the target VNI (its FDB), as a frame from the gateway.
    const rv = this.rv;
    rv.macs = 0;
    rv.etherType = v.etherType;
    rv.payload = 12;
    rv.payloadLen = len;
    const fdb = this.fdb;
    const e = fdb.find(tvi, host.macHi, host.macLo);
    if (e >= 0 && !(fdb.flags[e]! & FDB_REMOTE)) return this.toPort(rv, tvi, fdb.target[e]!, inPort, out);
    if (e >= 0) {
      if (inPort === UNDERLAY_PORT) return this.drop(inPort, tvi, C.drop_hairpin);
      return this.toVtep(rv, tvi, fdb.target[e]!, innerFlowHash(s, 0, rv.etherType, 12, len), inPort, out);
    }
    cv[this.ingressBase(inPort) + RX_UNKNOWN_UNICAST]!++;
    cv[this.ctr.vni(tvi) + RX_UNKNOWN_UNICAST]!++;
    this.flood(rv, tvi, inPort, out);
  }

  // ----------------------------------------------------------------- glean ---

  /**
   * A router resolves a connected destination itself (RFC 1812 §3.3.2, RFC
   * 826; RFC 4861 §7.2.2 for IPv6): an ARP request / NS from the target VNI's
   * anycast gateway, flooded in that VNI like any BUM frame. The host answers
   * to the gateway MAC, which every VTEP owns, so the VTEP local to it snoops
   * the reply, installs the binding and advertises it (RFC 9135 §5).
   */
  private glean(tvi: number, v4: boolean, d: Uint8Array, dst: number, inPort: number, out: TxBatch): void {
    const g = this.gateways[tvi]!;
    // No gateway address of that family to ask from; never ask for our own.
    if ((g.macHi === 0 && g.macLo === 0) || !(v4 ? g.has4 : g.has6) || this.gatewayIs(tvi, v4 ? 4 : 6, d, dst)) return;
    const ipLen = v4 ? 4 : 16;
    // Not the same (VNI, IP) twice in a second of the pipeline clock.
    const key = (1 + 2 * tvi + (v4 ? 0 : 1)) >>> 0;
    let h = tvi;
    for (let i = 0; i < ipLen; i += 4) h = Math.imul(h ^ load32(d, dst + i), 0x9e3779b1);
    const slot = h >>> (32 - GLEAN_SLOT_BITS);
    const now = this.now;
    const ips = this.gleanIp;
    let same = this.gleanKey[slot] === key;
    for (let i = 0; same && i < ipLen; i++) same = ips[slot * 16 + i] === d[dst + i];
    if (same && this.gleanSeenStamp[slot] === now) return this.drop(inPort, tvi, C.glean_rate_limited);
    // Token bucket over the whole pipeline, refilled in whole seconds (as arpAdmit).
    const elapsed = (now - this.gleanStamp) >>> 0;
    if (elapsed !== 0) {
      const t = this.gleanTokens + elapsed * GLEAN_RATE;
      this.gleanTokens = t > GLEAN_RATE ? GLEAN_RATE : t;
      this.gleanStamp = now;
    }
    if (this.gleanTokens === 0) return this.drop(inPort, tvi, C.glean_rate_limited);
    this.gleanTokens--;
    this.gleanKey[slot] = key;
    this.gleanSeenStamp[slot] = now;
    for (let i = 0; i < 16; i++) ips[slot * 16 + i] = i < ipLen ? d[dst + i]! : 0;

    const p = this.gleanFrame;
    let len: number;
    let type: number;
    if (v4) {
      storeMac(p, 0, 0xffff, 0xffffffff);
      type = ETH_ARP;
      const a = ETH_HEADER;
      store16(p, a, 1); // htype Ethernet
      store16(p, a + 2, ETH_IPV4);
      p[a + 4] = 6;
      p[a + 5] = 4;
      store16(p, a + 6, ARP_REQUEST);
      storeMac(p, a + 8, g.macHi, g.macLo);
      store32(p, a + 14, g.ip4);
      p.fill(0, a + 18, a + 24); // target hardware address unknown
      for (let i = 0; i < 4; i++) p[a + 24 + i] = d[dst + i]!;
      p.fill(0, a + ARP_LEN, ETH_MIN_FRAME);
      len = ETH_MIN_FRAME;
    } else {
      // To the solicited-node group of the target (RFC 4291 §2.7.1), whose
      // MAC is 33:33 + its last 32 bits (RFC 2464 §7).
      p[0] = 0x33;
      p[1] = 0x33;
      p[2] = 0xff;
      for (let i = 0; i < 3; i++) p[3 + i] = d[dst + 13 + i]!;
      type = ETH_IPV6;
      const ip = ETH_HEADER;
      store32(p, ip, 0x60000000);
      store16(p, ip + 4, 32);
      p[ip + 6] = IPPROTO_ICMPV6;
      p[ip + 7] = 255; // RFC 4861 §7.1.1: hop limit 255
      p.set(g.ip6, ip + 8);
      for (let i = 0; i < 13; i++) p[ip + 24 + i] = SOLICITED_PREFIX[i]!;
      for (let i = 0; i < 3; i++) p[ip + 37 + i] = d[dst + 13 + i]!;
      const icmp = ip + IPV6_HEADER;
      p[icmp] = ND_SOLICIT;
      p[icmp + 1] = 0;
      store16(p, icmp + 2, 0);
      store32(p, icmp + 4, 0);
      for (let i = 0; i < 16; i++) p[icmp + 8 + i] = d[dst + i]!;
      p[icmp + 24] = 1; // source link-layer address option (RFC 4861 §4.6.1), 8 octets
      p[icmp + 25] = 1;
      storeMac(p, icmp + 26, g.macHi, g.macLo);
      const sum = csumAdd(0, p, ip + 8, 32) + 32 + IPPROTO_ICMPV6; // RFC 8200 §8.1 pseudo-header
      store16(p, icmp + 2, ~csumFold(csumAdd(sum, p, icmp, 32)) & 0xffff);
      len = ETH_HEADER + IPV6_HEADER + 32;
    }
    storeMac(p, 6, g.macHi, g.macLo);
    store16(p, 12, type);
    this.drop(inPort, tvi, C.glean_requests); // on the ingress block and the target VNI, as drops are
    const gv = this.gv;
    gv.etherType = type;
    gv.payloadLen = len - ETH_HEADER;
    this.flood(gv, tvi, GLEAN_PORT, out);
  }

  // --------------------------------------------------------------- forward ---

  private ingressBase(inPort: number): number {
    return inPort === UNDERLAY_PORT ? this.ctr.underlayBase : this.ctr.port(inPort);
  }

  private forward(v: FrameView, vniIdx: number, inPort: number, out: TxBatch): void {
    const p = v.buf;
    const dHi = macHi(p, v.macs);
    const cv = this.ctr.values;
    if (!macHiIsGroup(dHi)) {
      const fdb = this.fdb;
      const s = fdb.find(vniIdx, dHi, macLo(p, v.macs));
      if (s >= 0) {
        const target = fdb.target[s]!;
        if (fdb.flags[s]! & FDB_REMOTE) {
          // Split horizon: what came from the overlay never goes back into it.
          if (inPort === UNDERLAY_PORT) return this.drop(inPort, vniIdx, C.drop_hairpin);
          return this.toVtep(v, vniIdx, target, innerFlowHash(p, v.macs, v.etherType, v.payload, v.payloadLen), inPort, out);
        }
        if (target === inPort) return this.drop(inPort, vniIdx, C.drop_hairpin);
        return this.toPort(v, vniIdx, target, inPort, out);
      }
      cv[this.ingressBase(inPort) + RX_UNKNOWN_UNICAST]!++;
      cv[this.ctr.vni(vniIdx) + RX_UNKNOWN_UNICAST]!++;
    } else {
      cv[this.ingressBase(inPort) + RX_BUM]!++;
      cv[this.ctr.vni(vniIdx) + RX_BUM]!++;
    }
    this.flood(v, vniIdx, inPort, out);
  }

  private flood(v: FrameView, vniIdx: number, inPort: number, out: TxBatch): void {
    const cv = this.ctr.values;
    const vb = this.ctr.vni(vniIdx);
    const vnis = this.vnis;
    const n = vnis.ports(vniIdx);
    const base = vniIdx * vnis.maxPorts;
    for (let i = 0; i < n; i++) {
      const member = vnis.portList[base + i]!;
      if (member === inPort) continue;
      const before = out.count;
      this.toPort(v, vniIdx, member, inPort, out);
      cv[vb + FLOOD_COPIES]! += out.count - before;
    }
    // Ingress replication (RFC 8365 §8.3.1): one copy per remote VTEP of the
    // VNI's flood list. Frames from the underlay only go to local ports.
    if (inPort === UNDERLAY_PORT) return;
    const m = vnis.floods(vniIdx);
    if (!m) return;
    const hash = innerFlowHash(v.buf, v.macs, v.etherType, v.payload, v.payloadLen);
    const fbase = vniIdx * vnis.maxFlood;
    for (let i = 0; i < m; i++) {
      const before = out.count;
      this.toVtep(v, vniIdx, vnis.floodList[fbase + i]!, hash, inPort, out);
      cv[vb + FLOOD_COPIES]! += out.count - before;
    }
  }

  private toPort(v: FrameView, vniIdx: number, port: number, inPort: number, out: TxBatch): void {
    const vid = this.ports.memberVid(port, vniIdx);
    if (vid < 0) return this.drop(inPort, vniIdx, C.drop_no_member);
    const slot = out.next();
    if (slot < 0) return this.drop(inPort, vniIdx, C.drop_no_tx_slot);
    const len = writeFrame(v, vid, out.data, slot);
    this.sendToPort(out, port, vniIdx, len);
  }

  /** A TX slot for a reply on `port`; -1 when the batch is full (counted as a drop: the request is consumed). */
  private replySlot(out: TxBatch, port: number, vniIdx: number): number {
    const slot = out.next();
    if (slot < 0) this.drop(port, vniIdx, C.drop_no_tx_slot);
    return slot;
  }

  /** The frame just written to `out`'s slot leaves on access port `port`, counted there. */
  private sendToPort(out: TxBatch, port: number, vniIdx: number, len: number): void {
    out.push(EGRESS_PORT, port, this.vnis.vniOf(vniIdx), 0, len);
    const pb = this.ctr.port(port);
    this.count2(pb, vniIdx, TX_PACKETS, 1);
    this.count2(pb, vniIdx, TX_BYTES, len);
  }

  private toVtep(v: FrameView, vniIdx: number, vtep: number, flowHash: number, inPort: number, out: TxBatch): void {
    const r = this.vteps.get(vtep);
    if (!r) return this.drop(inPort, vniIdx, C.drop_vtep_down);
    const slot = out.next();
    if (slot < 0) return this.drop(inPort, vniIdx, C.drop_no_tx_slot);
    const vni = this.vnis.vniOf(vniIdx);
    const len = encapsulate(r.header, vni, flowHash, v, out.data, slot);
    out.push(EGRESS_VTEP, vtep, vni, r.header.length - VXLAN_HEADER, len);
    this.count2(this.ctr.underlayBase, vniIdx, TX_PACKETS, 1);
    this.count2(this.ctr.underlayBase, vniIdx, TX_BYTES, len);
  }

  // ----------------------------------------------------------------- probe ---

  /**
   * RFC 5227 §2.1.1: an ARP request with sender IP 0 and target hardware
   * address 0, so no host updates its cache from it. Unicast to the MAC the
   * control plane believes owns the IP (the migration check: does the host
   * still answer here?), from the probe MAC so the reply is recognised in
   * arpIn() and becomes a probeReply event instead of being forwarded.
   * The frame goes to controlTx; false when the port is not in the VNI or no
   * control slot is free.
   */
  sendProbe(port: number, vniIdx: number, tHi: number, tLo: number, ip4: Uint8Array, ipOff: number): boolean {
    const vid = this.ports.memberVid(port, vniIdx);
    if (vid < 0) return false;
    const tx = this.controlTx;
    const o = tx.next();
    if (o < 0) return false;
    const d = tx.data;
    const cfg = this.cfg;
    let min = ETH_MIN_FRAME;
    storeMac(d, o, tHi, tLo);
    storeMac(d, o + 6, cfg.probeMacHi, cfg.probeMacLo);
    let off = o + 12;
    if (vid) {
      store16(d, off, ETH_VLAN);
      store16(d, off + 2, vid);
      off += VLAN_TAG;
      min += VLAN_TAG;
    }
    store16(d, off, ETH_ARP);
    const a = off + 2;
    store16(d, a, 1); // htype Ethernet
    store16(d, a + 2, ETH_IPV4);
    d[a + 4] = 6;
    d[a + 5] = 4;
    store16(d, a + 6, ARP_REQUEST);
    storeMac(d, a + 8, cfg.probeMacHi, cfg.probeMacLo);
    d.fill(0, a + 14, a + 24); // spa 0.0.0.0, tha 0
    for (let i = 0; i < 4; i++) d[a + 24 + i] = ip4[ipOff + i]!;
    let len = a + ARP_LEN - o;
    if (len < min) {
      d.fill(0, o + len, o + min);
      len = min;
    }
    tx.push(EGRESS_PORT, port, this.vnis.vniOf(vniIdx), 0, len);
    const pb = this.ctr.port(port);
    this.count2(pb, vniIdx, PROBES_SENT, 1);
    this.count2(pb, vniIdx, TX_PACKETS, 1);
    this.count2(pb, vniIdx, TX_BYTES, len);
    return true;
  }
}

/** A JS port number as the addon reads it: negative = underlay, else its uint32 value. */
function portNumber(n: number): number {
  const t = Math.trunc(n);
  return t < 0 ? UNDERLAY_PORT : t >>> 0;
}

/** Appends a batch's frames to `out`, copied into one buffer (the slots are reused). */
function collect(tx: TxBatch, out: OutputFrame[]): void {
  const n = tx.count;
  if (!n) return;
  let total = 0;
  for (let i = 0; i < n; i++) total += tx.len[i]!;
  const data = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = tx.len[i]!;
    const o = tx.offset(i);
    data.set(tx.data.subarray(o, o + len), at);
    const bytes = data.subarray(at, at + len);
    at += len;
    if (tx.kind[i] === EGRESS_PORT) out.push({ egress: { kind: 'port', port: tx.index[i]! }, vni: tx.vni[i]!, bytes });
    else out.push({ egress: { kind: 'vtep', vtepIdx: tx.index[i]! }, vni: tx.vni[i]!, bytes, vxlanOffset: tx.l4Offset[i]! });
  }
}
