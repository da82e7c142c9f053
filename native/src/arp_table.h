// IP -> MAC bindings per VNI for ARP/ND suppression (RFC 7432 §10, RFC 9161):
// filled by the control plane from MAC/IP Advertisement routes and from
// locally seen bindings, read by arp_suppress to answer requests on the
// ingress port instead of flooding them across the overlay.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flowhash.h"
#include "hash_table.h"
#include "net.h"

namespace evpn {

enum ArpFlags : uint8_t {
  kArpRouter = 1 << 0,    // ND: answer with the R flag (RFC 4861 §4.4; RFC 9047 ND ext. community)
  kArpOverride = 1 << 1,  // ND: answer with the O flag (RFC 9161 §3.2)
  kArpStatic = 1 << 2,    // configured, informational
};

struct ArpKey {
  uint32_t vniIdx = 0;
  IpAddr ip;
  bool operator==(const ArpKey& o) const { return vniIdx == o.vniIdx && ip == o.ip; }
};

struct ArpEntry {
  uint64_t mac = 0;
  uint8_t flags = 0;
};

struct ArpKeyHash {
  static size_t hash(const ArpKey& k) {
    return size_t(mix64(hashBytes(uint64_t(k.vniIdx) << 8 | k.ip.family, k.ip.bytes, k.ip.length())));
  }
};

class ArpTable {
 public:
  explicit ArpTable(size_t maxEntries) : table_(maxEntries) {}

  const ArpEntry* find(uint32_t vniIdx, const IpAddr& ip) const { return table_.find(ArpKey{vniIdx, ip}); }
  ArpEntry* insert(uint32_t vniIdx, const IpAddr& ip, bool* inserted) {
    return table_.insert(ArpKey{vniIdx, ip}, inserted);
  }
  bool erase(uint32_t vniIdx, const IpAddr& ip) { return table_.erase(ArpKey{vniIdx, ip}); }
  void flushVni(uint32_t vniIdx) {
    size_t next;
    table_.sweep(0, table_.slotCount(), [&](const ArpKey& k, ArpEntry&) { return k.vniIdx == vniIdx; }, &next);
  }
  size_t size() const { return table_.size(); }

 private:
  OpenTable<ArpKey, ArpEntry, ArpKeyHash> table_;
};

}  // namespace evpn
