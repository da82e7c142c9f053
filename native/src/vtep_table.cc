#include "vtep_table.h"

namespace evpn {

VtepTable::VtepTable(uint32_t maxVteps, const UnderlayConfig& underlay)
    : max_(maxVteps), underlay_(underlay), vteps_(new RemoteVtep[maxVteps]), byIp_(maxVteps) {}

VtepTable::AddResult VtepTable::add(uint32_t idx, const IpAddr& ip, uint64_t nextHopMac) {
  if (idx >= max_) return AddResult::kBadIndex;
  // One underlay family per instance: the outer header is built from the
  // local address, so a remote of the other family could not be reached.
  if (ip.family != underlay_.localIp.family) return AddResult::kBadFamily;
  const uint32_t* owner = byIp_.find(ip);
  if (owner && *owner != idx) return AddResult::kIpInUse;
  RemoteVtep& v = vteps_[idx];
  if (v.up && !(v.ip == ip)) byIp_.erase(v.ip);
  bool inserted;
  uint32_t* slot = byIp_.insert(ip, &inserted);
  if (!slot) return AddResult::kFull;
  *slot = idx;
  v.ip = ip;
  buildOuterHeader(&v.header, underlay_, ip, nextHopMac);
  v.up = true;
  return AddResult::kOk;
}

bool VtepTable::del(uint32_t idx) {
  if (idx >= max_ || !vteps_[idx].up) return false;
  byIp_.erase(vteps_[idx].ip);
  vteps_[idx].up = false;
  return true;
}

}  // namespace evpn
