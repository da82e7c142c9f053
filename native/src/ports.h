// Access ports and their VLAN -> VNI mapping.
//
// An untagged port carries one VNI (VID 0 below stands for "untagged", and a
// priority-tagged frame, VID 0 in its tag, is treated as untagged per IEEE
// 802.1Q §9.6). A trunk port maps 802.1Q VIDs to VNIs. A VNI appears at most
// once per port, so the egress tag for (port, VNI) is a single lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace evpn {

class AccessPorts {
 public:
  static constexpr uint16_t kVidCount = 4096;
  static constexpr uint16_t kNoVni = 0;

  enum class AddResult { kOk, kBadIndex, kBadVid, kVidInUse, kVniInUse };

  AccessPorts(uint32_t maxPorts, uint32_t maxVnis)
      : maxPorts_(maxPorts),
        maxVnis_(maxVnis),
        used_(new bool[maxPorts]()),
        ingress_(new uint32_t[size_t(maxPorts) * kVidCount]()),
        egress_(new uint16_t[size_t(maxPorts) * maxVnis]()) {}

  // Maps `vid` (0 = untagged) on `port` to the VNI at table index vniIdx.
  AddResult add(uint32_t port, uint16_t vid, uint32_t vniIdx) {
    if (port >= maxPorts_ || vniIdx >= maxVnis_) return AddResult::kBadIndex;
    if (vid >= 4095) return AddResult::kBadVid;  // 4095 is reserved (IEEE 802.1Q Table 9-2)
    uint32_t& in = ingress_[size_t(port) * kVidCount + vid];
    uint16_t& out = egress_[size_t(port) * maxVnis_ + vniIdx];
    if (in != kNoVni && in != vniIdx + 1) return AddResult::kVidInUse;
    if (out != 0 && out != egressCode(vid)) return AddResult::kVniInUse;
    in = vniIdx + 1;
    out = egressCode(vid);
    used_[port] = true;
    return AddResult::kOk;
  }

  bool used(uint32_t port) const { return port < maxPorts_ && used_[port]; }

  // VNI table index for a frame's VID on `port`, or -1.
  int64_t ingressVni(uint32_t port, uint16_t vid) const {
    uint32_t v = ingress_[size_t(port) * kVidCount + vid];
    return v == kNoVni ? -1 : int64_t(v) - 1;
  }

  // Whether `port` is in the VNI, and with which tag (0 = untagged).
  bool member(uint32_t port, uint32_t vniIdx, uint16_t* vid) const {
    uint16_t c = egress_[size_t(port) * maxVnis_ + vniIdx];
    if (!c) return false;
    *vid = c == kUntagged ? 0 : c;
    return true;
  }

  uint32_t maxPorts() const { return maxPorts_; }

 private:
  static constexpr uint16_t kUntagged = 0x8000;
  static uint16_t egressCode(uint16_t vid) { return vid ? vid : kUntagged; }

  uint32_t maxPorts_;
  uint32_t maxVnis_;
  std::unique_ptr<bool[]> used_;
  std::unique_ptr<uint32_t[]> ingress_;  // [port][vid] -> vniIdx + 1
  std::unique_ptr<uint16_t[]> egress_;   // [port][vniIdx] -> vid, kUntagged, or 0
};

}  // namespace evpn
