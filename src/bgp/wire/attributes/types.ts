import type { AttrType } from '../iana';
import type { AggregatorAttr } from './aggregator';
import type { As4AggregatorAttr } from './as4-aggregator';
import type { As4PathAttr } from './as4-path';
import type { AsPathAttr } from './as-path';
import type { AtomicAggregateAttr } from './atomic-aggregate';
import type { ClusterListAttr } from './cluster-list';
import type { CommunitiesAttr } from './communities';
import type { ExtCommunitiesAttr } from './ext-communities';
import type { LargeCommunitiesAttr } from './large-communities';
import type { LocalPrefAttr } from './local-pref';
import type { MedAttr } from './med';
import type { MpReachAttr } from './mp-reach';
import type { MpUnreachAttr } from './mp-unreach';
import type { NextHopAttr } from './next-hop';
import type { OriginAttr } from './origin';
import type { OriginatorIdAttr } from './originator-id';
import type { PmsiTunnelAttr } from './pmsi-tunnel';
import type { UnknownAttr } from './unknown';

/** Type code → value type of every attribute this codec interprets. */
export interface AttrMap {
  [AttrType.ORIGIN]: OriginAttr;
  [AttrType.AS_PATH]: AsPathAttr;
  [AttrType.NEXT_HOP]: NextHopAttr;
  [AttrType.MULTI_EXIT_DISC]: MedAttr;
  [AttrType.LOCAL_PREF]: LocalPrefAttr;
  [AttrType.ATOMIC_AGGREGATE]: AtomicAggregateAttr;
  [AttrType.AGGREGATOR]: AggregatorAttr;
  [AttrType.COMMUNITIES]: CommunitiesAttr;
  [AttrType.ORIGINATOR_ID]: OriginatorIdAttr;
  [AttrType.CLUSTER_LIST]: ClusterListAttr;
  [AttrType.MP_REACH_NLRI]: MpReachAttr;
  [AttrType.MP_UNREACH_NLRI]: MpUnreachAttr;
  [AttrType.EXTENDED_COMMUNITIES]: ExtCommunitiesAttr;
  [AttrType.AS4_PATH]: As4PathAttr;
  [AttrType.AS4_AGGREGATOR]: As4AggregatorAttr;
  [AttrType.PMSI_TUNNEL]: PmsiTunnelAttr;
  [AttrType.LARGE_COMMUNITY]: LargeCommunitiesAttr;
}

export type KnownAttr = AttrMap[keyof AttrMap];

/**
 * One path attribute as a plain value. Known types are discriminated by
 * `type`; an uninterpreted attribute is recognised by its `raw` field
 * (`isUnknownAttr`), since its `type` is just a number.
 */
export type PathAttribute = KnownAttr | UnknownAttr;

export function isUnknownAttr(a: PathAttribute): a is UnknownAttr {
  return 'raw' in a;
}

export type {
  AggregatorAttr,
  As4AggregatorAttr,
  As4PathAttr,
  AsPathAttr,
  AtomicAggregateAttr,
  ClusterListAttr,
  CommunitiesAttr,
  ExtCommunitiesAttr,
  LargeCommunitiesAttr,
  LocalPrefAttr,
  MedAttr,
  MpReachAttr,
  MpUnreachAttr,
  NextHopAttr,
  OriginAttr,
  OriginatorIdAttr,
  PmsiTunnelAttr,
  UnknownAttr,
};
