// Remote VTEPs by index, each with its outer header prebuilt (vxlan.h), plus
// an index from outer source IP to VTEP used to validate decapsulation: only
// tunnels from VTEPs the control plane knows are accepted (RFC 7348 §7 leaves
// this to the implementation; EVPN learns VTEPs from IMET/MAC routes,
// RFC 8365 §5.1.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "flowhash.h"
#include "hash_table.h"
#include "vxlan.h"

namespace evpn {

struct RemoteVtep {
  bool up = false;
  IpAddr ip;
  OuterHeader header;
};

struct IpKeyHash {
  static size_t hash(const IpAddr& a) {
    return size_t(mix64(hashBytes(a.family, a.bytes, a.length())));
  }
};

class VtepTable {
 public:
  enum class AddResult { kOk, kBadIndex, kBadFamily, kIpInUse, kFull };

  VtepTable(uint32_t maxVteps, const UnderlayConfig& underlay);

  // Adds or replaces VTEP `idx`; nextHopMac 0 = the configured next hop.
  AddResult add(uint32_t idx, const IpAddr& ip, uint64_t nextHopMac);
  bool del(uint32_t idx);

  const RemoteVtep* get(uint32_t idx) const {
    return idx < max_ && vteps_[idx].up ? &vteps_[idx] : nullptr;
  }
  // VTEP index for an outer source address, or -1.
  int64_t findByIp(const IpAddr& ip) const {
    const uint32_t* v = byIp_.find(ip);
    return v ? int64_t(*v) : -1;
  }
  uint32_t max() const { return max_; }
  const UnderlayConfig& underlay() const { return underlay_; }

 private:
  uint32_t max_;
  UnderlayConfig underlay_;
  std::unique_ptr<RemoteVtep[]> vteps_;
  OpenTable<IpAddr, uint32_t, IpKeyHash> byIp_;
};

}  // namespace evpn
