// Checks for offload.cc (software checksum completion and GSO segmentation of
// frames from hosts), built with ASan/UBSan by test/native/offload.test.ts:
//  1. a valid TCP/IPv4 and TCP/IPv6 super-frame segments into frames whose
//     IP and TCP checksums verify and whose payloads concatenate back to the
//     original, with sequence numbers advancing and FIN/PSH only at the end;
//  2. a partial UDP checksum completes to one that verifies;
//  3. random mutations of frame bytes and of the virtio_net_hdr never read or
//     write out of bounds (the sanitizers judge).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "checksum.h"
#include "net.h"
#include "offload.h"

using namespace evpn;

namespace {

uint64_t rng = 0x2545f4914f6cdd1dULL;
uint32_t next() {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return uint32_t(rng);
}

int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what);
    failures++;
  }
}

// A TCP super-frame with `payload` octets and a 12-octet option block (TCP header 32).
std::vector<uint8_t> tcpFrame(bool v6, size_t payload) {
  size_t ipLen = v6 ? 40 : 20;
  std::vector<uint8_t> f(14 + ipLen + 32 + payload);
  std::memset(f.data(), 0x02, 12);
  store16(&f[12], v6 ? kEthIpv6 : kEthIpv4);
  uint8_t* ip = &f[14];
  if (v6) {
    ip[0] = 0x60;
    ip[6] = kIpProtoTcp;
    ip[7] = 64;
    for (int i = 0; i < 32; i++) ip[8 + i] = uint8_t(i + 1);
  } else {
    ip[0] = 0x45;
    store16(ip + 4, 0x1234);
    store16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = kIpProtoTcp;
    store32(ip + 12, 0x0a000001);
    store32(ip + 16, 0x0a000002);
  }
  uint8_t* tcp = ip + ipLen;
  store16(tcp, 40000);
  store16(tcp + 2, 5201);
  store32(tcp + 4, 0xfffff000);  // wraps during segmentation
  tcp[12] = 8 << 4;
  tcp[13] = 0x18 | 0x01 | 0x80;  // PSH ACK FIN CWR
  for (size_t i = 0; i < payload; i++) f[14 + ipLen + 32 + i] = uint8_t(i * 7);
  return f;
}

bool l4Valid(const uint8_t* f, size_t len, bool v6) {
  const uint8_t* ip = f + 14;
  uint64_t pseudo;
  size_t l4;
  if (v6) {
    pseudo = csumAdd(0, ip + 8, 32) + ip[6];
    l4 = 14 + 40;
  } else {
    if (!csumValid(ip, 20)) return false;
    pseudo = csumAdd(0, ip + 12, 8) + ip[9];
    l4 = 14 + 20;
  }
  return csumFold(csumAdd(pseudo + (len - l4), f + l4, len - l4)) == 0xffff;
}

void segmentsOf(bool v6) {
  const size_t mss = v6 ? 1428 : 1448, payload = 10 * mss + 100;  // 1500-octet MTU less headers
  std::vector<uint8_t> f = tcpFrame(v6, payload);
  VnetHdr h{1, uint8_t(v6 ? kGsoTcpV6 : kGsoTcpV4), 0, uint16_t(mss), uint16_t(14 + (v6 ? 40 : 20)), 16};
  const size_t slot = 1600;
  std::vector<uint8_t> slots(64 * slot);
  uint32_t lens[64];
  int n = segmentGso(f.data(), f.size(), h, slots.data(), slot, 4, 1518, 64, lens);
  if (n != 11) std::printf("segments: %d\n", n);
  check(n == 11, "segment count");
  size_t hdr = 14 + (v6 ? 40 : 20) + 32;
  std::vector<uint8_t> joined;
  for (int i = 0; i < n; i++) {
    const uint8_t* s = &slots[size_t(i) * slot + 4];
    check(l4Valid(s, lens[i], v6), "segment checksums");
    const uint8_t* tcp = s + hdr - 32;
    check(load32(tcp + 4) == uint32_t(0xfffff000u + uint32_t(i) * mss), "sequence number");
    uint8_t fl = tcp[13];
    check(((fl & 0x09) != 0) == (i == n - 1), "FIN/PSH only on the last segment");
    check(((fl & 0x80) != 0) == (i == 0), "CWR only on the first segment");
    if (!v6) check(load16(s + 14 + 4) == uint16_t(0x1234 + i), "IPv4 ID + 1 per segment");
    joined.insert(joined.end(), s + hdr, s + lens[i]);
  }
  check(joined.size() == payload && std::memcmp(joined.data(), &f[hdr], payload) == 0, "payload reassembles");
  check(segmentGso(f.data(), f.size(), h, slots.data(), slot, 4, 1518, 5, lens) == kSegNoRoom, "no room");
  check(segmentGso(f.data(), f.size(), h, slots.data(), slot, 4, 1000, 64, lens) == kSegOversize, "oversize");
}

