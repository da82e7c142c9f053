// A fixed-capacity open-addressing hash table with linear probing, the shape
// behind the FDB, the ARP/ND table and the VTEP-by-IP index.
//
// All memory is allocated by the constructor; insert/find/erase never
// allocate, so the packet path can learn MACs. The slot array is at least
// twice the entry limit (load factor <= 0.5), which keeps probe sequences
// short. Deletion uses backward shifting instead of tombstones, so lookups
// never slow down as entries churn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace evpn {

inline size_t nextPow2(size_t n) {
  size_t p = 16;
  while (p < n) p <<= 1;
  return p;
}

template <typename Key, typename Value, typename Hasher>
class OpenTable {
 public:
  explicit OpenTable(size_t maxEntries)
      : max_(maxEntries), mask_(nextPow2(maxEntries * 2) - 1), slots_(new Slot[mask_ + 1]()) {}

  size_t size() const { return size_; }
  size_t capacity() const { return max_; }

  Value* find(const Key& k) {
    for (size_t i = Hasher::hash(k) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == k) return &s.value;
    }
  }
  const Value* find(const Key& k) const { return const_cast<OpenTable*>(this)->find(k); }

  // Returns the value of `k`, inserting a default one (and setting *inserted)
  // when absent; nullptr when the table already holds its maximum.
  Value* insert(const Key& k, bool* inserted) {
    size_t i = Hasher::hash(k) & mask_;
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) break;
      if (s.key == k) {
        *inserted = false;
        return &s.value;
      }
    }
    if (size_ >= max_) return nullptr;
    Slot& s = slots_[i];
    s.used = true;
    s.key = k;
    s.value = Value();
    size_++;
    *inserted = true;
    return &s.value;
  }

  bool erase(const Key& k) {
    size_t i = Hasher::hash(k) & mask_;
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].used) return false;
      if (slots_[i].key == k) break;
    }
    eraseSlot(i);
    return true;
  }

  // Visits every entry; `fn(key, value&)` returns true to delete the entry.
  // Used by control operations (flush, aging), never per packet.
  template <typename Fn>
  void sweep(size_t start, size_t count, Fn fn, size_t* next) {
    size_t i = start & mask_;
    size_t n = 0;
    if (count > mask_ + 1) count = mask_ + 1;  // one full pass at most
    while (n < count) {
      Slot& s = slots_[i];
      // After an erase a later entry may have shifted into slot i: look at
      // it again (each erase shrinks the table, so this terminates).
      if (s.used && fn(s.key, s.value)) {
        eraseSlot(i);
        continue;
      }
      i = (i + 1) & mask_;
      n++;
    }
    *next = i;
  }
  size_t slotCount() const { return mask_ + 1; }
  static constexpr size_t slotBytes() { return sizeof(Slot); }

 private:
  struct Slot {
    Key key;
    Value value;
    bool used;
  };

  // Backward-shift deletion (Knuth vol. 3, 6.4 Algorithm R): pull later
  // members of the probe run into the hole when their home slot allows it.
  void eraseSlot(size_t hole) {
    size_t j = hole;
    for (;;) {
      j = (j + 1) & mask_;
      Slot& s = slots_[j];
      if (!s.used) break;
      size_t home = Hasher::hash(s.key) & mask_;
      // Move s into the hole unless its home lies cyclically in (hole, j].
      bool homeBetween = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!homeBetween) {
        slots_[hole] = s;
        hole = j;
      }
    }
    slots_[hole].used = false;
    size_--;
  }

  size_t max_;
  size_t mask_;
  size_t size_ = 0;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace evpn
