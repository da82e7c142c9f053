import { Speaker, type SpeakerOptions } from '../bgp/speaker';
import { readFileSync } from 'node:fs';
import { DEFAULTS, resolveL2vni, resolveVrf, type VtepConfig } from '../config';
import { formatRouteTarget } from '../bgp/wire/ext-community';
import type { DataplaneEvent } from '../dataplane/events';
import { Programmer } from '../dataplane/programmer';
import { EvpnImporter } from '../evpn/import';
import { Rib } from '../rib/rib';
import type { Ip } from '../util/ip';
import type { Logger } from '../util/log';
import type { Mac } from '../util/mac';
import { SystemClock, type Clock } from '../util/clock';
import { isMac, isMulticastMac } from '../util/mac';
import { L2Service, type VtepDataplane } from './l2-service';
import { L3Service, type L3Dataplane } from './l3-service';

/**
 * An EVPN VTEP: the composition of the speaker, the RIB, EVPN import, the
 * L2 service and a data plane. Wiring only; the behaviour lives in the parts.
 *
 *   data plane events ──▶ L2Service ──▶ speaker.originate ──▶ RIB ──▶ peers
 *   config (vrfs) ──▶ L3Service ──▶ speaker.originate (type 5)
 *   peers ──▶ RIB ──▶ importer (MAC-VRFs) ──▶ L2Service ──▶ programmer ──▶ data plane ops
 *                             (IP-VRFs)  ──▶ L3Service ──▶ L3 data plane intents (when present)
 */

/** What a VTEP needs of its data plane, whichever backend runs it. */
export interface VtepDataplaneDriver extends VtepDataplane {
  onEvents(fn: (events: readonly DataplaneEvent[]) => void): () => void;
}

export interface VtepOptions {
  config: VtepConfig;
  dataplane: VtepDataplaneDriver;
  /** Data-plane port index of each access interface named in the config. */
  portOf: (ifname: string) => number;
  log: Logger;
  clock?: Clock;
  maxVteps?: number;
  /** Next-hop MAC towards a VTEP on the underlay, if the backend needs it. */
  nextHopMac?: (vtep: Ip) => Mac | undefined;
  /** Wraps the RIB the speaker sees (metrics instrumentation). */
  instrument?: (rib: Rib) => Rib;
  /** Passed to the speaker (tests: ports, timers). */
  speaker?: Partial<SpeakerOptions>;
  /** MAC of the underlay interface, for "auto" router MACs; default: read from sysfs when `underlay.interface` is named. */
  underlayMac?: Mac;
  /** Where L3 intents go instead of the data plane's tenant tables (tests). */
  l3Dataplane?: L3Dataplane;
}

/** The MAC of a local interface from sysfs (this network namespace), if readable and unicast. */
function interfaceMac(ifname: string | undefined): Mac | undefined {
  if (ifname === undefined) return undefined;
  try {
    const mac = readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim().toLowerCase();
    return isMac(mac) && !isMulticastMac(mac) && mac !== '00:00:00:00:00:00' ? mac : undefined;
  } catch {
    return undefined;
  }
}