void udpChecksum() {
  std::vector<uint8_t> f(14 + 20 + 8 + 33);
  store16(&f[12], kEthIpv4);
  uint8_t* ip = &f[14];
  ip[0] = 0x45;
  store16(ip + 2, uint16_t(f.size() - 14));
  ip[9] = kIpProtoUdp;
  store32(ip + 12, 0xc0a80001);
  store32(ip + 16, 0xc0a80002);
  uint8_t* udp = ip + 20;
  store16(udp + 4, 8 + 33);
  for (int i = 0; i < 33; i++) udp[8 + i] = uint8_t(i * 13 + 1);
  // What a stack with checksum offload leaves: the folded pseudo-header sum.
  store16(udp + 6, csumFold(csumAdd(0, ip + 12, 8) + kIpProtoUdp + 8 + 33));
  f.resize(f.size() + 6);  // Ethernet padding must not enter the sum
  ip = &f[14];
  udp = ip + 20;
  check(completeChecksum(f.data(), f.size(), 34, 6), "complete");
  check(csumFold(csumAdd(csumAdd(0, ip + 12, 8) + kIpProtoUdp + 41, udp, 41)) == 0xffff, "UDP checksum verifies");
  check(!completeChecksum(f.data(), 40, 34, 6), "offset past the datagram");
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  segmentsOf(false);
  segmentsOf(true);
  udpChecksum();
  const size_t slot = 1600;
  std::vector<uint8_t> slots(256 * slot);
  uint32_t lens[256];
  long segmented = 0;
  for (long it = 0; it < iterations; it++) {
    std::vector<uint8_t> f = tcpFrame(next() & 1, next() % 9000);
    if (next() & 1) f.resize(next() % (f.size() + 1));
    for (int m = next() % 6; m > 0 && !f.empty(); m--) f[next() % f.size()] = uint8_t(next());
    // Copy into an exact-size heap block so ASan sees any read past the end.
    std::unique_ptr<uint8_t[]> exact(new uint8_t[f.size() + 1]);
    std::memcpy(exact.get(), f.data(), f.size());
    VnetHdr h{uint8_t(next()), uint8_t(next() % 8), uint16_t(next()), uint16_t(next() % 3 ? 1 + next() % 2000 : next()),
              uint16_t(next() % 3 ? 34 + (next() % 2) * 20 : next()), uint16_t(next() % 3 ? 16 : next())};
    if (next() & 1) h.gsoType = (f.size() > 13 && load16(&f[12]) == kEthIpv6) ? kGsoTcpV6 : kGsoTcpV4;
    int n = segmentGso(exact.get(), f.size(), h, slots.data(), slot, 4, 1518, 256, lens);
    if (n > 0) segmented++;
    completeChecksum(exact.get(), f.size(), h.csumStart, h.csumOffset);
  }
  std::printf("%s: %ld mutated frames, %ld segmented\n", failures ? "FAILED" : "ok", iterations, segmented);
  return failures ? 1 : 0;
}
