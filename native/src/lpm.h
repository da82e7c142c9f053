// Per-tenant longest-prefix-match tables for symmetric IRB (RFC 9135) and
// IP Prefix routes (RFC 9136): IPv4 and IPv6, host routes from type 2
// (/32, /128) and prefixes of any length from type 5 (a default route is
// just a /0).
//
// Shape: one fixed-capacity hash table per family keyed by (tenant, prefix
// length, masked prefix), and per tenant a bitmap of the prefix lengths in
// use. A lookup walks the tenant's lengths from the longest down and probes
// the table once per length: O(number of distinct lengths in the tenant),
// which in an EVPN fabric is a handful (/32 or /128 hosts, the gateway
// subnets, a default route), whatever the number of prefixes. Chosen over a
// trie (Lulea, DIR-24-8, poptrie) because it needs no per-prefix allocation,
// reuses the project's open-addressing table (all memory sized at start,
// backward-shift deletes), makes insert/delete O(1), and is simple enough to
// mirror exactly in the TypeScript twin. A tenant with many distinct lengths
// pays one probe per length; the bench (bench/native) measures it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "flowhash.h"
#include "hash_table.h"
#include "net.h"

namespace evpn {

enum RouteFlags : uint8_t {
  kRouteLocal = 1 << 0,  // connected subnet of a local L2VNI (target = VNI index)
};

// What a prefix resolves to. Remote: rewrite the inner destination MAC to
// routerMac and encapsulate with `vni` towards VTEP `target` (RFC 9135 §5.1).
// Local: the host's MAC comes from the ARP/ND table of L2VNI index `target`.
struct RouteNh {
  uint64_t routerMac = 0;
  uint32_t target = 0;
  uint32_t vni = 0;
  uint8_t flags = 0;
  bool local() const { return flags & kRouteLocal; }
};

struct Lpm4Key {
  uint64_t v = 0;  // tenant << 40 | length << 32 | masked address
  bool operator==(const Lpm4Key& o) const { return v == o.v; }
};
struct Lpm4Hash {
  static size_t hash(const Lpm4Key& k) { return size_t(mix64(k.v)); }
};

struct Lpm6Key {
  uint32_t tenant = 0;
  uint8_t len = 0;
  uint8_t addr[16] = {};
  bool operator==(const Lpm6Key& o) const {
    return tenant == o.tenant && len == o.len && std::memcmp(addr, o.addr, 16) == 0;
  }
};
struct Lpm6Hash {
  static size_t hash(const Lpm6Key& k) { return size_t(hashBytes(uint64_t(k.tenant) << 8 | k.len, k.addr, 16)); }
};

class LpmTable {
 public:
  // maxRoutes per family.
  LpmTable(uint32_t maxTenants, uint32_t maxRoutes);

  enum class AddResult { kOk, kFull };
  // `addr` is masked to `len` here; len must be <= 32 (v4) / 128 (v6).
  AddResult add(uint32_t tenant, const IpAddr& addr, uint8_t len, const RouteNh& nh);
  bool del(uint32_t tenant, const IpAddr& addr, uint8_t len);
  // Longest match for `addr` (family 4: 4 octets at bytes, 6: 16); nullptr on a miss.
  const RouteNh* lookup(uint32_t tenant, uint8_t family, const uint8_t* addr) const;

  // Control operations (sweeps, never per packet).
  void flushTenant(uint32_t tenant);
  void flushVtep(uint32_t vtep);     // remote routes through VTEP index `vtep`

  size_t size4() const { return v4_.size(); }
  size_t size6() const { return v6_.size(); }
  // Octets of the IPv4 table and length maps, for the bench's bytes per prefix.
  size_t memoryBytes4() const;

 private:
  static constexpr uint32_t kLens4 = 33;
  static constexpr uint32_t kLens6 = 129;
  void addLen(uint32_t tenant, uint8_t family, uint8_t len);
  void dropLen(uint32_t tenant, uint8_t family, uint8_t len);
  template <typename Pred>
  void sweep(Pred pred);

  uint32_t maxTenants_;
  OpenTable<Lpm4Key, RouteNh, Lpm4Hash> v4_;
  OpenTable<Lpm6Key, RouteNh, Lpm6Hash> v6_;
  // Per tenant: prefixes per length, and the bitmap of lengths in use
  // (bit L of word L/64 set while count > 0). v4 uses word 0 (33 bits).
  std::unique_ptr<uint32_t[]> count4_;
  std::unique_ptr<uint32_t[]> count6_;
  std::unique_ptr<uint64_t[]> bits4_;
  std::unique_ptr<uint64_t[]> bits6_;  // 3 words per tenant
};

// Masks the octets of a prefix beyond `len` bits (16 octets; IPv4 uses 4).
inline void maskPrefix(uint8_t* a, size_t octets, uint32_t len) {
  for (size_t i = 0; i < octets; i++) {
    uint32_t bit = uint32_t(i) * 8;
    if (bit >= len) a[i] = 0;
    else if (len - bit < 8) a[i] &= uint8_t(0xff << (8 - (len - bit)));
  }
}

}  // namespace evpn
