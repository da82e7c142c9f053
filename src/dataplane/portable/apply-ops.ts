/**
 * Applies the packed control records of src/dataplane/ops.ts (the layout of
 * native/src/ops.h) to the portable pipeline's tables, with the C++'s
 * semantics record for record (native/src/ops.cc): each record is checked in
 * the same order and skipped with the same status when rejected; a record
 * whose length runs past the buffer ends the batch (framing is lost).
 *
 * Records are read straight from the bytes rather than through ops.ts
 * decodeOps(): that decoder throws on the first bad record and turns MACs and
 * IPs into strings, where the data plane must go on past a bad record and
 * keeps addresses as numbers.
 */
import type { ApplyOpsResult } from '../native';
import { OP_LENGTH, OP_STATUS, OpType, type OpStatusName } from '../ops';
import type { ArpTable } from './arp-table';
import type { ResolvedConfig } from './config';
import type { Fdb } from './fdb';
import { FDB_REMOTE, FDB_STATIC } from './fdb';
import { ipKeyAt } from './ip-key';
import { ROUTE_LOCAL, type LpmTable } from './lpm';
import { PortAddResult, type AccessPorts } from './ports';
import type { VniTable } from './vni-table';
import { VtepAddResult, type VtepTable } from './vtep-table';
import { load16, load32, macHi, macIsUnicast, macLo } from './wire';

/** The tables an ops batch changes. */
export interface OpsTarget {
  readonly cfg: ResolvedConfig;
  readonly ports: AccessPorts;
  readonly vnis: VniTable;
  readonly vteps: VtepTable;
  readonly fdb: Fdb;
  readonly arp: ArpTable;
  readonly now: number;
  sendProbe(port: number, vniIdx: number, tHi: number, tLo: number, ip4: Uint8Array, ipOff: number): boolean;
  /** Per-VNI MAC limits (0 = none). */
  readonly vniMaxMacs: Uint32Array;
  /** The FDB entry in `slot` is about to change or go: a learned one leaves its port's and VNI's counts. */
  unlearn(vniIdx: number, slot: number): void;
  setPortLimits(port: number, maxMacs: number, arpRate: number, arpBurst: number): void;
  // Routing state (ops VrfAdd..RouteDel), as the C++ Pipeline's.
  readonly lpm: LpmTable;
  readonly tenants: Tenant[];
  /** L2VNI index → tenant it routes in (NO_TENANT). */
  readonly vniTenant: Uint32Array;
  /** L3VNI index → its tenant (NO_TENANT). */
  readonly l3Tenant: Uint32Array;
  readonly gateways: Gateway[];
}

export const NO_TENANT = 0xffffffff;

export interface Tenant {
  used: boolean;
  l3VniIdx: number;
  rmacHi: number;
  rmacLo: number;
}

/** The anycast gateway of an L2VNI (macHi = macLo = 0: none). */
export interface Gateway {
  macHi: number;
  macLo: number;
  has4: boolean;
  has6: boolean;
  ip4: number;
  ip6: Uint8Array;
}

const MAX_REPORTED = 32;

const S = {
  ok: 0,
  truncated: 1,
  unknownType: 2,
  badLength: 3,
  badIndex: 4,
  unknownVni: 5,
  unknownVtep: 6,
  tableFull: 7,
  badFamily: 8,
  badValue: 9,
  conflict: 10,
  unknownTenant: 11,
} as const;

export function applyOpsTo(t: OpsTarget, buf: Uint8Array): ApplyOpsResult {
  const res: ApplyOpsResult = { applied: 0, rejected: 0, rejects: [] };
  const reject = (index: number, status: number): void => {
    res.rejected++;
    if (res.rejects.length < MAX_REPORTED) res.rejects.push({ index, status: OP_STATUS[status] as OpStatusName });
  };
  let off = 0;
  for (let index = 0; off < buf.length; index++) {
    const rlen = buf.length - off >= 4 ? buf[off + 1]! : 0;
    if (rlen < 4 || rlen > buf.length - off) {
      reject(index, S.truncated);
      return res;
    }
    const s = applyRecord(t, buf, off, rlen);
    if (s === S.ok) res.applied++;
    else reject(index, s);
    off += rlen;
  }
  return res;
}

