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

}  // namespace evpn
