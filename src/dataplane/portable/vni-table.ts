/**
 * Configured VNIs (RFC 7348 §5: 24-bit identifiers) mapped to dense table
 * indexes, with each VNI's local access ports and its flood list: the remote
 * VTEPs that get a copy of every BUM frame (ingress replication, RFC 8365
 * §8.3.1, from the Inclusive Multicast Ethernet Tag routes of RFC 7432 §11).
 * The twin of native/src/vni_table.{h,cc}: lists keep insertion order, and a
 * flood-list delete moves the last entry into the hole, as in C++, so
 * replication copies come out in the same order.
 */
export class VniTable {
  private readonly byVni = new Map<number, number>();
  private readonly vniOfIdx: Uint32Array;
  private readonly usedIdx: Uint8Array;
  private readonly portCount: Uint32Array;
  /** Local ports of VNI index i at [i × maxPorts, + portCount[i]). */
  readonly portList: Uint32Array;
  private readonly floodCount: Uint32Array;
  /** Flood list of VNI index i at [i × maxFlood, + floodCount[i]). */
  readonly floodList: Uint32Array;
  private next = 0;

  constructor(
    readonly max: number,
    readonly maxPorts: number,
    readonly maxFlood: number,
  ) {
    this.vniOfIdx = new Uint32Array(max);
    this.usedIdx = new Uint8Array(max);
    this.portCount = new Uint32Array(max);
    this.portList = new Uint32Array(max * maxPorts);
    this.floodCount = new Uint32Array(max);
    this.floodList = new Uint32Array(max * maxFlood);
  }

  /** Table index of a VNI, adding it when absent; -1 when full or out of range. */
  add(vni: number): number {
    if (vni > 0xffffff) return -1;
    const have = this.byVni.get(vni);
    if (have !== undefined) return have;
    if (this.next >= this.max) return -1;
    const idx = this.next++;
    this.byVni.set(vni, idx);
    this.vniOfIdx[idx] = vni;
    this.usedIdx[idx] = 1;
    return idx;
  }

  find(vni: number): number {
    return this.byVni.get(vni) ?? -1;
  }
  vniOf(idx: number): number {
    return this.vniOfIdx[idx]!;
  }
  used(idx: number): boolean {
    return idx < this.max && this.usedIdx[idx] === 1;
  }

  addPort(idx: number, port: number): boolean {
    const n = this.portCount[idx]!;
    const base = idx * this.maxPorts;
    for (let i = 0; i < n; i++) if (this.portList[base + i] === port) return true;
    if (n >= this.maxPorts) return false;
    this.portList[base + n] = port;
    this.portCount[idx] = n + 1;
    return true;
  }
  ports(idx: number): number {
    return this.portCount[idx]!;
  }

  /** False when the list is full. */
  floodAdd(idx: number, vtep: number): boolean {
    const n = this.floodCount[idx]!;
    const base = idx * this.maxFlood;
    for (let i = 0; i < n; i++) if (this.floodList[base + i] === vtep) return true;
    if (n >= this.maxFlood) return false;
    this.floodList[base + n] = vtep;
    this.floodCount[idx] = n + 1;
    return true;
  }
  floodDel(idx: number, vtep: number): void {
    const n = this.floodCount[idx]!;
    const base = idx * this.maxFlood;
    for (let i = 0; i < n; i++) {
      if (this.floodList[base + i] === vtep) {
        this.floodList[base + i] = this.floodList[base + n - 1]!;
        this.floodCount[idx] = n - 1;
        return;
      }
    }
  }
  floodDelEverywhere(vtep: number): void {
    for (let i = 0; i < this.next; i++) this.floodDel(i, vtep);
  }
  floods(idx: number): number {
    return this.floodCount[idx]!;
  }
}
