import type { RouteTarget } from '../bgp/wire/ext-community';
import type { RouteDistinguisher } from '../bgp/wire/evpn/types';
import type { Ip } from '../util/ip';
import type { Level } from '../util/log';
import type { Mac } from '../util/mac';

/**
 * The configuration file of `evpn-vtep run` and `evpn-vtep bgp`: YAML, keys
 * in kebab-case, every key documented here (the README lists them from
 * this file). Unknown keys are errors. Values below marked "default" may
 * be omitted. Example:
 *
 *   router-id: 10.0.0.1
 *   as: 65001
 *   underlay: { address: 10.0.0.1, interface: eth1 }
 *   neighbors:
 *     - address: 10.0.0.254
 *       remote-as: 65000
 *   l2vnis:
 *     - vni: 100
 *       interface: tap100
 *       vrf: red
 *       gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 }
 *   vrfs:
 *     - name: red
 *       l3vni: 1000
 */

/**
 * RDs and RTs use the BGP layer's types and spellings (evpn/rd.ts parseRd,
 * ext-community.ts parseRouteTarget): "65001:100" (2-octet AS), "10.0.0.1:5"
 * (IPv4), "4200000000:5" or "65001L:5" (4-octet AS).
 */
export type { RouteDistinguisher, RouteTarget };

export type AddressFamily = 'l2vpn-evpn' | 'ipv4-unicast';
export const ADDRESS_FAMILIES: readonly AddressFamily[] = ['l2vpn-evpn', 'ipv4-unicast'];

export type LogLevel = Level;
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * How "auto" RDs and RTs are derived:
 * - `frr` (default), as FRR does: RD = router-id:N (type 1), N the VNI's
 *   1-based position in `l2vnis`; RT = (AS mod 65536):VNI (type 0).
 * - `rfc8365`: RD as above; RT per RFC 8365 §5.1.2.1: 2-octet AS, then
 *   A=0 (auto), Type=1 (VXLAN), D-ID=0, and the 24-bit VNI.
 */
export type RdRtMode = 'frr' | 'rfc8365';
export const RD_RT_MODES: readonly RdRtMode[] = ['frr', 'rfc8365'];

export type MaxPrefixAction = 'warn' | 'teardown';

/** Key `listen`: where the BGP speaker accepts connections. */
export interface ListenConfig {
  /** `address`: local address to bind. Default "0.0.0.0"; "::" takes both families. */
  address: Ip;
  /** `port`: TCP port. Default 179; 0 binds any free port (tests). */
  port: number;
}

/** Key `underlay`: the VXLAN side. Required by `evpn-vtep run`. */
export interface UnderlayConfig {
  /** `address` (required): the VTEP's own IPv4 or IPv6 address, sent as BGP next hop and as the outer source address. */
  address: Ip;
  /** `interface`: Linux interface carrying the underlay traffic. Default: chosen by the kernel route. */
  interface?: string;
  /** `udp-port`: VXLAN UDP port. Default 4789 (IANA, RFC 7348 §5). */
  udpPort: number;
}

