#include "bench.h"

#include <time.h>

#include <memory>

#include "fdb.h"
#include "lpm.h"

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

LpmBenchResult benchLpmLookups(uint32_t prefixes, uint32_t lookups, uint32_t mix) {
  LpmBenchResult r{0, 0, 0, 0, 0};
  if (prefixes == 0) return r;
  LpmTable lpm(1, prefixes + 1);
  std::unique_ptr<uint32_t[]> addrs(new uint32_t[prefixes]);
  std::unique_ptr<uint8_t[]> lens(new uint8_t[prefixes]);
  // Internet-like weights of lengths 8..32 (out of 1000): /24 dominates.
  static const uint16_t kWeights[25] = {1, 1, 1, 2, 4, 6, 10, 12, 20, 25, 30, 40, 50, 60, 80, 100, 530, 2, 2, 2, 2, 2, 2, 2, 3};
  for (uint32_t i = 0; i < prefixes; i++) {
    uint64_t h = mix64(uint64_t(i) + 0x1234567);
    if (mix == 0) {
      // Hosts in 10.0.0.0/8 and 100.64.0.0/10, one /24 per 256 prefixes.
      lens[i] = (i & 255) == 0 ? 24 : 32;
      addrs[i] = uint32_t(h);
    } else {
      uint32_t w = uint32_t(h >> 40) % 1000, len = 8, acc = 0;
      for (uint32_t k = 0; k < 25; k++) {
        acc += kWeights[k];
        if (w < acc) {
          len = 8 + k;
          break;
        }
        len = 32;
      }
      lens[i] = uint8_t(len);
      addrs[i] = uint32_t(h);
    }
  }
  RouteNh nh;
  nh.routerMac = 0x02bb00001000ULL;
  nh.vni = 1000;
  uint8_t a[4];
  uint64_t t0 = nowNs();
  for (uint32_t i = 0; i < prefixes; i++) {
    store32(a, addrs[i]);
    nh.target = i;
    lpm.add(0, IpAddr::v4(a), lens[i], nh);
  }
  store32(a, 0);
  lpm.add(0, IpAddr::v4(a), 0, nh);  // a default route
  uint64_t t1 = nowNs();
  uint64_t hits = 0, idx = 0;
  for (uint32_t i = 0; i < lookups; i++) {
    idx = (idx + 2654435761ULL) % prefixes;
    // Half exact, half with the low octet changed (a longer prefix misses).
    store32(a, addrs[idx] ^ ((i & 1) ? (i & 0xfe) : 0));
    hits += lpm.lookup(0, 4, a) != nullptr;
  }
  uint64_t t2 = nowNs();
  uint32_t distinct = 0;
  for (uint32_t len = 0; len <= 32; len++) {
    bool seen = len == 0;
    for (uint32_t i = 0; i < prefixes && !seen; i++) seen = lens[i] == len;
    distinct += seen;
  }
  r.nsPerInsert = double(t1 - t0) / prefixes;
  r.nsPerLookup = lookups ? double(t2 - t1) / lookups : 0;
  r.hits = hits;
  r.bytesPerPrefix = double(lpm.memoryBytes4()) / double(lpm.size4());
  r.lengths = distinct;
  return r;
}

}  // namespace evpn
