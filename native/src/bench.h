// Native micro-benchmarks: loops that must run in C++ so that what is timed
// is the data structure, not the JavaScript boundary.
#pragma once

#include <cstdint>

namespace evpn {

struct FdbBenchResult {
  double nsPerLookup;
  double nsPerInsert;
  uint64_t hits;
};

// Fills an FDB with `entries` random MACs spread over 16 VNIs, then does
// `lookups` lookups of present keys in a scattered order.
FdbBenchResult benchFdbLookups(uint32_t entries, uint32_t lookups);

struct LpmBenchResult {
  double nsPerLookup;
  double nsPerInsert;
  uint64_t hits;
  double bytesPerPrefix;  // IPv4 table and length maps / prefixes
  uint32_t lengths;       // distinct prefix lengths installed
};

// Fills one tenant's IPv4 table with `prefixes` random prefixes, then looks
// up `lookups` addresses inside them in a scattered order. mix 0: an EVPN
// fabric (host routes /32, a /24 per 256 hosts, a default route); mix 1:
// lengths /8../32 weighted like an Internet table (mostly /24, /22, /23).
LpmBenchResult benchLpmLookups(uint32_t prefixes, uint32_t lookups, uint32_t mix);

}  // namespace evpn
