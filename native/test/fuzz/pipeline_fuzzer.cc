// libFuzzer target for the native frame pipeline (pipeline.cc, ops.cc and
// the tables behind them). Built by test/native/libfuzzer.test.ts:
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined \
//     -fno-sanitize-recover=undefined -fno-exceptions -Inative/src \
//     native/test/fuzz/pipeline_fuzzer.cc native/src/{pipeline,ops,vxlan,vtep_table,vni_table,fdb,arp_suppress,lpm}.cc
//
// Each input gets a fresh pipeline set up as VTEP B of
// ../shared/vectors/vxlan-dataplane-frr.pcap (10.98.0.2, remote VTEP A
// 10.98.0.1), with VNIs 100/200/1000, an untagged and a trunk access port,
// known MACs and ARP/ND bindings, and MAC and ARP/ND limits low enough to be
// reached. Input layout:
//
//   0     selector: bits 0-1 path of the first frame (0 access port 0,
//         1 access port 1 (trunk), 2 underlay Ethernet frame, 3 underlay UDP
//         payload from 10.98.0.1), bit 2 swap the outer MACs and IPv4
//         addresses of underlay frames (the capture holds both directions),
//         bit 3 do not verify outer UDP checksums, bit 4 an ops batch follows,
//         bits 5-7 pipeline clock step
//   [1]   ops length n, then n octets of ops records (bit 4 only)
//   ...   frames: 2-octet big-endian length, then the frame (a length past
//         the end takes the rest); each next frame takes the next path.
//
// Besides ASan/UBSan, the harness checks what must hold whatever the input:
// output frames fit their slot and point at a configured egress, the FDB
// stays within its capacity and the limits, and the learned-MAC counts never
// wrap below zero.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "net.h"
#include "pipeline.h"

using namespace evpn;