/** One entry of `neighbors`: a BGP peer. */
export interface NeighborConfig {
  /** `address` (required): the peer's IPv4 or IPv6 address (canonical form). */
  address: Ip;
  /** `remote-as` (required): the peer's AS, 1..4294967295 (asplain, or asdot "1.10" in quotes). Equal to `as` means iBGP. */
  remoteAs: number;
  /** `local-address`: source address for our connection; same family as `address`. */
  localAddress?: Ip;
  /** `passive`: never connect, only accept (PassiveTcpEstablishment, RFC 4271 §8.1.1). Default false. */
  passive: boolean;
  /**
   * `hold-time`: proposed HoldTime in seconds, 0 (no keepalives) or 3..65535.
   * Default 180 with `keepalive` 60: FRR's defaults, not RFC 4271's suggested 90/30.
   */
  holdTime: number;
  /** `keepalive`: seconds between KEEPALIVEs, at most hold-time/3. Default 60, or hold-time/3 when only hold-time is given. */
  keepalive: number;
  /** `route-reflector-client`: reflect routes to/from this iBGP peer (RFC 4456). Default false; only for iBGP. */
  routeReflectorClient: boolean;
  /** `password`: TCP MD5 signature key (RFC 2385), 1..80 characters. */
  password?: string;
  /** `ttl-security: {hops: N}`: GTSM (RFC 5082); accept only packets with TTL ≥ 256 - N. N is 1..254. */
  ttlSecurityHops?: number;
  /** `description`: free text shown by `show neighbors`. */
  description?: string;
  /** `address-families`: list of `l2vpn-evpn`, `ipv4-unicast`. Default [l2vpn-evpn]. */
  addressFamilies: AddressFamily[];
  /** `max-prefixes: {limit, action}`: act when the peer sends more than `limit` prefixes; action `warn` or `teardown` (default, Cease 1/RFC 4486). */
  maxPrefixes?: { limit: number; action: MaxPrefixAction };
  /**
   * `connect-retry`: ConnectRetryTime in seconds, 1..65535: how long a TCP
   * connection attempt that gets no answer (no SYN-ACK, no RST) may take
   * before the next one (RFC 4271 §10). Default 120.
   */
  connectRetryTime?: number;
  /**
   * `idle-hold: {first-seconds, max-seconds}`: after a session fails it
   * starts again by itself once the IdleHoldTime has passed (RFC 4271 §8.1.1
   * leaves the value to the implementation), jittered by 0.75..1; each
   * further failure doubles it (DampPeerOscillations) up to `max-seconds`,
   * and two minutes Established start it over. `first-seconds` 1..3600
   * (default 1, as FRR), `max-seconds` first-seconds..3600 (default 120).
   */
  idleHold?: { firstSeconds: number; maxSeconds: number };
  /**
   * `refused-retry: {first-ms, max-ms}`: a connection attempt that is
   * refused or fails before it opens is a peer not listening yet (a route
   * reflector still starting), not one that oscillates: the next attempt
   * comes after `first-ms` (1..600000, default 250), doubling up to `max-ms`
   * (first-ms..600000, default 1000, as FRR's `timers connect 1`), never
   * later than the IdleHoldTime would, and without growing the IdleHold
   * back-off.
   */
  refusedRetry?: { firstMs: number; maxMs: number };
}

/** Key `route-reflector`: route reflector settings (RFC 4456). */
export interface RouteReflectorConfig {
  /** `cluster-id`: dotted quad or 32-bit number. Default: router-id. */
  clusterId: Ip;
}

