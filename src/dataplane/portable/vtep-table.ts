/**
 * Remote VTEPs by index, each with its outer header prebuilt (vxlan.ts), and
 * an index from outer source IP to VTEP that validates decapsulation: only
 * tunnels from VTEPs the control plane knows are accepted (RFC 7348 §7 leaves
 * this to the implementation; EVPN learns VTEPs from IMET/MAC routes, RFC
 * 8365 §5.1.3). The twin of native/src/vtep_table.{h,cc}.
 */
import type { IpKey } from './ip-key';
import { OuterHeader, type UnderlaySettings } from './vxlan';

export const enum VtepAddResult {
  Ok,
  BadIndex,
  BadFamily,
  IpInUse,
  Full,
}

export interface RemoteVtep {
  up: boolean;
  family: 4 | 6;
  key: IpKey;
  /** 16 octets, IPv4 in the first four. */
  ip: Uint8Array;
  header: OuterHeader;
}

export class VtepTable {
  private readonly vteps: (RemoteVtep | undefined)[];
  private readonly byIp = new Map<IpKey, number>();

  constructor(
    readonly max: number,
    readonly underlay: UnderlaySettings,
  ) {
    this.vteps = new Array<RemoteVtep | undefined>(max);
  }

  /** Adds or replaces VTEP `idx`; a zero next-hop MAC means the configured one. */
  add(idx: number, family: number, key: IpKey, ip: Uint8Array, nhHi: number, nhLo: number): VtepAddResult {
    if (idx >= this.max) return VtepAddResult.BadIndex;
    // One underlay family per instance: the outer header is built from the
    // local address, so a remote of the other family could not be reached.
    if (family !== this.underlay.family) return VtepAddResult.BadFamily;
    const owner = this.byIp.get(key);
    if (owner !== undefined && owner !== idx) return VtepAddResult.IpInUse;
    let v = this.vteps[idx];
    if (v?.up && v.key !== key) this.byIp.delete(v.key);
    if (!this.byIp.has(key) && this.byIp.size >= this.max) return VtepAddResult.Full;
    this.byIp.set(key, idx);
    if (!v) {
      v = { up: false, family: this.underlay.family, key, ip: new Uint8Array(16), header: new OuterHeader() };
      this.vteps[idx] = v;
    }
    v.key = key;
    v.family = this.underlay.family;
    v.ip.set(ip);
    v.header.build(this.underlay, ip, nhHi, nhLo);
    v.up = true;
    return VtepAddResult.Ok;
  }

  del(idx: number): boolean {
    const v = idx < this.max ? this.vteps[idx] : undefined;
    if (!v?.up) return false;
    this.byIp.delete(v.key);
    v.up = false;
    return true;
  }

  get(idx: number): RemoteVtep | undefined {
    const v = idx < this.max ? this.vteps[idx] : undefined;
    return v?.up ? v : undefined;
  }

  /** VTEP index for an outer source address, or -1. */
  findByIp(key: IpKey): number {
    return this.byIp.get(key) ?? -1;
  }
}