export class Vtep {
  readonly rib: Rib;
  readonly speaker: Speaker;
  readonly importer: EvpnImporter;
  readonly programmer: Programmer;
  readonly l2: L2Service;
  readonly l3: L3Service;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly o: VtepOptions) {
    const cfg = o.config;
    this.rib = new Rib({ asn: cfg.as, routerId: cfg.routerId, clusterId: cfg.routeReflector?.clusterId ?? cfg.routerId, vtepIp: cfg.underlay.address });
    const vnis = cfg.l2vnis.map((l2) => ({ l2, r: resolveL2vni(cfg, l2) }));
    this.importer = new EvpnImporter({ evis: vnis.map(({ r }) => ({ vni: r.vni, importRts: r.import })) });
    const vrfConfigs = cfg.vrfs ?? [];
    const underlayMac = vrfConfigs.some((v) => v.routerMac === 'auto') ? (o.underlayMac ?? interfaceMac(cfg.underlay.interface)) : undefined;
    const tenants = vrfConfigs.map((v) => {
      const r = resolveVrf(cfg, v, underlayMac);
      return {
        name: r.name,
        origin: { l3vni: r.l3vni, rd: r.rd, exportRts: r.export, routerMac: r.routerMac },
        importRts: r.import.map(formatRouteTarget),
        prefixes: r.prefixes,
        vnis: cfg.l2vnis.filter((l) => l.vrf === r.name).map((l) => ({
          vni: l.vni,
          ...(l.gateway?.prefixLength !== undefined ? { gateway: { ip: l.gateway.ip, prefixLength: l.gateway.prefixLength, mac: l.gateway.mac } } : {}),
        })),
      };
    });
    const l3Of = new Map(cfg.l2vnis.flatMap((l) => {
      const t = tenants.find((x) => x.name === l.vrf);
      return t ? [[l.vni, t.origin] as const] : [];
    }));
    this.programmer = new Programmer({ maxVteps: o.maxVteps ?? 1024, ...(o.nextHopMac ? { nextHopMac: o.nextHopMac } : {}) });
    this.speaker = new Speaker({ config: cfg, rib: o.instrument ? o.instrument(this.rib) : this.rib, log: o.log, ...o.speaker });
    this.l2 = new L2Service({
      vtepIp: cfg.underlay.address,
      vnis: vnis.map(({ l2, r }) => {
        const l3 = l3Of.get(r.vni);
        // Hand-built configs (tests) may lack port-limits: the loader's defaults apply.
        const portLimits = l2.portLimits ?? { maxMacs: DEFAULTS.portMaxMacs, arpRate: DEFAULTS.portArpRate, arpBurst: DEFAULTS.portArpBurst };
        return { vni: r.vni, port: o.portOf(l2.interface), vid: l2.vlan ?? 0, origin: { vni: r.vni, rd: r.rd, exportRts: r.export }, ...(l3 ? { l3 } : {}), ...(l2.maxMacs !== undefined ? { maxMacs: l2.maxMacs } : {}), portLimits };
      }),
      rib: this.speaker,
      importer: this.importer,
      programmer: this.programmer,
      dataplane: o.dataplane,
      clock: o.clock ?? new SystemClock(),
      log: o.log.child({ part: 'l2' }),
      migration: cfg.migration,
    });
    this.l3 = new L3Service({
      tenants,
      rib: this.speaker,
      importer: this.importer,
      log: o.log.child({ part: 'l3' }),
      // The fast path's tenant tables: intents become records through the
      // same programmer (and so the same VTEP indexes) as the L2 side, on the
      // same driver, so they reach the data plane after the VNIs they name.
      dataplane: o.l3Dataplane ?? {
        applyL3Ops: (ops) => {
          const records = this.programmer.programL3(ops);
          if (records.length) o.dataplane.applyOps(records);
        },
      },
    });
  }

  /** Listens for BGP, programs the data plane, joins the flood trees, then starts the sessions. */
  async start(): Promise<void> {
    await this.listen();
    this.begin();
  }

  /** Binds the BGP listener only (tests bring up several VTEPs' listeners before any session starts). */
  async listen(): Promise<void> {
    await this.speaker.listen();
  }

  /** Wires the parts together, programs the data plane and starts the sessions. */
  begin(): void {
    this.unsubscribe.push(this.importer.attach(this.rib));
    this.unsubscribe.push(this.importer.onEvents((evs) => this.l2.onEvpnEvents(evs)));
    this.unsubscribe.push(this.importer.onEvents((evs) => this.l3.onEvpnEvents(evs)));
    this.unsubscribe.push(this.o.dataplane.onEvents((evs) => this.l2.onDataplaneEvents(evs)));
    this.l2.start();
    this.l3.start();
    this.speaker.startSessions();
  }

  async stop(message?: string): Promise<void> {
    if (this.unsubscribe.length) this.l3.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    await this.speaker.stop(message);
  }
}
