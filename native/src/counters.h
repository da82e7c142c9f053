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

// One counter. Only the packet thread writes it (a relaxed load and store,
// not a locked read-modify-write: there is a single writer, so on x86-64 this
// is the same plain add), and any thread may read it with load() at any time
// without a lock and without a data race.
class Ctr {
 public:
  void operator++(int) { add(1); }
  void operator+=(uint64_t n) { add(n); }
  uint64_t load() const { return __atomic_load_n(&v_, __ATOMIC_RELAXED); }
  void reset() { __atomic_store_n(&v_, 0, __ATOMIC_RELAXED); }

 private:
  void add(uint64_t n) { __atomic_store_n(&v_, __atomic_load_n(&v_, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED); }
  uint64_t v_ = 0;
};

class CounterTable {
 public:
  CounterTable(uint32_t maxPorts, uint32_t maxVnis)
      : maxPorts_(maxPorts),
        blocks_(size_t(maxPorts) + 2 + maxVnis),
        values_(new Ctr[blocks_ * kCounterCount]()) {}

  Ctr* port(uint32_t p) { return block(p); }
  Ctr* underlay() { return block(maxPorts_); }
  Ctr* system() { return block(maxPorts_ + 1); }
  Ctr* vni(uint32_t vniIdx) { return block(maxPorts_ + 2 + vniIdx); }

  size_t blocks() const { return blocks_; }
  const Ctr* data() const { return values_.get(); }
  void clearVni(uint32_t vniIdx) {
    Ctr* b = vni(vniIdx);
    for (uint32_t i = 0; i < kCounterCount; i++) b[i].reset();
  }

 private:
  Ctr* block(size_t i) { return values_.get() + i * kCounterCount; }
  uint32_t maxPorts_;
  size_t blocks_;
  std::unique_ptr<Ctr[]> values_;
};

}  // namespace evpn
