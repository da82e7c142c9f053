// VXLAN encapsulation (RFC 7348 §5).
//
//  Outer Ethernet:  next-hop MAC | local MAC | 0x0800 or 0x86DD
//  Outer IPv4:      RFC 791, DF set, protocol 17       (20 octets)
//   or IPv6:        RFC 8200, next header 17           (40 octets)
//  Outer UDP:       src = hash of the inner flow | dst 4789 | length | checksum
//  VXLAN header:
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |R|R|R|R|I|R|R|R|            Reserved                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                VXLAN Network Identifier (VNI) |   Reserved    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  Inner Ethernet frame (untagged, RFC 7348 §6.1).
//
// A remote VTEP's outer header is built once when the VTEP is added; per
// packet only the lengths, the IPv4 header checksum (incrementally, from a
// precomputed partial sum), the UDP source port, the VNI and - over IPv6 -
// the UDP checksum and flow label change.
#pragma once

#include <cstddef>
#include <cstdint>

#include "net.h"

namespace evpn {

constexpr uint8_t kVxlanFlagI = 0x08;  // RFC 7348 §5: "valid VNI" flag
constexpr size_t kOuterV4 = kEthHeader + kIpv4Header + kUdpHeader + kVxlanHeader;  // 50
constexpr size_t kOuterV6 = kEthHeader + kIpv6Header + kUdpHeader + kVxlanHeader;  // 70
constexpr size_t kMaxOuter = kOuterV6;

struct UnderlayConfig {
  IpAddr localIp;
  uint64_t localMac = 0;
  uint64_t nextHopMac = 0;
  uint16_t udpPort = kVxlanPort;
  uint8_t ttl = 64;
  uint8_t tos = 0;
};

// A prebuilt outer header and the parts of its checksums that never change.
struct OuterHeader {
  uint8_t bytes[kMaxOuter];
  uint8_t length = 0;   // 50 (IPv4) or 70 (IPv6)
  uint8_t family = 0;   // 4 or 6
  uint64_t ipSum = 0;   // IPv4: header sum with total length and checksum zero
  uint64_t udpSum = 0;  // IPv6: pseudo-header sum without the length (RFC 8200 §8.1)
};

void buildOuterHeader(OuterHeader* h, const UnderlayConfig& u, const IpAddr& remote, uint64_t nextHopMac);

// An untagged Ethernet frame seen through its parts, so a frame that arrived
// with an 802.1Q tag can be forwarded without first being copied.
struct FrameView {
  const uint8_t* macs;     // destination then source MAC, 12 octets
  uint16_t etherType;
  const uint8_t* payload;  // after the (stripped) tag and EtherType
  size_t payloadLen;

  size_t untaggedLen() const { return kEthHeader + payloadLen; }
};

// Writes outer header + inner frame to `out` (room for kMaxOuter +
// untaggedLen()); returns the frame length.
size_t encapsulate(const OuterHeader& h, uint32_t vni, uint32_t flowHash, const FrameView& inner, uint8_t* out);
// The same around an inner frame of `innerLen` octets already written at
// out + h.length (a routed frame rewritten in place).
size_t finishOuter(const OuterHeader& h, uint32_t vni, uint32_t flowHash, size_t innerLen, uint8_t* out);

// Writes the frame, with an 802.1Q tag carrying `vid` when vid != 0.
inline size_t writeFrame(const FrameView& f, uint16_t vid, uint8_t* out) {
  std::memcpy(out, f.macs, 12);
  size_t off = 12;
  if (vid) {
    store16(out + off, kEthVlan);
    store16(out + off + 2, vid);
    off += 4;
  }
  store16(out + off, f.etherType);
  off += 2;
  std::memcpy(out + off, f.payload, f.payloadLen);
  return off + f.payloadLen;
}

}  // namespace evpn
