// The forwarding database: (VNI, MAC) -> where the MAC lives.
//
// A local entry points at an access port; a remote entry points at a remote
// VTEP by index (RFC 7432 §9.2.2: the MAC/IP Advertisement route's next hop),
// so moving every MAC behind a VTEP is one VTEP record, not one per MAC.
// Keys pack the VNI's table index and the 48-bit MAC into one uint64.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flowhash.h"
#include "hash_table.h"

namespace evpn {

enum FdbFlags : uint8_t {
  kFdbRemote = 1 << 0,  // target is a VTEP index, else an access port index
  kFdbStatic = 1 << 1,  // configured or sticky (RFC 7432 §15.2): never moved by learning
};

struct FdbEntry {
  uint32_t target = 0;    // access port index or remote VTEP index
  uint32_t seq = 0;       // MAC Mobility sequence number of a remote entry (RFC 7432 §7.7)
  uint32_t lastSeen = 0;  // pipeline clock (seconds) when a local entry was last seen
  uint8_t flags = 0;

  bool remote() const { return flags & kFdbRemote; }
  bool isStatic() const { return flags & kFdbStatic; }
};

struct FdbKeyHash {
  static size_t hash(uint64_t k) { return size_t(mix64(k)); }
};

class Fdb {
 public:
  explicit Fdb(size_t maxEntries) : table_(maxEntries) {}

  static uint64_t key(uint32_t vniIdx, uint64_t mac) { return (uint64_t(vniIdx) + 1) << 48 | mac; }
  static uint32_t keyVni(uint64_t key) { return uint32_t(key >> 48) - 1; }
  static uint64_t keyMac(uint64_t key) { return key & 0xffffffffffffULL; }

  FdbEntry* find(uint32_t vniIdx, uint64_t mac) { return table_.find(key(vniIdx, mac)); }
  FdbEntry* insert(uint32_t vniIdx, uint64_t mac, bool* inserted) {
    return table_.insert(key(vniIdx, mac), inserted);
  }
  bool erase(uint32_t vniIdx, uint64_t mac) { return table_.erase(key(vniIdx, mac)); }

  size_t size() const { return table_.size(); }
  size_t capacity() const { return table_.capacity(); }

  // Removes every entry of a VNI, or every remote entry behind a VTEP.
  void flushVni(uint32_t vniIdx);
  void flushVtep(uint32_t vtepIdx);

  // Incremental aging of learned local entries (RFC 7432 §7.7 leaves the
  // timer to the implementation; IEEE 802.1Q's default is 300 s): examines
  // `budget` slots from an internal cursor and calls onAged(vniIdx, mac,
  // port) for each removed entry. Static and remote entries never age here.
  template <typename Fn>
  void age(uint32_t now, uint32_t maxAge, size_t budget, Fn onAged) {
    table_.sweep(
        ageCursor_, budget,
        [&](uint64_t k, FdbEntry& e) {
          if (e.remote() || e.isStatic() || now - e.lastSeen <= maxAge) return false;
          onAged(keyVni(k), keyMac(k), e.target);
          return true;
        },
        &ageCursor_);
  }

 private:
  OpenTable<uint64_t, FdbEntry, FdbKeyHash> table_;
  size_t ageCursor_ = 0;
};

}  // namespace evpn