/** One entry of `l2vnis`: a layer-2 VXLAN segment (one EVPN instance, RFC 8365 §5.1.2 VLAN-based service). */
export interface L2vniConfig {
  /** `vni` (required): 1..16777215. */
  vni: number;
  /** `interface` (required): the local access interface bridged into this VNI (Linux name, ≤ 15 characters). */
  interface: string;
  /** `vlan`: 802.1Q tag on `interface` for this VNI, 1..4094. Default: untagged. */
  vlan?: number;
  /** `rd`: Route Distinguisher `ADMIN:N`, or "auto" (default; see rd-rt-mode). */
  rd: RouteDistinguisher | 'auto';
  /** `route-targets`: "auto" (default), or {import: [...], export: [...]}; a missing side stays auto. */
  routeTargets: { import: RouteTarget[] | 'auto'; export: RouteTarget[] | 'auto' };
  /** `arp-suppression`: answer ARP/ND from EVPN MAC/IP routes instead of flooding (RFC 9161). Default true. */
  arpSuppression: boolean;
  /** `mac-aging-seconds`: forget a silent local MAC after this long; 0 never ages. Default 300. */
  macAgingSeconds: number;
  /** `max-macs`: most MACs learned on this VNI (locally and remotely). Default: no limit. */
  maxMacs?: number;
  /**
   * `port-limits: {max-macs, arp-rate, arp-burst}`: limits of the access
   * port (`interface`) against a misbehaving host: at most `max-macs` MACs
   * learned on the port (default 8192; beyond it frames are forwarded, not
   * learned, counter learn_limit), at most `arp-rate` ARP and ND (NS/NA)
   * frames per second (default 1000) with bursts of `arp-burst` (default
   * 2000); the excess is dropped and counted (arp_rate_limited). 0 turns a
   * limit off. VNIs sharing an interface (VLANs on a trunk) share the port:
   * their port-limits must agree.
   */
  portLimits?: PortLimitsConfig;
  /**
   * `gateway: {ip, mac}`: the distributed anycast gateway of this VNI (RFC
   * 9135 §4.1), the same on every VTEP. `ip` is the gateway address with its
   * subnet, "10.100.0.1/24" or "2001:db8:100::1/64" (required when the VNI
   * belongs to a `vrf`: the subnet is advertised as a type-5 route); a bare
   * address is accepted on a VNI without a vrf. It may be neither the
   * subnet's network nor (IPv4) its broadcast address. `mac` (required) is the
   * anycast gateway MAC, unicast, e.g. 00:00:5e:00:01:01.
   */
  gateway?: GatewayConfig;
  /**
   * `vrf`: name of the tenant (an entry of `vrfs`) this VNI routes in
   * (symmetric IRB, RFC 9135): its MAC+IP routes then also carry the
   * tenant's L3VNI as label2, its route targets and the Router's MAC, and
   * its gateway subnet is advertised as a type-5 route. Default: none
   * (bridging only).
   */
  vrf?: string;
}

/** Limits of one access port (see L2vniConfig.portLimits); 0 = no limit. */
export interface PortLimitsConfig {
  maxMacs: number;
  arpRate: number;
  arpBurst: number;
}

/** An anycast gateway: address, its subnet's length (absent: bare address), and MAC. */
export interface GatewayConfig {
  ip: Ip;
  prefixLength?: number;
  mac: Mac;
}

/**
 * One entry of `vrfs`: a tenant IP-VRF routed between its L2VNIs over an
 * L3VNI (symmetric IRB, RFC 9135; IP prefixes, RFC 9136). Evpn-vtep needs
 * no kernel VRF: the tenant's table lives in the data plane.
 */
export interface VrfConfig {
  /** `name` (required): 1..32 characters of letters, digits, "-", "_" and "."; unique. */
  name: string;
  /** `l3vni` (required): 1..16777215, unique among the vrfs and different from every L2VNI. */
  l3vni: number;
  /**
   * `router-mac`: the Router's MAC extended community value (RFC 9135
   * §8.1), the inner destination MAC of packets routed to this VTEP; unicast.
   * Default "auto": the MAC of `underlay.interface` when it is named and
   * readable, else 02:00 followed by the four octets of router-id (locally
   * administered).
   */
  routerMac: Mac | 'auto';
  /**
   * `rd`: Route Distinguisher of the tenant's type-5 routes, or "auto"
   * (default): router-id:N as FRR, N = number of l2vnis + the VRF's 1-based
   * position in `vrfs`, so it never collides with an L2VNI's auto RD.
   */
  rd: RouteDistinguisher | 'auto';
  /** `route-targets`: "auto" (default, AS:L3VNI as FRR; see rd-rt-mode) or {import: [...], export: [...]}; a missing side stays auto. */
  routeTargets: { import: RouteTarget[] | 'auto'; export: RouteTarget[] | 'auto' };
  /**
   * `prefixes`: extra prefixes advertised as type-5 routes besides the
   * gateway subnets of the tenant's L2VNIs, e.g. ["0.0.0.0/0"] on a border
   * leaf. Written "ADDRESS/LEN" without host bits; unique. Default none.
   */
  prefixes: string[];
}

/** Key `migration`: VM mobility (RFC 7432 §15). */
export interface MigrationConfig {
  /** `probe-timeout-ms`: how long to wait for an ARP/ND reply when probing a moved host. Default 3000. */
  probeTimeoutMs: number;
  /** `dad: {max-moves, window-seconds}`: duplicate address detection; a MAC moving more than max-moves (default 5) times in window-seconds (default 180) is frozen (RFC 7432 §15.1). */
  dad: { maxMoves: number; windowSeconds: number };
}

