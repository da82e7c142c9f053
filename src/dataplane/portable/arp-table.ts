/**
 * IP -> MAC bindings per VNI for ARP/ND suppression (RFC 7432 §10, RFC 9161):
 * filled by the control plane from MAC/IP Advertisement routes, read to
 * answer requests on the ingress port instead of flooding them (the twin of
 * native/src/arp_table.h). Bounded like the C++ table: a new binding beyond
 * `capacity` is refused. Only ARP/ND frames look here, so a Map is enough.
 */
import type { IpKey } from './ip-key';

export const ARP_ROUTER = 1 << 0; // ND: answer with the R flag (RFC 4861 §4.4)
export const ARP_OVERRIDE = 1 << 1; // ND: answer with the O flag (RFC 9161 §3.2)

export interface ArpEntry {
  macHi: number;
  macLo: number;
  flags: number;
}

function key(vniIdx: number, family: number, ip: IpKey): number | string {
  // IPv4: vniIdx × 2^32 + address is exact below 2^53; IPv6 keys are strings.
  return family === 4 ? vniIdx * 0x100000000 + (ip as number) : `${vniIdx}/${ip as string}`;
}

export class ArpTable {
  private readonly map = new Map<number | string, ArpEntry>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  find(vniIdx: number, family: number, ip: IpKey): ArpEntry | undefined {
    return this.map.get(key(vniIdx, family, ip));
  }

  /** The entry of (vniIdx, ip), added zeroed when absent; undefined when new and the table is full. */
  insert(vniIdx: number, family: number, ip: IpKey): ArpEntry | undefined {
    const k = key(vniIdx, family, ip);
    let e = this.map.get(k);
    if (e) return e;
    if (this.map.size >= this.capacity) return undefined;
    e = { macHi: 0, macLo: 0, flags: 0 };
    this.map.set(k, e);
    return e;
  }

  erase(vniIdx: number, family: number, ip: IpKey): boolean {
    return this.map.delete(key(vniIdx, family, ip));
  }
}
