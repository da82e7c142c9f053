// Counter blocks. Every block holds the full list from counters.def; blocks
// are laid out as [access ports][underlay][system][VNIs] in one array that is
// allocated once, so counting is an index and an add.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace evpn {

enum Counter : uint32_t {
#define EVPN_COUNTER(name, desc) C_##name,
#include "counters.def"
#undef EVPN_COUNTER
  kCounterCount
};

extern const char* const kCounterNames[kCounterCount];

class CounterTable {
 public:
  CounterTable(uint32_t maxPorts, uint32_t maxVnis)
      : maxPorts_(maxPorts),
        blocks_(size_t(maxPorts) + 2 + maxVnis),
        values_(new uint64_t[blocks_ * kCounterCount]()) {}

  uint64_t* port(uint32_t p) { return block(p); }
  uint64_t* underlay() { return block(maxPorts_); }
  uint64_t* system() { return block(maxPorts_ + 1); }
  uint64_t* vni(uint32_t vniIdx) { return block(maxPorts_ + 2 + vniIdx); }

  size_t blocks() const { return blocks_; }
  const uint64_t* data() const { return values_.get(); }
  void clearVni(uint32_t vniIdx) {
    uint64_t* b = vni(vniIdx);
    for (uint32_t i = 0; i < kCounterCount; i++) b[i] = 0;
  }

 private:
  uint64_t* block(size_t i) { return values_.get() + i * kCounterCount; }
  uint32_t maxPorts_;
  size_t blocks_;
  std::unique_ptr<uint64_t[]> values_;
};

}  // namespace evpn