/**
 * Key `graceful-restart` (RFC 4724). We always help a restarting peer (keep
 * its routes, stale, while it restarts, if it announced the capability with
 * L2VPN/EVPN), as FRR does by default. Example:
 *
 *   graceful-restart: { preserve-forwarding: true, restart-time: 120 }
 */
export interface GracefulRestartConfig {
  /** `restart-time`: the Restart Time we announce (s), 1..4095: how long peers keep our routes after our session drops. Default 120. */
  restartTime: number;
  /**
   * `preserve-forwarding`: announce our families (L2VPN/EVPN, IPv4) in the
   * capability, so peers keep our routes while our BGP side restarts
   * (`evpn-vtep clear bgp --graceful`: the data plane keeps forwarding on
   * its tables meanwhile). Default false: helper only, as FRR without
   * `bgp graceful-restart`; a VTEP that dies is then withdrawn at once
   * instead of after restart-time.
   */
  preserveForwarding: boolean;
  /** `stale-time`: once a restarting peer is back, how long its stale paths wait for its End-of-RIB (s), 1..3600. Default 360 (FRR's stalepath-time). */
  staleTime: number;
  /**
   * `select-defer-time`: after our own graceful restart, how long the paths
   * kept from a peer wait for that peer's End-of-RIB before they are removed
   * (s), 1..3600 (RFC 4724 §4.1 selection deferral). Default 360 (FRR's).
   */
  selectDeferTime: number;
}

/** Key `log`. */
export interface LogConfig {
  /** `level`: debug, info (default), warn, error. */
  level: LogLevel;
}

/**
 * Key `metrics`: the observability endpoint (Prometheus /metrics and the
 * read-only JSON API mirroring `show`, see src/observe/http.ts). Absent:
 * off, nothing listens.
 */
export interface MetricsConfig {
  /**
   * `listen` (required): "ADDRESS:PORT", e.g. "127.0.0.1:9179" or
   * "[::1]:9179"; ":9179" binds every IPv4 address, port 0 any free port.
   * There is no authentication: bind to loopback or a management address.
   */
  listen: { address: Ip; port: number };
}

/**
 * Key `tables`: sizes of the native data plane's tables, allocated (and
 * touched) in full when it starts, so they are the memory a VTEP costs
 * whether it holds one host or many. A full table refuses new entries (logged
 * as "data plane rejected ops"); raise the size and restart.
 */
export interface TablesConfig {
  /**
   * `macs`: MAC table entries, local and remote, over every VNI, 64..67108864.
   * Default: the sum of the VNIs' `max-macs` when every VNI sets one, else
   * 4096 per L2VNI; within 8192..65536 either way.
   */
  macs: number;
  /** `arp`: ARP/ND suppression entries (IP → MAC), 64..67108864. Default: as `macs`. */
  arp: number;
  /** `vteps`: remote VTEPs, 1..1048576. Default 1024. */
  vteps: number;
  /**
   * `routes`: tenant (IP-VRF) routes per address family, all tenants
   * together, 16..16777216. Default 65536 when `vrfs` are configured, else
   * the minimum (a VTEP that only bridges pays nothing for routing).
   */
  routes: number;
}

/**
 * Key `mrt`: MRT files (RFC 6396) written while the daemon runs. Absent: none.
 * File names take strftime-like conversions of the time the file was opened
 * (UTC): %Y %m %d %H %M %S, and %% for "%"; with an `interval` a new file is
 * opened each time the interval comes round (aligned to the epoch, as
 * bgpd's `dump bgp updates PATH INTERVAL`).
 */
