// Configured VNIs (RFC 7348 §5: 24-bit identifiers) mapped to dense table
// indexes, with each VNI's local access ports and its flood list: the remote
// VTEPs that receive a copy of every BUM frame (ingress replication, RFC 8365
// §8.3.1, built from the Inclusive Multicast Ethernet Tag routes of RFC 7432
// §11).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "flowhash.h"
#include "hash_table.h"

namespace evpn {

struct VniHash {
  static size_t hash(uint32_t v) { return size_t(mix64(v)); }
};

class VniTable {
 public:
  VniTable(uint32_t maxVnis, uint32_t maxPortsPerVni, uint32_t maxFloodPerVni)
      : maxVnis_(maxVnis),
        maxPorts_(maxPortsPerVni),
        maxFlood_(maxFloodPerVni),
        byVni_(maxVnis),
        vniOf_(new uint32_t[maxVnis]()),
        used_(new bool[maxVnis]()),
        portCount_(new uint32_t[maxVnis]()),
        ports_(new uint32_t[size_t(maxVnis) * maxPortsPerVni]()),
        floodCount_(new uint32_t[maxVnis]()),
        flood_(new uint32_t[size_t(maxVnis) * maxFloodPerVni]()) {}

  // Table index of a VNI, adding it when absent; -1 when full or out of range.
  int64_t add(uint32_t vni);
  int64_t find(uint32_t vni) const {
    const uint32_t* i = byVni_.find(vni);
    return i ? int64_t(*i) : -1;
  }
  uint32_t vniOf(uint32_t idx) const { return vniOf_[idx]; }
  bool used(uint32_t idx) const { return idx < maxVnis_ && used_[idx]; }
  uint32_t max() const { return maxVnis_; }

  bool addPort(uint32_t idx, uint32_t port);
  const uint32_t* ports(uint32_t idx, uint32_t* count) const {
    *count = portCount_[idx];
    return &ports_[size_t(idx) * maxPorts_];
  }

  enum class FloodResult { kOk, kFull };
  FloodResult floodAdd(uint32_t idx, uint32_t vtep);
  void floodDel(uint32_t idx, uint32_t vtep);
  void floodDelEverywhere(uint32_t vtep);
  const uint32_t* flood(uint32_t idx, uint32_t* count) const {
    *count = floodCount_[idx];
    return &flood_[size_t(idx) * maxFlood_];
  }

 private:
  uint32_t maxVnis_;
  uint32_t maxPorts_;
  uint32_t maxFlood_;
  uint32_t next_ = 0;
  OpenTable<uint32_t, uint32_t, VniHash> byVni_;
  std::unique_ptr<uint32_t[]> vniOf_;
  std::unique_ptr<bool[]> used_;
  std::unique_ptr<uint32_t[]> portCount_;
  std::unique_ptr<uint32_t[]> ports_;
  std::unique_ptr<uint32_t[]> floodCount_;
  std::unique_ptr<uint32_t[]> flood_;
};

}  // namespace evpn
