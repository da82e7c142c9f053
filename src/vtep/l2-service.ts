import type { EvpnImporter } from '../evpn/import';
import type { EvpnEvent } from '../evpn/events';
import { originateImet, originateMacIp, type L2Origin, type L3Origin } from '../evpn/originate';
import type { DataplaneEvent } from '../dataplane/events';
import type { DataplaneOp } from '../dataplane/ops';
import type { Programmer } from '../dataplane/programmer';
import type { RibApi } from '../rib/api';
import type { Clock, TimerHandle } from '../util/clock';
import type { Ip } from '../util/ip';
import type { Logger } from '../util/log';
import type { Mac } from '../util/mac';

/**
 * The EVPN L2 service of a VTEP (RFC 7432, RFC 8365): what it advertises
 * for the hosts the data plane learns, and what it does when BGP says a host
 * moved. Pure logic over three narrow interfaces (RIB, importer, data plane)
 * and a clock, so scenario tests drive it without sockets.
 */

/** The part of the data plane this service drives. */
export interface VtepDataplane {
  applyOps(ops: readonly DataplaneOp[]): void;
  /** An RFC 5227 ARP probe (sender IP 0.0.0.0) unicast to `mac` on `port`: is the host still here? */
  sendArpProbe(p: { port: number; vni: number; mac: Mac; ip: Ip }): void;
}

export interface L2VniService {
  vni: number;
  /** Data-plane port index of the access interface, and its 802.1Q VID (0 = untagged). */
  port: number;
  vid: number;
  origin: L2Origin;
  /** `max-macs`: most MACs the data plane learns on this VNI (beyond it frames are forwarded, not learned). */
  maxMacs?: number;
  /** `port-limits` of the access port (0 = none): learned MACs, ARP/ND frames per second and burst. */
  portLimits?: { maxMacs: number; arpRate: number; arpBurst: number };
  /** The tenant this VNI routes in (symmetric IRB): its MAC+IP routes carry label2, the tenant's RTs and Router's MAC (RFC 9135). */
  l3?: L3Origin;
}

export interface L2ServiceOptions {
  vtepIp: Ip;
  vnis: readonly L2VniService[];
  rib: Pick<RibApi, 'originate' | 'withdrawLocal'>;
  importer: EvpnImporter;
  programmer: Programmer;
  dataplane: VtepDataplane;
  clock: Clock;
  log: Logger;
  /** RFC 7432 §15 / FRR: probe timeout and duplicate address detection. */
  migration: { probeTimeoutMs: number; dad: { maxMoves: number; windowSeconds: number } };
}

/** A host learned on one of our access ports. */
interface LocalHost {
  vni: number;
  mac: Mac;
  port: number;
  ips: Set<Ip>;
  /** The MAC Mobility sequence number we advertise for it. */
  seq: number;
  /** Times (ms) of recent moves, for duplicate address detection. */
  moves: number[];
  /** DAD froze it: we keep forwarding but no longer fight over it. */
  frozen: boolean;
  probe: TimerHandle | null;
}

export interface L2ServiceCounters {
  localMacs: number;
  advertised: number;
  withdrawn: number;
  probesSent: number;
  probeReplies: number;
  probeTimeouts: number;
  moves: number;
  frozen: number;
}

export class L2Service {
  private readonly hosts = new Map<string, LocalHost>();
  private readonly vnis = new Map<number, L2VniService>();
  readonly counters: L2ServiceCounters = { localMacs: 0, advertised: 0, withdrawn: 0, probesSent: 0, probeReplies: 0, probeTimeouts: 0, moves: 0, frozen: 0 };

  constructor(private readonly o: L2ServiceOptions) {
    for (const v of o.vnis) this.vnis.set(v.vni, v);
  }

  /** Sets up the VNIs and ports in the data plane and joins each VNI's flood tree (type 3). */
  start(): void {
    const ops: DataplaneOp[] = [];
    for (const v of this.o.vnis) {
      ops.push({ op: 'vniAdd', vni: v.vni });
      ops.push({ op: 'portAdd', port: v.port, vni: v.vni, vid: v.vid });
      if (v.maxMacs !== undefined) ops.push({ op: 'vniLimits', vni: v.vni, maxMacs: v.maxMacs });
    }
    // One portLimits op per access port (VNIs on VLANs of one interface share it; the config makes their limits agree).
    const limited = new Set<number>();
    for (const v of this.o.vnis) {
      if (!v.portLimits || limited.has(v.port)) continue;
      limited.add(v.port);
      ops.push({ op: 'portLimits', port: v.port, maxMacs: v.portLimits.maxMacs, arpRate: v.portLimits.arpRate, arpBurst: v.portLimits.arpBurst });
    }
    this.o.dataplane.applyOps(ops);
    for (const v of this.o.vnis) {
      const r = originateImet(v.origin, this.o.vtepIp);
      this.o.rib.originate(r.route, r.attrs);
    }
  }