function applyRecord(t: OpsTarget, r: Uint8Array, o: number, rlen: number): number {
  const type = r[o]!;
  if (type === 0 || type >= OP_LENGTH.length) return S.unknownType;
  if (rlen !== OP_LENGTH[type]) return S.badLength;
  switch (type) {
    case OpType.RemoteVtepAdd: {
      const family = r[o + 8]!;
      const key = ipKeyAt(family, r, o + 16);
      if (key === null) return S.badFamily;
      // IPv4 sits in the first four octets; the other twelve are not part of it.
      const ip = new Uint8Array(16);
      ip.set(r.subarray(o + 16, o + 16 + (family === 4 ? 4 : 16)));
      switch (t.vteps.add(load32(r, o + 4), family, key, ip, macHi(r, o + 10), macLo(r, o + 10))) {
        case VtepAddResult.Ok:
          return S.ok;
        case VtepAddResult.BadIndex:
          return S.badIndex;
        case VtepAddResult.BadFamily:
          return S.badFamily;
        case VtepAddResult.IpInUse:
          return S.conflict;
        case VtepAddResult.Full:
          return S.tableFull;
      }
      return S.badValue;
    }
    case OpType.RemoteVtepDel: {
      const idx = load32(r, o + 4);
      if (idx >= t.vteps.max) return S.badIndex;
      // Deleting the VTEP withdraws everything reached through it: MACs that
      // still pointed at it would otherwise blackhole until their own withdraw.
      if (t.vteps.del(idx)) {
        t.fdb.flushVtep(idx);
        t.vnis.floodDelEverywhere(idx);
        t.lpm.flushVtep(idx);
      }
      return S.ok;
    }
    case OpType.RemoteMacAdd: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const vtep = load32(r, o + 8);
      if (vtep >= t.vteps.max) return S.badIndex;
      if (!t.vteps.get(vtep)) return S.unknownVtep;
      const mHi = macHi(r, o + 16);
      const mLo = macLo(r, o + 16);
      if (!macIsUnicast(mHi, mLo)) return S.badValue;
      const s = t.fdb.insert(vi, mHi, mLo);
      if (s < 0) return S.tableFull;
      // A locally configured MAC wins over any advertisement (RFC 7432 §15.2).
      const f = t.fdb.flags[s]!;
      if (!t.fdb.inserted && !(f & FDB_REMOTE) && f & FDB_STATIC) return S.conflict;
      if (!t.fdb.inserted) t.unlearn(vi, s);
      t.fdb.target[s] = vtep;
      t.fdb.seq[s] = load32(r, o + 12);
      t.fdb.flags[s] = FDB_REMOTE | (r[o + 22]! & FDB_STATIC);
      return S.ok;
    }
    case OpType.RemoteMacDel:
    case OpType.LocalMacDel: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const mHi = macHi(r, o + 8);
      const mLo = macLo(r, o + 8);
      const s = t.fdb.find(vi, mHi, mLo);
      const wantRemote = type === OpType.RemoteMacDel;
      if (s >= 0 && t.fdb.isRemote(s) === wantRemote) {
        t.unlearn(vi, s);
        t.fdb.erase(vi, mHi, mLo);
      }
      return S.ok;
    }
    case OpType.LocalMacStatic: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const port = load32(r, o + 8);
      if (port >= t.ports.maxPorts || t.ports.memberVid(port, vi) < 0) return S.badIndex;
      const mHi = macHi(r, o + 12);
      const mLo = macLo(r, o + 12);
      if (!macIsUnicast(mHi, mLo)) return S.badValue;
      const s = t.fdb.insert(vi, mHi, mLo);
      if (s < 0) return S.tableFull;
      if (!t.fdb.inserted) t.unlearn(vi, s);
      t.fdb.target[s] = port;
      t.fdb.seq[s] = 0;
      t.fdb.flags[s] = FDB_STATIC;
      t.fdb.lastSeen[s] = t.now;
      return S.ok;
    }
    case OpType.ArpAdd: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const family = r[o + 8]!;
      const key = ipKeyAt(family, r, o + 16);
      if (key === null) return S.badFamily;
      const mHi = macHi(r, o + 10);
      const mLo = macLo(r, o + 10);
      if (!macIsUnicast(mHi, mLo)) return S.badValue;
      const e = t.arp.insert(vi, family, key);
      if (!e) return S.tableFull;
      e.macHi = mHi;
      e.macLo = mLo;
      e.flags = r[o + 9]!;
      return S.ok;
    }
    case OpType.ArpDel: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const family = r[o + 8]!;
      const key = ipKeyAt(family, r, o + 12);
      if (key === null) return S.badFamily;
      t.arp.erase(vi, family, key);
      return S.ok;
    }
    case OpType.FloodAdd:
    case OpType.FloodDel: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const vtep = load32(r, o + 8);
      if (vtep >= t.vteps.max) return S.badIndex;
      if (type === OpType.FloodDel) {
        t.vnis.floodDel(vi, vtep);
        return S.ok;
      }
      if (!t.vteps.get(vtep)) return S.unknownVtep;
      return t.vnis.floodAdd(vi, vtep) ? S.ok : S.tableFull;
    }
    case OpType.PortAdd: {
      const port = load32(r, o + 4);
      const vi = t.vnis.find(load32(r, o + 8));
      if (port >= t.ports.maxPorts) return S.badIndex;
      if (vi < 0) return S.unknownVni;
      switch (t.ports.add(port, load16(r, o + 12), vi)) {
        case PortAddResult.Ok:
          break;
        case PortAddResult.BadIndex:
          return S.badIndex;
        case PortAddResult.BadVid:
          return S.badValue;
        case PortAddResult.VidInUse:
        case PortAddResult.VniInUse:
          return S.conflict;
      }
      return t.vnis.addPort(vi, port) ? S.ok : S.tableFull;
    }
    case OpType.ArpProbe: {
      const vi = t.vnis.find(load32(r, o + 8));
      if (vi < 0) return S.unknownVni;
      const port = load32(r, o + 4);
      const mHi = macHi(r, o + 12);
      const mLo = macLo(r, o + 12);
      if (port >= t.ports.maxPorts) return S.badIndex;
      if (!macIsUnicast(mHi, mLo) || !t.cfg.probe) return S.badValue;
      return t.sendProbe(port, vi, mHi, mLo, r, o + 20) ? S.ok : S.tableFull;
    }
    case OpType.PortLimits: {
      const port = load32(r, o + 4);
      if (port >= t.ports.maxPorts) return S.badIndex;
      t.setPortLimits(port, load32(r, o + 8), load32(r, o + 12), load32(r, o + 16));
      return S.ok;
    }
    case OpType.VniLimits: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      t.vniMaxMacs[vi] = load32(r, o + 8);
      return S.ok;
    }
    case OpType.VrfAdd:
    case OpType.VrfDel:
    case OpType.VniVrf:
    case OpType.GatewayAdd:
    case OpType.GatewayDel:
    case OpType.RouteAdd:
    case OpType.RouteDel:
      return applyL3(t, r, o, type);
    case OpType.VniAdd: {
      const vni = load32(r, o + 4);
      if (vni > 0xffffff) return S.badValue;
      return t.vnis.add(vni) >= 0 ? S.ok : S.tableFull;
    }
  }
  return S.unknownType;
}

