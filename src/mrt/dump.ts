import { renameSync, writeFileSync } from 'node:fs';
import { defaultFlags, type MpReachAttr, type PathAttribute } from '../bgp/wire/attributes/index';
import * as mpReach from '../bgp/wire/attributes/mp-reach';
import type { BgpCtx } from '../bgp/wire/context';
import { evpnRouteKey } from '../bgp/wire/evpn/key';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import { Afi, AttrType, Safi } from '../bgp/wire/iana';
import { isIpv4, isIpv6, type Ip } from '../util/ip';
import { MrtType, TableDumpV2Subtype } from './constants';
import type { MrtPeer } from './peer-index-table';
import * as record from './record';
import type { MrtRecord } from './record';
import type { RibEntry } from './rib';

/*
 * A TABLE_DUMP_V2 snapshot of the speaker's RIB (RFC 6396 §4.3): one
 * PEER_INDEX_TABLE, then one RIB_GENERIC record (AFI 25 / SAFI 70) per EVPN
 * route key holding every path of the key, best path first. Each path's
 * attributes are what the RIB holds for it (the Adj-RIB-In as received, or
 * our own for local routes), with its next hop in an abbreviated
 * MP_REACH_NLRI (§4.3.4) written first.
 *
 * The RIB does not keep the time each path was learned: Originated Time is
 * the dump's timestamp for every entry.
 */

/** A path as the RIB lists it (Rib.routes()). */
export interface DumpPath {
  route: EvpnRoute;
  attrs: readonly PathAttribute[];
  nextHop: Ip | null;
  /** Peer id (its address) or "local". */
  from: string;
  best: boolean;
}

/** What the dump needs to know about a peer that paths come from. */
export interface DumpPeer {
  /** The id paths carry in `from`. */
  id: string;
  address: Ip;
  asn: number;
  /** The peer's BGP identifier; 0.0.0.0 when not known. */
  bgpId: Ip;
}

export interface DumpOptions {
  /** Our BGP identifier, written as the Collector BGP ID and the identity of local paths. */
  collectorBgpId: Ip;
  /** Our AS, for local paths. */
  localAs: number;
  peers: readonly DumpPeer[];
  viewName?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Leave out the routes we originate (default: include them, from a peer entry for ourselves). */
  adjRibInOnly?: boolean;
  /**
   * How MP_REACH_NLRI is written in RIB entries: `abbreviated` (default,
   * RFC 6396 §4.3.4: next hop only), or `full` (the RFC 4760 attribute with
   * the route in its NLRI), which is what GoBGP 3.x's MRT parser expects.
   * bgpdump and our reader take either.
   */
  mpReachForm?: 'abbreviated' | 'full';
}

const LOCAL = 'local';

/** The records of a dump: the peer index table first, then one RIB_GENERIC record per route key. */
export function dumpRecords(paths: Iterable<DumpPath>, o: DumpOptions): MrtRecord[] {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const peers: MrtPeer[] = [];
  const index = new Map<string, number>();
  const peerIndex = (from: string): number => {
    let i = index.get(from);
    if (i !== undefined) return i;
    const known = o.peers.find((p) => p.id === from);
    let p: MrtPeer;
    if (from === LOCAL) p = { bgpId: o.collectorBgpId, address: o.collectorBgpId, asn: o.localAs, as4: true };
    else if (known) p = { bgpId: known.bgpId, address: known.address, asn: known.asn, as4: true };
    else p = { bgpId: '0.0.0.0', address: isIpv4(from) || isIpv6(from) ? from : '0.0.0.0', asn: 0, as4: true };
    i = peers.length;
    peers.push(p);
    index.set(from, i);
    return i;
  };
  // Peers first in configuration order, so indexes are stable between dumps.
  for (const p of o.peers) peerIndex(p.id);

  const byKey = new Map<string, DumpPath[]>();
  for (const p of paths) {
    if (o.adjRibInOnly && p.from === LOCAL) continue;
    const k = evpnRouteKey(p.route);
    const list = byKey.get(k);
    if (list) list.push(p);
    else byKey.set(k, [p]);
  }

  const records: MrtRecord[] = [];
  let sequence = 0;
  for (const list of byKey.values()) {
    list.sort((a, b) => Number(b.best) - Number(a.best));
    const entries: RibEntry[] = list.map((p) => ({ peerIndex: peerIndex(p.from), originatedTime: timestamp, attributes: entryAttributes(p, o.mpReachForm === 'full') }));
    records.push({
      timestamp,
      type: MrtType.TABLE_DUMP_V2,
      subtype: TableDumpV2Subtype.RIB_GENERIC,
      body: {
        kind: 'rib',
        rib: { subtype: TableDumpV2Subtype.RIB_GENERIC, sequence: sequence++, afi: Afi.L2VPN, safi: Safi.EVPN, nlri: { kind: 'evpn', route: list[0]!.route }, entries },
      },
    });
  }
  const table: MrtRecord = {
    timestamp,
    type: MrtType.TABLE_DUMP_V2,
    subtype: TableDumpV2Subtype.PEER_INDEX_TABLE,
    body: { kind: 'peer-index-table', table: { collectorBgpId: o.collectorBgpId, viewName: o.viewName ?? '', peers } },
  };
  return [table, ...records];
}

const WIRE: BgpCtx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set() };

function entryAttributes(p: DumpPath, full: boolean): PathAttribute[] {
  const rest = p.attrs.filter((a) => a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI);
  if (p.nextHop === null) return rest;
  const mp: MpReachAttr = {
    type: AttrType.MP_REACH_NLRI,
    flags: defaultFlags(AttrType.MP_REACH_NLRI),
    afi: Afi.L2VPN,
    safi: Safi.EVPN,
    nextHop: [p.nextHop],
    reserved: 0,
    nlri: { kind: 'evpn', routes: full ? [{ route: p.route }] : [] },
  };
  if (!full) return [mp, ...rest];
  // The RIB entry codec writes an MpReachAttr abbreviated; the full form goes as the attribute's raw value.
  const raw = new Uint8Array(mpReach.encodingLength(mp, WIRE));
  mpReach.encode(mp, raw, 0, WIRE);
  return [{ type: AttrType.MP_REACH_NLRI, flags: mp.flags, raw }, ...rest];
}

/** Concatenated records, as a file holds them. */
export function encodeRecords(records: readonly MrtRecord[]): Uint8Array {
  let n = 0;
  for (const r of records) n += record.encodingLength(r);
  const buf = new Uint8Array(n);
  let off = 0;
  for (const r of records) off = record.encode(r, buf, off);
  return buf;
}

/** A whole TABLE_DUMP_V2 file of the paths. */
export function dumpRib(paths: Iterable<DumpPath>, o: DumpOptions): Uint8Array {
  return encodeRecords(dumpRecords(paths, o));
}

/** Writes a dump to `path` atomically (a reader never sees half a file). Returns the number of RIB records. */
export function writeRibDump(path: string, paths: Iterable<DumpPath>, o: DumpOptions): number {
  const records = dumpRecords(paths, o);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeRecords(records));
  renameSync(tmp, path);
  return records.length - 1;
}
