// Applies ops.h records to the pipeline's tables. Runs on the packet thread
// between vectors, so lookups never see a half-applied record.
#include "net.h"
#include "ops.h"
#include "pipeline.h"

namespace evpn {

namespace {

bool readIp(const uint8_t* familyAt, const uint8_t* bytes, IpAddr* out) {
  if (*familyAt == 4) {
    *out = IpAddr::v4(bytes);  // the unused 12 octets are normalised to zero
    return true;
  }
  if (*familyAt == 6) {
    *out = IpAddr::v6(bytes);
    return true;
  }
  return false;
}

bool unicastMac(uint64_t mac) { return mac != 0 && !macIsGroup(mac); }

}  // namespace

void Pipeline::applyOps(const uint8_t* buf, size_t len, OpsResult* result) {
  *result = OpsResult();
  auto reject = [&](uint32_t index, OpStatus s) {
    result->rejected++;
    if (result->reported < OpsResult::kMaxReported) result->rejects[result->reported++] = {index, s};
  };
  size_t off = 0;
  for (uint32_t index = 0; off < len; index++) {
    const uint8_t* r = buf + off;
    size_t rlen = len - off >= kOpHeader ? r[1] : 0;
    if (rlen < kOpHeader || rlen > len - off) {
      reject(index, OpStatus::kTruncated);
      return;
    }
    OpStatus s = applyRecord(r, rlen);
    if (s == OpStatus::kOk)
      result->applied++;
    else
      reject(index, s);
    off += rlen;
  }
}

OpStatus Pipeline::applyRecord(const uint8_t* r, size_t rlen) {
  uint8_t type = r[0];
  if (type == 0 || type > kOpTypeMax) return OpStatus::kUnknownType;
  if (rlen != kOpLength[type]) return OpStatus::kBadLength;
  return applyOne(r, OpType(type));
}

OpStatus Pipeline::applyOne(const uint8_t* r, OpType type) {
  switch (type) {
    case OpType::kRemoteVtepAdd: {
      IpAddr ip;
      if (!readIp(r + 8, r + 16, &ip)) return OpStatus::kBadFamily;
      switch (vteps_.add(load32(r + 4), ip, loadMac(r + 10))) {
        case VtepTable::AddResult::kOk: return OpStatus::kOk;
        case VtepTable::AddResult::kBadIndex: return OpStatus::kBadIndex;
        case VtepTable::AddResult::kBadFamily: return OpStatus::kBadFamily;
        case VtepTable::AddResult::kIpInUse: return OpStatus::kConflict;
        case VtepTable::AddResult::kFull: return OpStatus::kTableFull;
      }
      return OpStatus::kBadValue;
    }
    case OpType::kRemoteVtepDel: {
      uint32_t idx = load32(r + 4);
      if (idx >= vteps_.max()) return OpStatus::kBadIndex;
      // Deleting the VTEP withdraws everything reached through it: MACs that
      // still pointed at it would otherwise blackhole until their own withdraw.
      if (vteps_.del(idx)) {
        fdb_.flushVtep(idx);
        vnis_.floodDelEverywhere(idx);
        lpm_.flushVtep(idx);
      }
      return OpStatus::kOk;
    }
    case OpType::kRemoteMacAdd: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint32_t vtep = load32(r + 8);
      if (vtep >= vteps_.max()) return OpStatus::kBadIndex;
      if (!vteps_.get(vtep)) return OpStatus::kUnknownVtep;
      uint64_t mac = loadMac(r + 16);
      if (!unicastMac(mac)) return OpStatus::kBadValue;
      bool inserted;
      FdbEntry* e = fdb_.insert(uint32_t(vi), mac, &inserted);
      if (!e) return OpStatus::kTableFull;
      // A locally configured MAC wins over any advertisement (RFC 7432 §15.2).
      if (!inserted && !e->remote() && e->isStatic()) return OpStatus::kConflict;
      if (!inserted) unlearn(uint32_t(vi), *e);
      e->target = vtep;
      e->seq = load32(r + 12);
      e->flags = uint8_t(kFdbRemote | (r[22] & kFdbStatic));
      return OpStatus::kOk;
    }
    case OpType::kRemoteMacDel:
    case OpType::kLocalMacDel: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint64_t mac = loadMac(r + 8);
      FdbEntry* e = fdb_.find(uint32_t(vi), mac);
      bool wantRemote = type == OpType::kRemoteMacDel;
      if (e && e->remote() == wantRemote) {
        unlearn(uint32_t(vi), *e);
        fdb_.erase(uint32_t(vi), mac);
      }
      return OpStatus::kOk;
    }
    case OpType::kLocalMacStatic: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint32_t port = load32(r + 8);
      uint16_t vid;
      if (port >= ports_.maxPorts() || !ports_.member(port, uint32_t(vi), &vid)) return OpStatus::kBadIndex;
      uint64_t mac = loadMac(r + 12);
      if (!unicastMac(mac)) return OpStatus::kBadValue;
      bool inserted;
      FdbEntry* e = fdb_.insert(uint32_t(vi), mac, &inserted);
      if (!e) return OpStatus::kTableFull;
      if (!inserted) unlearn(uint32_t(vi), *e);
      e->target = port;
      e->seq = 0;
      e->flags = kFdbStatic;
      e->lastSeen = now_;
      return OpStatus::kOk;
    }
    case OpType::kArpAdd: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      IpAddr ip;
      if (!readIp(r + 8, r + 16, &ip)) return OpStatus::kBadFamily;
      uint64_t mac = loadMac(r + 10);
      if (!unicastMac(mac)) return OpStatus::kBadValue;
      bool inserted;
      ArpEntry* e = arp_.insert(uint32_t(vi), ip, &inserted);
      if (!e) return OpStatus::kTableFull;
      e->mac = mac;
      e->flags = r[9];
      return OpStatus::kOk;
    }
    case OpType::kArpDel: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      IpAddr ip;
      if (!readIp(r + 8, r + 12, &ip)) return OpStatus::kBadFamily;
      arp_.erase(uint32_t(vi), ip);
      return OpStatus::kOk;
    }
    case OpType::kFloodAdd:
    case OpType::kFloodDel: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint32_t vtep = load32(r + 8);
      if (vtep >= vteps_.max()) return OpStatus::kBadIndex;
      if (type == OpType::kFloodDel) {
        vnis_.floodDel(uint32_t(vi), vtep);
        return OpStatus::kOk;
      }
      if (!vteps_.get(vtep)) return OpStatus::kUnknownVtep;
      return vnis_.floodAdd(uint32_t(vi), vtep) == VniTable::FloodResult::kOk ? OpStatus::kOk : OpStatus::kTableFull;
    }
    case OpType::kPortAdd: {
      uint32_t port = load32(r + 4);
      int64_t vi = vnis_.find(load32(r + 8));
      if (port >= ports_.maxPorts()) return OpStatus::kBadIndex;
      if (vi < 0) return OpStatus::kUnknownVni;
      switch (ports_.add(port, load16(r + 12), uint32_t(vi))) {
        case AccessPorts::AddResult::kOk: break;
        case AccessPorts::AddResult::kBadIndex: return OpStatus::kBadIndex;
        case AccessPorts::AddResult::kBadVid: return OpStatus::kBadValue;
        case AccessPorts::AddResult::kVidInUse:
        case AccessPorts::AddResult::kVniInUse: return OpStatus::kConflict;
      }
      return vnis_.addPort(uint32_t(vi), port) ? OpStatus::kOk : OpStatus::kTableFull;
    }
    case OpType::kArpProbe: {
      int64_t vi = vnis_.find(load32(r + 8));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint32_t port = load32(r + 4);
      uint64_t mac = loadMac(r + 12);
      if (port >= ports_.maxPorts()) return OpStatus::kBadIndex;
      if (!unicastMac(mac) || !cfg_.probeMac) return OpStatus::kBadValue;
      return sendProbe(port, uint32_t(vi), mac, r + 20) ? OpStatus::kOk : OpStatus::kTableFull;
    }
    case OpType::kPortLimits: {
      uint32_t port = load32(r + 4);
      if (port >= ports_.maxPorts()) return OpStatus::kBadIndex;
      PortLimits& pl = portLimits_[port];
      pl.maxMacs = load32(r + 8);
      pl.arpRate = load32(r + 12);
      pl.arpBurst = load32(r + 16) ? load32(r + 16) : pl.arpRate;
      pl.arpTokens = pl.arpBurst;
      pl.arpStamp = now_;
      return OpStatus::kOk;
    }
    case OpType::kVniLimits: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      vniMaxMacs_[vi] = load32(r + 8);
      return OpStatus::kOk;
    }
    case OpType::kVrfAdd:
    case OpType::kVrfDel:
    case OpType::kVniVrf:
    case OpType::kGatewayAdd:
    case OpType::kGatewayDel:
    case OpType::kRouteAdd:
    case OpType::kRouteDel:
      return applyL3(r, type);
    case OpType::kVniAdd: {
      uint32_t vni = load32(r + 4);
      if (vni > 0xffffff) return OpStatus::kBadValue;
      return vnis_.add(vni) >= 0 ? OpStatus::kOk : OpStatus::kTableFull;
    }
  }
  return OpStatus::kUnknownType;
}