export interface MrtConfig {
  /**
   * `updates: {file, interval, all-messages, state-changes}`: every UPDATE
   * received on every session, written as it arrives as a
   * BGP4MP_MESSAGE_AS4 record (§4.4.3). `file` (required) is the path;
   * `interval` seconds between files, 0 (default) one file; `all-messages`
   * true records every message received and sent (sent ones as
   * BGP4MP_MESSAGE_AS4_LOCAL, §4.4.6), default false; `state-changes`
   * (default true) records FSM transitions as BGP4MP_STATE_CHANGE_AS4 (§4.4.1).
   * Writes are buffered (64 KiB or 1 s) and asynchronous.
   */
  updates?: { file: string; intervalSeconds: number; allMessages: boolean; stateChanges: boolean };
  /**
   * `table: {file, interval}`: a TABLE_DUMP_V2 snapshot (§4.3) of the
   * Adj-RIBs-In every `interval` seconds (60..86400, default 7200; the first
   * one an interval after the start), written to a new file each time.
   */
  table?: { file: string; intervalSeconds: number };
}

/** What `evpn-vtep bgp` needs. */
export interface BgpConfig {
  /** `router-id` (required): BGP Identifier, an IPv4 address (RFC 4271 §4.2). */
  routerId: Ip;
  /** `as` (required): local AS, 1..4294967295. */
  as: number;
  listen: ListenConfig;
  /** `underlay`: optional for `bgp`, required for `run`. */
  underlay?: UnderlayConfig;
  /** `neighbors`: default none; addresses must be unique. */
  neighbors: NeighborConfig[];
  routeReflector?: RouteReflectorConfig;
  /** `l2vnis`: default none; VNIs must be unique, as must interface+vlan pairs. */
  l2vnis: L2vniConfig[];
  /** `vrfs`: tenants for routing between subnets (symmetric IRB). Default none (absent). */
  vrfs?: VrfConfig[];
  /** `rd-rt-mode`: `frr` (default) or `rfc8365`. */
  rdRtMode: RdRtMode;
  migration: MigrationConfig;
  /** `graceful-restart: {restart-time, preserve-forwarding, stale-time, select-defer-time}`, see GracefulRestartConfig; the loader always fills it in (absent in hand-built configs: the defaults). */
  gracefulRestart?: GracefulRestartConfig;
  /** `control-socket`: Unix socket of the control API used by the CLI. Default /run/evpn-vtep.sock. */
  controlSocket: string;
  log: LogConfig;
  /** `metrics: {listen: "127.0.0.1:9179"}`: serve /metrics and /api/*. Default: off. */
  metrics?: MetricsConfig;
  /** `tables`: data plane table sizes (`run` only). Absent: derived from the VNIs (see TablesConfig). */
  tables?: Partial<TablesConfig>;
  /** `mrt`: live BGP4MP and periodic TABLE_DUMP_V2 files. Default: none. */
  mrt?: MrtConfig;
}

/** What `evpn-vtep run` needs: a BGP config with an underlay. */
export interface VtepConfig extends BgpConfig {
  underlay: UnderlayConfig;
}

export const DEFAULTS = {
  listenAddress: '0.0.0.0',
  bgpPort: 179,
  vxlanPort: 4789,
  holdTime: 180,
  keepalive: 60,
  addressFamilies: ['l2vpn-evpn'] as AddressFamily[],
  maxPrefixAction: 'teardown' as MaxPrefixAction,
  arpSuppression: true,
  macAgingSeconds: 300,
  rdRtMode: 'frr' as RdRtMode,
  probeTimeoutMs: 3000,
  dadMaxMoves: 5,
  dadWindowSeconds: 180,
  portMaxMacs: 8192,
  portArpRate: 1000,
  portArpBurst: 2000,
  grRestartTime: 120,
  grPreserveForwarding: false,
  grStaleTime: 360,
  grSelectDeferTime: 360,
  controlSocket: '/run/evpn-vtep.sock',
  logLevel: 'info' as LogLevel,
  connectRetryTime: 120,
  refusedRetry: { firstMs: 250, maxMs: 1000 },
  vteps: 1024,
  tenantRoutes: 65536,
  macsPerVni: 4096,
  minMacs: 8192,
  maxDefaultMacs: 65536,
  mrtTableInterval: 7200,
} as const;