/** Tenants, gateways and routes (native/src/ops.cc applyL3). */
function applyL3(t: OpsTarget, r: Uint8Array, o: number, type: number): number {
  switch (type) {
    case OpType.VrfAdd: {
      const ti = load32(r, o + 4);
      if (ti >= t.cfg.maxTenants) return S.badIndex;
      const l3vni = load32(r, o + 8);
      const mHi = macHi(r, o + 12);
      const mLo = macLo(r, o + 12);
      if (l3vni > 0xffffff || !macIsUnicast(mHi, mLo)) return S.badValue;
      const found = t.vnis.find(l3vni);
      // An L3VNI carries only routed traffic: never an L2VNI's, nor another tenant's.
      if (found >= 0) {
        const l3 = t.l3Tenant[found]!;
        if (t.vnis.ports(found) || t.vniTenant[found] !== NO_TENANT || (l3 !== NO_TENANT && l3 !== ti)) return S.conflict;
      }
      const vi = found >= 0 ? found : t.vnis.add(l3vni);
      if (vi < 0) return S.tableFull;
      const tn = t.tenants[ti]!;
      if (tn.used && tn.l3VniIdx !== vi) t.l3Tenant[tn.l3VniIdx] = NO_TENANT;
      tn.used = true;
      tn.l3VniIdx = vi;
      tn.rmacHi = mHi;
      tn.rmacLo = mLo;
      t.l3Tenant[vi] = ti;
      return S.ok;
    }
    case OpType.VrfDel: {
      const ti = load32(r, o + 4);
      if (ti >= t.cfg.maxTenants) return S.badIndex;
      const tn = t.tenants[ti]!;
      if (!tn.used) return S.ok;
      t.l3Tenant[tn.l3VniIdx] = NO_TENANT;
      for (let i = 0; i < t.vniTenant.length; i++) if (t.vniTenant[i] === ti) t.vniTenant[i] = NO_TENANT;
      t.lpm.flushTenant(ti);
      tn.used = false;
      tn.l3VniIdx = 0;
      tn.rmacHi = 0;
      tn.rmacLo = 0;
      return S.ok;
    }
    case OpType.VniVrf: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const ti = load32(r, o + 8);
      if (ti !== NO_TENANT) {
        if (ti >= t.cfg.maxTenants) return S.badIndex;
        if (!t.tenants[ti]!.used) return S.unknownTenant;
        if (t.l3Tenant[vi] !== NO_TENANT) return S.conflict;
      }
      t.vniTenant[vi] = ti;
      return S.ok;
    }
    case OpType.GatewayAdd: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const family = r[o + 8]!;
      if (family !== 4 && family !== 6) return S.badFamily;
      const mHi = macHi(r, o + 10);
      const mLo = macLo(r, o + 10);
      if (r[o + 9]! > (family === 4 ? 32 : 128) || !macIsUnicast(mHi, mLo)) return S.badValue;
      const g = t.gateways[vi]!;
      g.macHi = mHi;
      g.macLo = mLo;
      if (family === 4) {
        g.has4 = true;
        g.ip4 = load32(r, o + 16);
      } else {
        g.has6 = true;
        g.ip6.set(r.subarray(o + 16, o + 32));
      }
      return S.ok;
    }
    case OpType.GatewayDel: {
      const vi = t.vnis.find(load32(r, o + 4));
      if (vi < 0) return S.unknownVni;
      const g = t.gateways[vi]!;
      if (r[o + 8] === 4) g.has4 = false;
      else if (r[o + 8] === 6) g.has6 = false;
      else return S.badFamily;
      if (!g.has4 && !g.has6) {
        g.macHi = 0;
        g.macLo = 0;
      }
      return S.ok;
    }
    case OpType.RouteAdd:
    case OpType.RouteDel: {
      const ti = load32(r, o + 4);
      if (ti >= t.cfg.maxTenants) return S.badIndex;
      if (!t.tenants[ti]!.used) return S.unknownTenant;
      const family = r[o + 8]!;
      const len = r[o + 9]!;
      const add = type === OpType.RouteAdd;
      if (family !== 4 && family !== 6) return S.badFamily;
      if (len > (family === 4 ? 32 : 128)) return S.badValue;
      const at = o + (add ? 28 : 12);
      if (!add) {
        t.lpm.del(ti, family, r, at, len);
        return S.ok;
      }
      const flags = r[o + 10]! & ROUTE_LOCAL;
      const vni = load32(r, o + 16);
      let nh;
      if (flags) {
        const vi = t.vnis.find(vni);
        if (vi < 0) return S.unknownVni;
        nh = { rmacHi: 0, rmacLo: 0, target: vi, vni: 0, flags };
      } else {
        const vtep = load32(r, o + 12);
        if (vtep >= t.vteps.max) return S.badIndex;
        if (!t.vteps.get(vtep)) return S.unknownVtep;
        const mHi = macHi(r, o + 20);
        const mLo = macLo(r, o + 20);
        if (vni > 0xffffff || !macIsUnicast(mHi, mLo)) return S.badValue;
        nh = { rmacHi: mHi, rmacLo: mLo, target: vtep, vni, flags };
      }
      return t.lpm.add(ti, family, r, at, len, nh) ? S.ok : S.tableFull;
    }
  }
  return S.unknownType;
}
