import type { Ip } from '../util/ip';
import type { DecodedUpdate, Update } from '../bgp/wire/update';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import type { PathAttribute } from '../bgp/wire/attributes/types';

/**
 * The contract between the session layer (src/bgp/session.ts, speaker.ts)
 * and the RIB (src/rib/). The RIB is pure logic: no sockets, no timers; the
 * speaker calls it and sends what it hands back.
 */

/** What the RIB needs to know about an Established peer. */
export interface RibPeer {
  /** Unique per configured neighbor: its address as configured. */
  id: string;
  address: Ip;
  asn: number;
  /** The peer's BGP identifier from its OPEN. */
  bgpId: Ip;
  ibgp: boolean;
  /** RFC 4456: we reflect to/from this iBGP peer as a client. */
  routeReflectorClient: boolean;
  /** Families negotiated with the peer, as "afi/safi" keys (see afiSafiKey). */
  families: ReadonlySet<string>;
  /** RFC 7911 ADD-PATH: we may send path identifiers for these families. */
  addPathTx: ReadonlySet<string>;
  /** Our local address on the session (for next-hop-self on eBGP / local routes). */
  localAddress: Ip;
  /** RFC 8654 extended messages negotiated: outgoing UPDATEs may be up to 65535 octets. */
  extendedMessage: boolean;
}

/** Identity of the local speaker, needed for loop checks and reflection. */
export interface RibLocal {
  asn: number;
  routerId: Ip;
  /** RFC 4456 §7: defaults to routerId. */
  clusterId: Ip;
  /**
   * Optional: the next hop of the routes we originate (our VTEP address).
   * Without it, each peer gets the session's local address.
   */
  vtepIp?: Ip;
}

/** A best-path change for one EVPN route key, as seen by subscribers (EVIs, VRFs, show). */
export interface BestChange {
  key: string;
  route: EvpnRoute;
  /** The new best path's attributes, or null when the route is gone. */
  attrs: readonly PathAttribute[] | null;
  nextHop: Ip | null;
  /** The peer id the best path came from, or 'local'. */
  from: string | null;
  /**
   * Optional: the previous best path's attributes (null when the key is new),
   * so that importers can undo what the old path did without keeping a copy.
   */
  prevAttrs?: readonly PathAttribute[] | null;
}

export interface RibApi {
  peerUp(peer: RibPeer): void;
  /** Removes everything learned from the peer (or marks it stale under graceful restart). */
  peerDown(peerId: string, opts?: { gracefulRestart?: boolean }): void;
  /**
   * Applies one decoded UPDATE from a peer, honouring its RFC 7606 action:
   * treat-as-withdraw withdraws every NLRI of the message, attribute-discard
   * keeps the routes without the discarded attributes. Session reset and
   * AFI/SAFI disable are the session layer's job and never reach here.
   */
  applyUpdate(peerId: string, u: DecodedUpdate): void;
  endOfRib(peerId: string, afi: number, safi: number): void;
  /** Originates (or replaces) a local route with the given attributes (next hop = our address). */
  originate(route: EvpnRoute, attrs: PathAttribute[]): void;
  withdrawLocal(route: EvpnRoute): void;
  /**
   * Runs the deferred work of this tick: best-path selection for the keys
   * that changed, notifications to subscribers, and the Adj-RIB-Out diff.
   * Called once per event-loop turn by the speaker.
   */
  flush(): void;
  /** Packed UPDATEs waiting for a peer (MP_REACH/MP_UNREACH first, many NLRIs per message). */
  drainOut(peerId: string): Update[];
  subscribe(fn: (changes: readonly BestChange[]) => void): () => void;
  /** Route refresh (RFC 2918): resend the whole Adj-RIB-Out for a family to a peer. */
  refresh(peerId: string, afi: number, safi: number): void;
}
