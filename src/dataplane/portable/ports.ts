/**
 * Access ports and their VLAN -> VNI mapping (native/src/ports.h).
 *
 * An untagged port carries one VNI (VID 0 stands for "untagged"; a
 * priority-tagged frame, VID 0 in its tag, is treated as untagged per IEEE
 * 802.1Q §9.6). A trunk port maps 802.1Q VIDs to VNIs. A VNI appears at most
 * once per port, so the egress tag for (port, VNI) is one array read.
 */
export const VID_COUNT = 4096;
const UNTAGGED = 0x8000;

export const enum PortAddResult {
  Ok,
  BadIndex,
  BadVid,
  VidInUse,
  VniInUse,
}

export class AccessPorts {
  private readonly usedPort: Uint8Array;
  /** [port × 4096 + vid] -> vniIdx + 1, 0 = none. */
  private readonly ingress: Uint32Array;
  /** [port × maxVnis + vniIdx] -> vid, UNTAGGED, or 0 = not a member. */
  private readonly egress: Uint16Array;

  constructor(
    readonly maxPorts: number,
    readonly maxVnis: number,
  ) {
    this.usedPort = new Uint8Array(maxPorts);
    this.ingress = new Uint32Array(maxPorts * VID_COUNT);
    this.egress = new Uint16Array(maxPorts * maxVnis);
  }

  add(port: number, vid: number, vniIdx: number): PortAddResult {
    if (port >= this.maxPorts || vniIdx >= this.maxVnis) return PortAddResult.BadIndex;
    if (vid >= 4095) return PortAddResult.BadVid; // 4095 is reserved (IEEE 802.1Q Table 9-2)
    const ii = port * VID_COUNT + vid;
    const ei = port * this.maxVnis + vniIdx;
    const code = vid || UNTAGGED;
    const inNow = this.ingress[ii]!;
    const outNow = this.egress[ei]!;
    if (inNow !== 0 && inNow !== vniIdx + 1) return PortAddResult.VidInUse;
    if (outNow !== 0 && outNow !== code) return PortAddResult.VniInUse;
    this.ingress[ii] = vniIdx + 1;
    this.egress[ei] = code;
    this.usedPort[port] = 1;
    return PortAddResult.Ok;
  }

  used(port: number): boolean {
    return port < this.maxPorts && this.usedPort[port] === 1;
  }

  /** VNI table index for a frame's VID on `port`, or -1. */
  ingressVni(port: number, vid: number): number {
    return this.ingress[port * VID_COUNT + vid]! - 1;
  }

  /** The egress tag of `port` in the VNI: 0 = untagged, a VID, or -1 when not a member. */
  memberVid(port: number, vniIdx: number): number {
    const c = this.egress[port * this.maxVnis + vniIdx]!;
    if (!c) return -1;
    return c === UNTAGGED ? 0 : c;
  }
}
