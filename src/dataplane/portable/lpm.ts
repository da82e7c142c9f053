/**
 * Per-tenant longest-prefix-match tables: the twin of native/src/lpm.h, same
 * shape (one table per family keyed by tenant, prefix length and masked
 * prefix; per tenant the count of prefixes of each length) and so the same
 * answers: a lookup probes the tenant's lengths in use from the longest down,
 * O(number of distinct lengths). Bounded like the C++ table: a new prefix
 * beyond `capacity` per family is refused.
 *
 * IPv4 keys are numbers, (tenant × 33 + length) × 2^32 + masked address,
 * exact below 2^53 (tenant < 2^15); IPv6 keys are strings, built only on the
 * IPv6 path.
 */
import * as wire from './wire';

const { load32 } = wire;

export const ROUTE_LOCAL = 1;

/** A next hop (lpm.h RouteNh): remote (VTEP index, VNI, Router's MAC) or local (L2VNI index). */
export interface RouteNh {
  rmacHi: number;
  rmacLo: number;
  target: number;
  vni: number;
  flags: number;
}

const LENS4 = 33;
const LENS6 = 129;

function mask4(addr: number, len: number): number {
  return len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
}

function key4(tenant: number, len: number, addr: number): number {
  return (tenant * LENS4 + len) * 0x100000000 + mask4(addr, len);
}

/** Hex of the 16 octets at p[o] masked to `len` bits. */
function masked6(p: Uint8Array, o: number, len: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    const bit = i * 8;
    let b = p[o + i]!;
    if (bit >= len) b = 0;
    else if (len - bit < 8) b &= (0xff << (8 - (len - bit))) & 0xff;
    s += (b < 16 ? '0' : '') + b.toString(16);
  }
  return s;
}

function key6(tenant: number, len: number, hex: string): string {
  return `${tenant}/${len}/${hex}`;
}

export class LpmTable {
  private readonly v4 = new Map<number, RouteNh>();
  private readonly v6 = new Map<string, RouteNh>();
  private readonly count4: Uint32Array;
  private readonly count6: Uint32Array;

  constructor(
    readonly maxTenants: number,
    readonly capacity: number,
  ) {
    this.count4 = new Uint32Array(maxTenants * LENS4);
    this.count6 = new Uint32Array(maxTenants * LENS6);
  }

  get size4(): number {
    return this.v4.size;
  }

  get size6(): number {
    return this.v6.size;
  }

  /** Installs or replaces; false when the family's table is full. `p[o]` holds the prefix (4 or 16 octets). */
  add(tenant: number, family: number, p: Uint8Array, o: number, len: number, nh: RouteNh): boolean {
    if (family === 4) {
      const k = key4(tenant, len, load32(p, o));
      const had = this.v4.has(k);
      if (!had && this.v4.size >= this.capacity) return false;
      this.v4.set(k, nh);
      if (!had) this.count4[tenant * LENS4 + len]!++;
      return true;
    }
    const k = key6(tenant, len, masked6(p, o, len));
    const had = this.v6.has(k);
    if (!had && this.v6.size >= this.capacity) return false;
    this.v6.set(k, nh);
    if (!had) this.count6[tenant * LENS6 + len]!++;
    return true;
  }

  del(tenant: number, family: number, p: Uint8Array, o: number, len: number): void {
    if (family === 4) {
      if (this.v4.delete(key4(tenant, len, load32(p, o)))) this.count4[tenant * LENS4 + len]!--;
    } else if (this.v6.delete(key6(tenant, len, masked6(p, o, len)))) {
      this.count6[tenant * LENS6 + len]!--;
    }
  }

  /** Longest match for the address at p[o] (family 4: 4 octets, 6: 16). */
  lookup(tenant: number, family: number, p: Uint8Array, o: number): RouteNh | undefined {
    if (family === 4) {
      const a = load32(p, o);
      const base = tenant * LENS4;
      for (let len = 32; len >= 0; len--) {
        if (this.count4[base + len] === 0) continue;
        const nh = this.v4.get(key4(tenant, len, a));
        if (nh) return nh;
      }
      return undefined;
    }
    const base = tenant * LENS6;
    for (let len = 128; len >= 0; len--) {
      if (this.count6[base + len] === 0) continue;
      const nh = this.v6.get(key6(tenant, len, masked6(p, o, len)));
      if (nh) return nh;
    }
    return undefined;
  }

  flushTenant(tenant: number): void {
    this.sweep((t) => t === tenant);
  }

  /** Remote routes through VTEP index `vtep` (the VTEP was deleted). */
  flushVtep(vtep: number): void {
    this.sweep((_t, nh) => !(nh.flags & ROUTE_LOCAL) && nh.target === vtep);
  }

  private sweep(pred: (tenant: number, nh: RouteNh) => boolean): void {
    for (const [k, nh] of this.v4) {
      const hi = Math.floor(k / 0x100000000);
      const tenant = Math.floor(hi / LENS4);
      if (!pred(tenant, nh)) continue;
      this.v4.delete(k);
      this.count4[hi]!--;
    }
    for (const [k, nh] of this.v6) {
      const [t, l] = k.split('/');
      const tenant = Number(t);
      if (!pred(tenant, nh)) continue;
      this.v6.delete(k);
      this.count6[tenant * LENS6 + Number(l)]!--;
    }
  }
}
