// Sanitizer smoke fuzzer for the pure pipeline: mutated frames through both
// paths must never read or write out of bounds. Not part of the addon build:
//   g++ -std=c++17 -O1 -g -fsanitize=address,undefined -fno-exceptions \
//       -I../src fuzz_pipeline.cc ../src/{pipeline,ops,vxlan,vtep_table,vni_table,fdb,arp_suppress}.cc \
//       -o /tmp/fuzz_pipeline && /tmp/fuzz_pipeline 1000000
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "checksum.h"
#include "pipeline.h"

using namespace evpn;

namespace {

uint64_t rng = 0x9e3779b97f4a7c15ULL;
uint32_t next() {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return uint32_t(rng);
}

std::vector<uint8_t> op(std::initializer_list<uint8_t> b) { return std::vector<uint8_t>(b); }

void put(std::vector<uint8_t>& v, const std::vector<uint8_t>& r) { v.insert(v.end(), r.begin(), r.end()); }

}  // namespace

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  PipelineConfig cfg;
  cfg.maxPorts = 4;
  cfg.maxVnis = 8;
  cfg.maxMacs = 256;
  cfg.maxArp = 64;
  cfg.txSlots = 64;
  cfg.maxTenants = 2;
  cfg.maxRoutes = 16;
  cfg.underlay.localIp = IpAddr::v4((const uint8_t*)"\x0a\x62\x00\x02");
  cfg.underlay.localMac = 0x02bbff000002ULL;
  cfg.underlay.nextHopMac = 0x02aaff000001ULL;
  Pipeline p(cfg);
  std::vector<uint8_t> ops;
  put(ops, op({12, 8, 0, 0, 0, 0, 0, 100}));                     // VniAdd 100
  put(ops, op({11, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0}));  // PortAdd 0 untagged
  put(ops, op({11, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 100, 0, 100, 0, 0}));  // PortAdd 1 VID 100
  std::vector<uint8_t> vtep(32, 0);
  vtep[0] = 1, vtep[1] = 32, vtep[8] = 4, vtep[16] = 10, vtep[17] = 0x62, vtep[18] = 0, vtep[19] = 1;
  put(ops, vtep);
  put(ops, op({9, 12, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0}));  // FloodAdd
  std::vector<uint8_t> arp(32, 0);
  arp[0] = 7, arp[1] = 32, arp[7] = 100, arp[8] = 4, arp[10] = 2, arp[15] = 0x12;
  arp[16] = 10, arp[17] = 100, arp[18] = 0, arp[19] = 12;
  put(ops, arp);
  // Routing: tenant 0 (L3VNI 5000, Router's MAC 02:aa:00:00:10:00), VNI 100
  // with gateway 10.100.0.1/24 (MAC 00:00:5e:00:01:01), its connected subnet,
  // and a default route via the VTEP whose Router's MAC is ours, so the
  // encapsulated output seeds the underlay path back into the tenant.
  put(ops, op({16, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0x13, 0x88, 2, 0xaa, 0, 0, 0x10, 0, 0, 0}));
  put(ops, op({18, 12, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0}));
  std::vector<uint8_t> gw(32, 0);
  gw[0] = 19, gw[1] = 32, gw[7] = 100, gw[8] = 4, gw[9] = 24, gw[12] = 0x5e, gw[14] = 1, gw[15] = 1;
  gw[16] = 10, gw[17] = 100, gw[19] = 1;
  put(ops, gw);
  std::vector<uint8_t> conn(44, 0);
  conn[0] = 21, conn[1] = 44, conn[8] = 4, conn[9] = 24, conn[10] = 1, conn[19] = 100, conn[28] = 10, conn[29] = 100;
  put(ops, conn);
  std::vector<uint8_t> dflt(44, 0);
  dflt[0] = 21, dflt[1] = 44, dflt[8] = 4, dflt[18] = 0x13, dflt[19] = 0x88, dflt[20] = 2, dflt[21] = 0xaa, dflt[24] = 0x10;
  put(ops, dflt);
  OpsResult res;
  p.applyOps(ops.data(), ops.size(), &res);
  if (res.rejected) {
    std::fprintf(stderr, "setup rejected %u\n", res.rejected);
    return 1;
  }
  // Seeds: an ARP request for a suppressed IP, and its encapsulation.
  uint8_t arpReq[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0xcc, 0, 0, 0, 0x11, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1,
                        2, 0xcc, 0, 0, 0, 0x11, 10, 100, 0, 11, 0, 0, 0, 0, 0, 0, 10, 100, 0, 12};
  TxBatch tx(cfg.txSlots, p.slotSize());
  std::vector<uint8_t> seeds[5];
  seeds[0].assign(arpReq, arpReq + sizeof arpReq);
  arpReq[41] = 99;  // unknown target: flooded, so encapsulated to the VTEP
  RxFrame in;
  in.data = arpReq;
  in.len = sizeof arpReq;
  in.port = 0;
  p.process(&in, 1, tx, 0);
  for (uint32_t i = 0; i < tx.count(); i++)
    if (tx[i].kind == EgressKind::kVtep) seeds[1].assign(tx[i].data, tx[i].data + tx[i].len);
  // The peer's view: swap outer MACs/IPs so the frame is addressed to us.
  std::vector<uint8_t>& u = seeds[1];
  if (u.size() < 50) return 1;
  std::swap_ranges(u.begin(), u.begin() + 6, u.begin() + 6);
  std::swap_ranges(u.begin() + 26, u.begin() + 30, u.begin() + 30);

  // An NS from fd00::11 for fd00::12 (in the ARP table below), valid checksum.
  std::vector<uint8_t> ns(14 + 40 + 32, 0);
  const uint8_t nsHead[] = {0x33, 0x33, 0xff, 0, 0, 0x12, 2, 0xcc, 0, 0, 0, 0x11, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 32, 58, 255};
  std::memcpy(ns.data(), nsHead, sizeof nsHead);
  uint8_t* ip6 = ns.data() + 14;
  ip6[8] = 0xfd, ip6[23] = 0x11;                                      // source fd00::11
  ip6[24] = 0xff, ip6[25] = 0x02, ip6[35] = 1, ip6[36] = 0xff, ip6[39] = 0x12;  // ff02::1:ff00:12
  uint8_t* icmp = ip6 + 40;
  icmp[0] = 135;
  icmp[8] = 0xfd, icmp[23] = 0x12;  // target fd00::12
  icmp[24] = 1, icmp[25] = 1;
  std::memcpy(icmp + 26, ns.data() + 6, 6);
  uint64_t sum = csumAdd(0, ip6 + 8, 32) + 32 + kIpProtoIcmpv6;
  store16(icmp + 2, csumFinish(csumAdd(sum, icmp, 32)));
  seeds[2] = ns;
  std::vector<uint8_t> arp6(32, 0);
  arp6[0] = 7, arp6[1] = 32, arp6[7] = 100, arp6[8] = 6, arp6[10] = 2, arp6[15] = 0x12, arp6[16] = 0xfd, arp6[31] = 0x12;
  p.applyOps(arp6.data(), arp6.size(), &res);

  // A UDP packet from 10.100.0.11 to the gateway MAC for 10.9.9.9 (the
  // default route), and its encapsulation seen from the peer: routed again.
  std::vector<uint8_t> routed(14 + 20 + 8, 0);
  const uint8_t rHead[] = {0, 0, 0x5e, 0, 1, 1, 2, 0xcc, 0, 0, 0, 0x11, 8, 0, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0,
                           10, 100, 0, 11, 10, 9, 9, 9, 0x30, 0x39, 0, 53, 0, 8};
  std::memcpy(routed.data(), rHead, sizeof rHead);
  store16(routed.data() + 24, csumFinish(csumAdd(0, routed.data() + 14, 20)));
  seeds[3] = routed;
  in.data = routed.data();
  in.len = uint32_t(routed.size());
  tx.clear();
  p.process(&in, 1, tx, 0);
  if (tx.count() != 1 || tx[0].kind != EgressKind::kVtep) {
    std::fprintf(stderr, "routed seed not encapsulated\n");
    return 1;
  }
  seeds[4].assign(tx[0].data, tx[0].data + tx[0].len);
  std::swap_ranges(seeds[4].begin(), seeds[4].begin() + 6, seeds[4].begin() + 6);
  std::swap_ranges(seeds[4].begin() + 26, seeds[4].begin() + 30, seeds[4].begin() + 30);

  std::vector<uint8_t> events(64 * kEventRecord);
  for (long it = 0; it < iterations; it++) {
    const std::vector<uint8_t>& seed = seeds[next() % 5];
    size_t len = seed.size();
    uint32_t cut = next() % 8;
    if (cut == 0) len = next() % (len + 1);
    if (cut == 1) len += next() % 64;
    // Heap buffer of exactly `len` octets so ASan sees any overread.
    std::vector<uint8_t> f(len);
    if (len) std::memcpy(f.data(), seed.data(), std::min(len, seed.size()));
    uint32_t flips = next() % 6;
    for (uint32_t k = 0; k < flips && len; k++) f[next() % len] = uint8_t(next());
    RxFrame r;
    r.data = f.data();
    r.len = uint32_t(len);
    uint32_t where = next() % 4;
    r.port = where == 0 ? kUnderlayPort : where - 1;
    if (where == 0 && (next() & 3) == 0 && len >= 42) {
      r.udpPayload = true;
      r.data += 42;
      r.len -= 42;
      r.srcIp = IpAddr::v4((const uint8_t*)"\x0a\x62\x00\x01");
    }
    tx.clear();
    p.process(&r, 1, tx, uint32_t(it / 1000));
    if ((it & 1023) == 0) {
      p.drainEvents(events.data(), 64);
      p.age(uint32_t(it / 1000), 5, 64);
    }
  }
  // Show that both paths were exercised past their checks, not just dropped.
  std::printf("ok: %ld frames, fdb %zu\n", iterations, p.fdb().size());
  for (uint32_t c : {C_rx_packets, C_tx_packets, C_arp_suppressed, C_nd_suppressed, C_drop_udp_checksum, C_drop_unknown_vni,
                     C_routed_packets, C_drop_ttl})
    std::printf("  %-20s vni %8llu underlay %8llu port0 %8llu\n", kCounterNames[c],
                (unsigned long long)p.counters().vni(0)[c].load(), (unsigned long long)p.counters().underlay()[c].load(),
                (unsigned long long)p.counters().port(0)[c].load());
  return 0;
}
