import type { BgpCtx } from './context';
import { afiSafiKey } from './context';
import { Afi, Safi } from './iana';
import type { AfiSafi, Capability, ExtendedNextHopEntry, GracefulRestartCap, LlgrCap } from './capabilities';
import { peerAs } from './open';
import type { OpenMessage } from './open';

/**
 * What two OPENs agree on. The BgpCtx part configures the UPDATE codecs; the
 * rest drives the session (timers, route refresh, graceful restart).
 */
export interface Negotiated extends BgpCtx {
  /** AFI/SAFIs both sides advertised (RFC 4760 §8), in the local OPEN's order. */
  families: AfiSafi[];
  /** "afi/safi" keys for which we may send path identifiers (RFC 7911 §5). */
  addPathTx: ReadonlySet<string>;
  /** Both advertised route refresh, standard (2) or pre-standard (128) (RFC 2918 §3). */
  routeRefresh: boolean;
  /** Both advertised enhanced route refresh (RFC 7313 §3). */
  enhancedRouteRefresh: boolean;
  /** Extended next-hop encodings we may send: the peer advertised them and so did we (RFC 8950 §3). */
  extendedNextHop: ExtendedNextHopEntry[];
  /** Seconds; min of both, 0 if either is 0 (RFC 4271 §4.2). */
  holdTime: number;
  /** Seconds; a third of the hold time (RFC 4271 §10 suggested value). */
  keepaliveTime: number;
  /** The peer's real AS (RFC 6793 §4.1). */
  peerAs: number;
  peerBgpId: string;
  /** The peer's graceful restart capability, if sent (RFC 4724). */
  peerGracefulRestart?: GracefulRestartCap;
  /** The peer's long-lived graceful restart capability, if sent (RFC 9494). */
  peerLlgr?: LlgrCap;
  /** The peer's FQDN capability, if sent. */
  peerHostname?: string;
  peerDomainName?: string;
}

function has(caps: Capability[], kind: Capability['kind']): boolean {
  return caps.some((c) => c.kind === kind);
}

/**
 * The AFI/SAFIs an OPEN advertises. RFC 4760 §8 / RFC 5492: a speaker that
 * sends no Multiprotocol capability supports IPv4 unicast only.
 */
export function advertisedFamilies(open: OpenMessage): AfiSafi[] {
  const out: AfiSafi[] = [];
  const seen = new Set<string>();
  for (const c of open.capabilities) {
    if (c.kind !== 'multiprotocol') continue;
    const k = afiSafiKey(c.afi, c.safi);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ afi: c.afi, safi: c.safi });
  }
  return out.length ? out : [{ afi: Afi.IPV4, safi: Safi.UNICAST }];
}

/** Send/Receive per family from ADD-PATH capabilities; a later tuple for the same family wins. */
function addPathModes(caps: Capability[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of caps) {
    if (c.kind !== 'add-path') continue;
    for (const f of c.families) m.set(afiSafiKey(f.afi, f.safi), f.sendReceive);
  }
  return m;
}

const RECEIVE = 1;
const SEND = 2;

export function negotiate(local: OpenMessage, remote: OpenMessage): Negotiated {
  const lc = local.capabilities;
  const rc = remote.capabilities;

  const remoteFamilies = new Set(advertisedFamilies(remote).map((f) => afiSafiKey(f.afi, f.safi)));
  const families = advertisedFamilies(local).filter((f) => remoteFamilies.has(afiSafiKey(f.afi, f.safi)));
  const common = new Set(families.map((f) => afiSafiKey(f.afi, f.safi)));

  // RFC 7911 §5: we receive path identifiers for a family if we advertised
  // Receive and the peer advertised Send; we send them in the opposite case.
  const lap = addPathModes(lc);
  const rap = addPathModes(rc);
  const addPathRx = new Set<string>();
  const addPathTx = new Set<string>();
  for (const k of common) {
    const l = lap.get(k) ?? 0;
    const r = rap.get(k) ?? 0;
    if (l & RECEIVE && r & SEND) addPathRx.add(k);
    if (l & SEND && r & RECEIVE) addPathTx.add(k);
  }

  const rr = (caps: Capability[]): boolean => has(caps, 'route-refresh') || has(caps, 'route-refresh-cisco');
  const routeRefresh = rr(lc) && rr(rc);

  const localEnh = new Set<string>();
  for (const c of lc) if (c.kind === 'extended-next-hop') for (const e of c.entries) localEnh.add(`${e.afi}/${e.safi}/${e.nhAfi}`);
  const extendedNextHop: ExtendedNextHopEntry[] = [];
  for (const c of rc) {
    if (c.kind !== 'extended-next-hop') continue;
    for (const e of c.entries) if (localEnh.has(`${e.afi}/${e.safi}/${e.nhAfi}`)) extendedNextHop.push({ ...e });
  }

  const holdTime = Math.min(local.holdTime, remote.holdTime);
  const out: Negotiated = {
    fourOctetAs: has(lc, 'four-octet-as') && has(rc, 'four-octet-as'),
    extendedMessage: has(lc, 'extended-message') && has(rc, 'extended-message'),
    addPathRx,
    addPathTx,
    families,
    routeRefresh,
    enhancedRouteRefresh: routeRefresh && has(lc, 'enhanced-route-refresh') && has(rc, 'enhanced-route-refresh'),
    extendedNextHop,
    holdTime,
    keepaliveTime: Math.floor(holdTime / 3),
    peerAs: peerAs(remote),
    peerBgpId: remote.bgpId,
  };
  for (const c of rc) {
    if (c.kind === 'graceful-restart') out.peerGracefulRestart = c;
    else if (c.kind === 'llgr') out.peerLlgr = c;
    else if (c.kind === 'fqdn') {
      out.peerHostname = c.hostname;
      out.peerDomainName = c.domainName;
    }
  }
  return out;
}