// Tenants, gateways and routes (the layouts and their meaning are in ops.h).
OpStatus Pipeline::applyL3(const uint8_t* r, OpType type) {
  switch (type) {
    case OpType::kVrfAdd: {
      uint32_t t = load32(r + 4);
      if (t >= cfg_.maxTenants) return OpStatus::kBadIndex;
      uint32_t l3vni = load32(r + 8);
      uint64_t mac = loadMac(r + 12);
      if (l3vni > 0xffffff || !unicastMac(mac)) return OpStatus::kBadValue;
      int64_t found = vnis_.find(l3vni);
      // An L3VNI carries only routed traffic: never an L2VNI's, nor another tenant's.
      if (found >= 0) {
        uint32_t n;
        vnis_.ports(uint32_t(found), &n);
        if (n || vniTenant_[found] != kNoTenant || (l3Tenant_[found] != kNoTenant && l3Tenant_[found] != t))
          return OpStatus::kConflict;
      }
      int64_t vi = found >= 0 ? found : vnis_.add(l3vni);
      if (vi < 0) return OpStatus::kTableFull;
      Tenant& tn = tenants_[t];
      if (tn.used && tn.l3VniIdx != uint32_t(vi)) l3Tenant_[tn.l3VniIdx] = kNoTenant;
      tn.used = true;
      tn.l3VniIdx = uint32_t(vi);
      tn.routerMac = mac;
      l3Tenant_[vi] = t;
      return OpStatus::kOk;
    }
    case OpType::kVrfDel: {
      uint32_t t = load32(r + 4);
      if (t >= cfg_.maxTenants) return OpStatus::kBadIndex;
      Tenant& tn = tenants_[t];
      if (!tn.used) return OpStatus::kOk;
      l3Tenant_[tn.l3VniIdx] = kNoTenant;
      for (uint32_t i = 0; i < cfg_.maxVnis; i++)
        if (vniTenant_[i] == t) vniTenant_[i] = kNoTenant;
      lpm_.flushTenant(t);
      tn = Tenant();
      return OpStatus::kOk;
    }
    case OpType::kVniVrf: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint32_t t = load32(r + 8);
      if (t != kNoTenant) {
        if (t >= cfg_.maxTenants) return OpStatus::kBadIndex;
        if (!tenants_[t].used) return OpStatus::kUnknownTenant;
        if (l3Tenant_[vi] != kNoTenant) return OpStatus::kConflict;
      }
      vniTenant_[vi] = t;
      return OpStatus::kOk;
    }
    case OpType::kGatewayAdd: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      uint8_t family = r[8];
      if (family != 4 && family != 6) return OpStatus::kBadFamily;
      uint64_t mac = loadMac(r + 10);
      if (r[9] > (family == 4 ? 32 : 128) || !unicastMac(mac)) return OpStatus::kBadValue;
      Gateway& g = gateways_[vi];
      g.mac = mac;
      if (family == 4) {
        g.has4 = true;
        std::memcpy(g.ip4, r + 16, 4);
      } else {
        g.has6 = true;
        std::memcpy(g.ip6, r + 16, 16);
      }
      return OpStatus::kOk;
    }
    case OpType::kGatewayDel: {
      int64_t vi = vnis_.find(load32(r + 4));
      if (vi < 0) return OpStatus::kUnknownVni;
      Gateway& g = gateways_[vi];
      if (r[8] == 4) g.has4 = false;
      else if (r[8] == 6) g.has6 = false;
      else return OpStatus::kBadFamily;
      if (!g.has4 && !g.has6) g.mac = 0;
      return OpStatus::kOk;
    }
    case OpType::kRouteAdd:
    case OpType::kRouteDel: {
      uint32_t t = load32(r + 4);
      if (t >= cfg_.maxTenants) return OpStatus::kBadIndex;
      if (!tenants_[t].used) return OpStatus::kUnknownTenant;
      IpAddr prefix;
      uint8_t len = r[9];
      bool add = type == OpType::kRouteAdd;
      if (!readIp(r + 8, r + (add ? 28 : 12), &prefix)) return OpStatus::kBadFamily;
      if (len > (prefix.family == 4 ? 32 : 128)) return OpStatus::kBadValue;
      if (!add) {
        lpm_.del(t, prefix, len);
        return OpStatus::kOk;
      }
      RouteNh nh;
      nh.flags = r[10] & kRouteLocal;
      uint32_t vni = load32(r + 16);
      if (nh.local()) {
        int64_t vi = vnis_.find(vni);
        if (vi < 0) return OpStatus::kUnknownVni;
        nh.target = uint32_t(vi);
      } else {
        uint32_t vtep = load32(r + 12);
        if (vtep >= vteps_.max()) return OpStatus::kBadIndex;
        if (!vteps_.get(vtep)) return OpStatus::kUnknownVtep;
        nh.routerMac = loadMac(r + 20);
        if (vni > 0xffffff || !unicastMac(nh.routerMac)) return OpStatus::kBadValue;
        nh.target = vtep;
        nh.vni = vni;
      }
      return lpm_.add(t, prefix, len, nh) == LpmTable::AddResult::kOk ? OpStatus::kOk : OpStatus::kTableFull;
    }
    default:
      return OpStatus::kUnknownType;
  }
}

}  // namespace evpn
