import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Kernel limits a lab of many leaves runs into because every namespace
 * shares one kernel. The IPv4 neighbour (ARP) table is one table for all
 * namespaces, and its hard limit `gc_thresh3` (1024 by default) is counted
 * over all of them: 32 leaves that each resolve the 31 others' underlay
 * addresses already hold ~1000 entries, so past that the kernel logs
 * "neighbour table overflow" and resolutions fail — something that happens
 * to no real leaf, each with a table of its own.
 */

const NEIGH = '/proc/sys/net/ipv4/neigh/default';

/** Neighbour entries a lab needs at most: every leaf resolving every other leaf and the spine, every host every host of its VNI, with room to spare. */
export function neighbourEntriesNeeded(leaves: number, vnis: number): number {
  const underlay = leaves * (leaves + 1);
  const hosts = vnis * leaves * leaves;
  return 2 * (underlay + hosts) + 1024;
}

/**
 * Raises the kernel's neighbour table limits (never lowers them) so `entries`
 * fit; returns what it changed, for the lab to say, or null when nothing
 * needed changing.
 */
export function ensureNeighbourTable(entries: number): string | null {
  const read = (k: string): number => Number(readFileSync(`${NEIGH}/${k}`, 'utf8').trim());
  const changed: string[] = [];
  for (const [k, want] of [['gc_thresh3', entries], ['gc_thresh2', Math.ceil(entries / 2)]] as const) {
    const now = read(k);
    if (now >= want) continue;
    writeFileSync(`${NEIGH}/${k}`, String(want));
    changed.push(`net.ipv4.neigh.default.${k} ${now} → ${want}`);
  }
  return changed.length ? changed.join(', ') : null;
}
