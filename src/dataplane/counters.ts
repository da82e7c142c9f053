/**
 * Data-plane counter names, in the order of native/src/counters.def (the
 * X-macro list the C++ counts with). test/native/pipeline.test.ts checks this
 * list against the addon's own, so a drift fails the build's tests.
 */
export const COUNTER_NAMES = [
  'rx_packets',
  'rx_bytes',
  'tx_packets',
  'tx_bytes',
  'rx_bum',
  'rx_unknown_unicast',
  'flood_copies',
  'arp_suppressed',
  'nd_suppressed',
  'probe_replies',
  'macs_learned',
  'macs_moved',
  'macs_aged',
  'learn_sticky_conflict',
  'learn_table_full',
  'events_dropped',
  'drop_runt',
  'drop_oversize',
  'drop_truncated',
  'drop_bad_src_mac',
  'drop_unknown_port',
  'drop_vlan_unknown',
  'drop_inner_vlan',
  'drop_not_for_us',
  'drop_not_vxlan',
  'drop_bad_ip_header',
  'drop_ip_checksum',
  'drop_fragment',
  'drop_bad_udp_port',
  'drop_udp_checksum',
  'drop_vxlan_flags',
  'drop_unknown_vni',
  'drop_unknown_vtep',
  'drop_hairpin',
  'drop_vtep_down',
  'drop_no_member',
  'drop_no_tx_slot',
  'drop_reserved_mac',
  'rx_gso_frames',
  'rx_csum_completed',
  'drop_gso_unsupported',
  'drop_rx_truncated',
  'drop_tx_failed',
  'probes_sent',
  'learn_limit',
  'arp_rate_limited',
  'routed_packets',
  'gateway_arp_replies',
  'gateway_nd_replies',
  'drop_no_route',
  'drop_ttl',
  'drop_unresolved',
  'drop_l3_bad_ip',
  'drop_not_routable',
  'drop_rx_kernel',
  'glean_requests',
  'glean_rate_limited',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

/** One counter block: every counter of counters.def. */
export type CounterSet = Record<CounterName, number>;

export function zeroCounters(): CounterSet {
  const c = {} as CounterSet;
  for (const n of COUNTER_NAMES) c[n] = 0;
  return c;
}

/** Reads block `block` of a flat array holding blocks of COUNTER_NAMES.length values. */
export function counterBlock(values: ArrayLike<number>, block: number): CounterSet {
  const c = {} as CounterSet;
  const base = block * COUNTER_NAMES.length;
  COUNTER_NAMES.forEach((n, i) => (c[n] = values[base + i]!));
  return c;
}

/** Sum of the drop_* counters of a block. */
export function totalDrops(c: CounterSet): number {
  let s = 0;
  for (const n of COUNTER_NAMES) if (n.startsWith('drop_')) s += c[n];
  return s;
}

/** Only the non-zero counters of a block: what a test or `show` usually wants. */
export function nonZero(c: CounterSet): Partial<CounterSet> {
  const out: Partial<CounterSet> = {};
  for (const n of COUNTER_NAMES) if (c[n] !== 0) out[n] = c[n];
  return out;
}