namespace {

void put32(std::vector<uint8_t>& v, size_t at, uint32_t x) { store32(v.data() + at, x); }

std::vector<uint8_t> rec(uint8_t type, size_t len) {
  std::vector<uint8_t> r(len, 0);
  r[0] = type;
  r[1] = uint8_t(len);
  return r;
}

void add(std::vector<uint8_t>& ops, const std::vector<uint8_t>& r) { ops.insert(ops.end(), r.begin(), r.end()); }

std::vector<uint8_t> setupOps() {
  std::vector<uint8_t> ops;
  for (uint32_t vni : {100u, 200u, 1000u}) {
    auto r = rec(12, 8);
    put32(r, 4, vni);
    add(ops, r);
  }
  auto port = [&](uint32_t p, uint32_t vni, uint16_t vid) {
    auto r = rec(11, 16);
    put32(r, 4, p);
    put32(r, 8, vni);
    store16(r.data() + 12, vid);
    add(ops, r);
  };
  port(0, 100, 0);
  port(1, 100, 100);
  port(1, 200, 200);
  port(1, 1000, 1000);
  auto vtep = rec(1, 32);
  vtep[8] = 4;
  const uint8_t a[4] = {10, 98, 0, 1};
  std::memcpy(&vtep[16], a, 4);
  add(ops, vtep);
  for (uint32_t vni : {100u, 200u}) {
    auto r = rec(9, 12);
    put32(r, 4, vni);
    add(ops, r);
  }
  // h1 (02:cc:00:00:00:11) behind VTEP A, with its IPv4 and an IPv6 binding.
  auto mac = rec(3, 24);
  put32(mac, 4, 100);
  const uint8_t h1[6] = {2, 0xcc, 0, 0, 0, 0x11};
  std::memcpy(&mac[16], h1, 6);
  add(ops, mac);
  auto arp4 = rec(7, 32);
  put32(arp4, 4, 100);
  arp4[8] = 4;
  std::memcpy(&arp4[10], h1, 6);
  const uint8_t ip4[4] = {10, 100, 0, 11};
  std::memcpy(&arp4[16], ip4, 4);
  add(ops, arp4);
  auto arp6 = rec(7, 32);
  put32(arp6, 4, 100);
  arp6[8] = 6;
  arp6[9] = 3;
  std::memcpy(&arp6[10], h1, 6);
  arp6[16] = 0xfd;
  arp6[31] = 0x11;
  add(ops, arp6);
  // Limits within reach of a few frames.
  auto pl = rec(14, 20);
  put32(pl, 4, 0);
  put32(pl, 8, 4);
  put32(pl, 12, 2);
  put32(pl, 16, 3);
  add(ops, pl);
  auto vl = rec(15, 12);
  put32(vl, 4, 200);
  put32(vl, 8, 3);
  add(ops, vl);
  // Routing: tenant 0 (L3VNI 5000), VNI 100 routed with an anycast gateway
  // 10.100.0.1/24, its connected subnet and a default route via VTEP A.
  const uint8_t rmac[6] = {2, 0xaa, 0, 0, 0x10, 0};
  const uint8_t gwmac[6] = {0, 0, 0x5e, 0, 1, 1};
  auto vrf = rec(16, 20);
  put32(vrf, 8, 5000);
  std::memcpy(&vrf[12], rmac, 6);
  add(ops, vrf);
  auto vv = rec(18, 12);
  put32(vv, 4, 100);
  add(ops, vv);
  auto gw = rec(19, 32);
  put32(gw, 4, 100);
  gw[8] = 4;
  gw[9] = 24;
  std::memcpy(&gw[10], gwmac, 6);
  const uint8_t gwip[4] = {10, 100, 0, 1};
  std::memcpy(&gw[16], gwip, 4);
  add(ops, gw);
  auto conn = rec(21, 44);
  conn[8] = 4;
  conn[9] = 24;
  conn[10] = 1;
  put32(conn, 16, 100);
  std::memcpy(&conn[28], gwip, 4);
  add(ops, conn);
  auto dflt = rec(21, 44);
  dflt[8] = 4;
  put32(dflt, 16, 5000);
  std::memcpy(&dflt[20], rmac, 6);
  dflt[21] = 0xbb;
  add(ops, dflt);
  return ops;
}

const std::vector<uint8_t>& kSetup = *new std::vector<uint8_t>(setupOps());

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t sel = data[0];
  size_t off = 1;
  PipelineConfig cfg;
  cfg.maxPorts = 4;
  cfg.maxVnis = 8;
  cfg.maxVteps = 4;
  cfg.maxMacs = 32;
  cfg.maxArp = 16;
  cfg.maxFloodPerVni = 2;
  cfg.maxTenants = 2;
  cfg.maxRoutes = 16;
  cfg.eventRing = 16;
  cfg.txSlots = 16;
  cfg.underlay.localIp = IpAddr::v4((const uint8_t*)"\x0a\x62\x00\x02");
  cfg.underlay.localMac = 0x02bbff000002ULL;
  cfg.underlay.nextHopMac = 0x02aaff000001ULL;
  cfg.probeMac = 0x02bbff000099ULL;
  cfg.verifyUdpChecksum = !(sel & 8);
  Pipeline p(cfg);
  OpsResult res;
  p.applyOps(kSetup.data(), kSetup.size(), &res);
  check(res.rejected == 0);
  bool fuzzedOps = sel & 16;
  if (fuzzedOps && off < size) {
    size_t n = data[off++];
    if (n > size - off) n = size - off;
    // Exact-size copy so ASan sees any read past the batch.
    std::vector<uint8_t> ops(data + off, data + off + n);
    p.applyOps(ops.data(), ops.size(), &res);
    off += n;
  }
  TxBatch tx(cfg.txSlots, p.slotSize());
  std::vector<uint8_t> events(16 * kEventRecord);
  uint32_t now = 1000;
  for (uint32_t path = sel & 3; off < size; path = (path + 1) & 3) {
    size_t len = size - off;
    if (len >= 2) {
      size_t want = load16(data + off);
      off += 2;
      len = size - off;
      if (want < len) len = want;
    }
    std::vector<uint8_t> f(data + off, data + off + len);
    off += len;
    RxFrame r;
    r.data = f.data();
    r.len = uint32_t(f.size());
    r.port = path < 2 ? path : kUnderlayPort;
    if (path >= 2 && (sel & 4) && f.size() >= 34) {
      std::swap_ranges(f.begin(), f.begin() + 6, f.begin() + 6);
      std::swap_ranges(f.begin() + 26, f.begin() + 30, f.begin() + 30);
    }
    if (path == 3) {
      // As the UDP socket hands it over: the payload after Ethernet/IPv4/UDP.
      size_t skip = f.size() >= 42 ? 42 : 0;
      r.data = f.data() + skip;
      r.len = uint32_t(f.size() - skip);
      r.udpPayload = true;
      r.srcIp = IpAddr::v4((const uint8_t*)"\x0a\x62\x00\x01");
    }
    tx.clear();
    p.process(&r, 1, tx, now);
    for (uint32_t i = 0; i < tx.count(); i++) {
      const TxFrame& t = tx[i];
      check(t.len <= p.slotSize());
      check(t.kind == EgressKind::kPort ? t.index < cfg.maxPorts : t.index < cfg.maxVteps);
    }
    p.drainEvents(events.data(), 16);
    now += (sel >> 5) * 40;
  }
  p.age(now + 301, 300, 64);
  p.drainEvents(events.data(), 16);
  size_t fdb = p.fdb().size();
  check(fdb <= cfg.maxMacs);
  uint32_t vniSum = 0;
  for (uint32_t i = 0; i < cfg.maxVnis; i++) {
    check(p.vniLearned(i) <= fdb);
    vniSum += p.vniLearned(i);
  }
  uint32_t portSum = 0;
  for (uint32_t i = 0; i < cfg.maxPorts; i++) {
    check(p.portLearned(i) <= fdb);
    portSum += p.portLearned(i);
  }
  check(vniSum == portSum && vniSum <= fdb);
  if (!fuzzedOps) {
    check(p.portLearned(0) <= 4);
    check(p.vniLearned(1) <= 3);  // VNI 200 is table index 1
  }
  return 0;
}
