// Byte-order helpers and the few wire constants the data path needs.
// Everything on the wire is big-endian (network order); these helpers work on
// unaligned bytes so a frame may start at any offset of a ring slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace evpn {

inline uint16_t load16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint32_t load24(const uint8_t* p) { return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2]; }
inline uint32_t load32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline void store16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void store24(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 16);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v);
}
inline void store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
// Host byte order, unaligned: the data plane's own records (capture and
// result rings), never the wire.
inline void put32h(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline uint32_t get32h(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// A MAC address packed into the low 48 bits of a uint64 (first octet highest),
// so a (VNI, MAC) key fits in one machine word.
inline uint64_t loadMac(const uint8_t* p) {
  return (uint64_t(load16(p)) << 32) | load32(p + 2);
}
inline void storeMac(uint8_t* p, uint64_t mac) {
  store16(p, uint16_t(mac >> 32));
  store32(p + 2, uint32_t(mac));
}
// IEEE 802 I/G bit: the least significant bit of the first octet marks a group
// (multicast or broadcast) address.
inline bool macIsGroup(uint64_t mac) { return (mac >> 40) & 1; }
inline bool macIsGroup(const uint8_t* p) { return p[0] & 1; }

// An IPv4 or IPv6 address; IPv4 sits in the first four octets, the rest zero,
// so both families share one key type.
struct IpAddr {
  uint8_t family = 0;  // 4 or 6; 0 = none
  uint8_t bytes[16] = {};

  bool operator==(const IpAddr& o) const {
    return family == o.family && std::memcmp(bytes, o.bytes, 16) == 0;
  }
  static IpAddr v4(const uint8_t* p) {
    IpAddr a;
    a.family = 4;
    std::memcpy(a.bytes, p, 4);
    return a;
  }
  static IpAddr v6(const uint8_t* p) {
    IpAddr a;
    a.family = 6;
    std::memcpy(a.bytes, p, 16);
    return a;
  }
  size_t length() const { return family == 6 ? 16 : 4; }
};

// EtherTypes (IEEE Registration Authority).
constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthArp = 0x0806;
constexpr uint16_t kEthVlan = 0x8100;   // IEEE 802.1Q C-tag
constexpr uint16_t kEthQinQ = 0x88a8;   // IEEE 802.1ad S-tag
constexpr uint16_t kEthIpv6 = 0x86dd;

constexpr size_t kEthHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr size_t kIpv4Header = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kUdpHeader = 8;
constexpr size_t kVxlanHeader = 8;
// IEEE 802.3 minimum frame (64 octets) less the 4-octet FCS the NIC adds.
constexpr size_t kEthMinFrame = 60;

constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoIcmpv6 = 58;

// IANA-assigned VXLAN port (RFC 7348 §5).
constexpr uint16_t kVxlanPort = 4789;

}  // namespace evpn
