#include "bench.h"

#include <time.h>

#include <memory>

#include "fdb.h"

namespace evpn {

namespace {

uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec);
}

}  // namespace

FdbBenchResult benchFdbLookups(uint32_t entries, uint32_t lookups) {
  FdbBenchResult r{0, 0, 0};
  if (entries == 0) return r;
  Fdb fdb(entries);
  std::unique_ptr<uint64_t[]> macs(new uint64_t[entries]);
  // Locally administered unicast MACs from a fixed-seed mix: reproducible.
  for (uint32_t i = 0; i < entries; i++) macs[i] = (mix64(i + 1) & 0xfcffffffffffULL) | 0x020000000000ULL;
  uint64_t t0 = nowNs();
  for (uint32_t i = 0; i < entries; i++) {
    bool inserted;
    FdbEntry* e = fdb.insert(i & 15, macs[i], &inserted);
    if (e) e->target = i;
  }
  uint64_t t1 = nowNs();
  uint64_t hits = 0;
  // A multiplicative stride visits entries in a cache-unfriendly order, as
  // traffic to many hosts would.
  uint64_t idx = 0;
  for (uint32_t i = 0; i < lookups; i++) {
    idx = (idx + 2654435761ULL) % entries;
    const FdbEntry* e = fdb.find(uint32_t(idx) & 15, macs[idx]);
    hits += e != nullptr;
  }
  uint64_t t2 = nowNs();
  r.nsPerInsert = double(t1 - t0) / entries;
  r.nsPerLookup = lookups ? double(t2 - t1) / lookups : 0;
  r.hits = hits;
  return r;
}

}  // namespace evpn