  /** Withdraws everything this VTEP advertises (shutdown). */
  stop(): void {
    for (const h of this.hosts.values()) {
      if (h.probe) this.o.clock.clearTimer(h.probe);
      this.withdrawHost(h);
    }
    this.hosts.clear();
    for (const v of this.o.vnis) this.o.rib.withdrawLocal(originateImet(v.origin, this.o.vtepIp).route);
  }

  /** One batch from the data plane's event ring. */
  onDataplaneEvents(events: readonly DataplaneEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'macLearned':
          this.learned(e.vni, e.mac, e.port, false);
          break;
        case 'macMoved':
          // From another port of ours: same VTEP, nothing to tell BGP. From a
          // remote VTEP: the host migrated here (RFC 7432 §15).
          if (e.from.kind === 'vtep') this.learned(e.vni, e.mac, e.port, true);
          else {
            const h = this.hosts.get(key(e.vni, e.mac));
            if (h) h.port = e.port;
            else this.learned(e.vni, e.mac, e.port, false);
          }
          break;
        case 'ipBinding': {
          const h = this.hosts.get(key(e.vni, e.mac)) ?? this.learned(e.vni, e.mac, e.port, false);
          if (h && !h.ips.has(e.ip)) {
            h.ips.add(e.ip);
            this.advertise(h, e.ip);
          }
          break;
        }
        case 'probeReply':
          this.probeAnswered(e.vni, e.mac, e.ip);
          break;
        case 'macAged': {
          const h = this.hosts.get(key(e.vni, e.mac));
          if (h) this.forget(h, 'aged out');
          break;
        }
      }
    }
  }

  /** One batch of EVPN changes after a RIB flush: program the data plane, and react to hosts moving away. */
  onEvpnEvents(events: readonly EvpnEvent[]): void {
    const ops = this.o.programmer.program(events);
    if (ops.length) this.o.dataplane.applyOps(ops);
    for (const e of events) {
      if (e.kind === 'macMoved' && e.fromLocal && !e.local) this.movedAway(e.vni, e.mac, e.to, e.seq);
    }
  }

  private learned(vni: number, mac: Mac, port: number, fromRemote: boolean): LocalHost | undefined {
    if (!this.vnis.has(vni)) return undefined;
    const k = key(vni, mac);
    let h = this.hosts.get(k);
    const evi = this.o.importer.evis.get(vni);
    // RFC 7432 §15: one more than the highest sequence number any other VTEP advertises for it.
    const seq = evi ? evi.sequenceForLocal(mac) : 0;
    if (!h) {
      h = { vni, mac, port, ips: new Set(), seq, moves: [], frozen: false, probe: null };
      this.hosts.set(k, h);
      this.counters.localMacs++;
    } else {
      h.port = port;
      h.seq = Math.max(h.seq, seq);
    }
    if (fromRemote) {
      if (h.probe) {
        // The host sent a frame at its old port while we probe it (the probe's own
        // reply is learned before it is recognised as one): it answered. One move,
        // one re-advertisement; the reply event that follows adds nothing.
        this.o.clock.clearTimer(h.probe);
        h.probe = null;
        this.counters.probeReplies++;
        this.o.log.warn('host answered the probe at its old port: it is present at two VTEPs', { vni, mac, seq: h.seq });
      }
      this.countMove(h);
    }
    if (!h.frozen) this.advertiseAll(h);
    return h;
  }

  /** Another VTEP now wins the MAC: traffic already follows it; check whether the host is really gone. */
  private movedAway(vni: number, mac: Mac, to: Ip, seq: number): void {
    const h = this.hosts.get(key(vni, mac));
    if (!h || h.probe || h.frozen) return;
    const ip = [...h.ips][0];
    this.o.log.info('host moved to another VTEP; probing its old port', { vni, mac, to, seq, port: h.port, ip: ip ?? null });
    if (ip === undefined) {
      // Nothing to probe with (a MAC-only host): trust the newer advertisement.
      this.forget(h, `moved to ${to}`);
      return;
    }
    this.o.dataplane.sendArpProbe({ port: h.port, vni, mac, ip });
    this.counters.probesSent++;
    h.probe = this.o.clock.setTimer(this.o.clock.now() + this.o.migration.probeTimeoutMs, () => {
      h.probe = null;
      this.counters.probeTimeouts++;
      this.forget(h, `no answer to the probe within ${this.o.migration.probeTimeoutMs} ms`);
    });
  }

  /** The host answered: it lives here too. Re-advertise above the other VTEP and count a move. */
  private probeAnswered(vni: number, mac: Mac, ip: Ip): void {
    const h = this.hosts.get(key(vni, mac));
    if (!h) {
      this.counters.probeReplies++;
      return;
    }
    if (!h.probe) {
      // Already handled when the reply's source MAC was learned (or a late, repeated answer).
      if (!h.ips.has(ip)) {
        h.ips.add(ip);
        if (!h.frozen) this.advertise(h, ip);
      }
      return;
    }
    this.counters.probeReplies++;
    this.o.clock.clearTimer(h.probe);
    h.probe = null;
    h.ips.add(ip);
    this.countMove(h);
    if (h.frozen) return;
    const evi = this.o.importer.evis.get(vni);
    h.seq = Math.max(h.seq + 1, evi ? evi.sequenceForLocal(mac) : 0);
    this.o.log.warn('host answered the probe at its old port: it is present at two VTEPs', { vni, mac, ip, seq: h.seq });
    this.advertiseAll(h);
  }

  /** Duplicate address detection (RFC 7432 §15.1; FRR's 5 moves in 180 s): freeze a flapping MAC. */
  private countMove(h: LocalHost): void {
    const now = this.o.clock.now();
    const windowMs = this.o.migration.dad.windowSeconds * 1000;
    h.moves = h.moves.filter((t) => now - t < windowMs);
    h.moves.push(now);
    this.counters.moves++;
    if (!h.frozen && h.moves.length >= this.o.migration.dad.maxMoves) {
      h.frozen = true;
      this.counters.frozen++;
      this.o.log.error('duplicate address detected: MAC frozen', { vni: h.vni, mac: h.mac, moves: h.moves.length, windowSeconds: this.o.migration.dad.windowSeconds });
    }
  }

  private advertiseAll(h: LocalHost): void {
    this.advertise(h, undefined);
    for (const ip of h.ips) this.advertise(h, ip);
  }

  private advertise(h: LocalHost, ip: Ip | undefined): void {
    const v = this.vnis.get(h.vni)!;
    const r = originateMacIp(v.origin, h.mac, { seq: h.seq, ...(ip === undefined ? {} : { ip }), ...(v.l3 ? { l3: v.l3 } : {}) });
    this.o.rib.originate(r.route, r.attrs);
    this.counters.advertised++;
  }

  private withdrawHost(h: LocalHost): void {
    const v = this.vnis.get(h.vni)!;
    for (const ip of [undefined, ...h.ips]) {
      this.o.rib.withdrawLocal(originateMacIp(v.origin, h.mac, ip === undefined ? {} : { ip }).route);
      this.counters.withdrawn++;
    }
  }

  private forget(h: LocalHost, why: string): void {
    if (h.probe) this.o.clock.clearTimer(h.probe);
    this.hosts.delete(key(h.vni, h.mac));
    this.counters.localMacs--;
    this.withdrawHost(h);
    this.o.dataplane.applyOps([{ op: 'localMacDel', vni: h.vni, mac: h.mac }]);
    this.o.log.info('local host withdrawn', { vni: h.vni, mac: h.mac, why });
  }

  /** The configured L2VNIs, for `show vnis`. */
  services(): readonly L2VniService[] {
    return this.o.vnis;
  }

  /** Local hosts, for `show macs`. */
  localHosts(): { vni: number; mac: Mac; port: number; ips: Ip[]; seq: number; frozen: boolean; probing: boolean }[] {
    return [...this.hosts.values()].map((h) => ({ vni: h.vni, mac: h.mac, port: h.port, ips: [...h.ips], seq: h.seq, frozen: h.frozen, probing: h.probe !== null }));
  }
}

function key(vni: number, mac: Mac): string {
  return `${vni}/${mac}`;
}
