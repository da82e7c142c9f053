// Hashes of inner flows and table keys.
//
// RFC 7348 §5: the outer UDP source port "is calculated using a hash of
// fields from the inner packet" so that ECMP in the underlay spreads flows
// while keeping each flow on one path, using the dynamic/private range
// 49152-65535. For IPv6 outer headers the same hash also fills the flow label
// (RFC 6438 §3).
#pragma once

#include <cstddef>
#include <cstdint>

#include "net.h"

namespace evpn {

// The 64-bit finaliser of MurmurHash3: a bijective avalanche mix.
inline uint64_t mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

inline uint64_t hashBytes(uint64_t h, const uint8_t* p, size_t len) {
  while (len >= 8) {
    uint64_t w = (uint64_t(load32(p)) << 32) | load32(p + 4);
    h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
    p += 8;
    len -= 8;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < len; i++) w = (w << 8) | p[i];
  return mix64(h ^ w ^ (uint64_t(len) << 56));
}

// Hash of an inner flow given as the 12 MAC octets, the EtherType and the L3
// payload: the MAC pair and EtherType always; for IPv4/IPv6 the addresses and
// protocol, and for unfragmented TCP/UDP the ports, so a 5-tuple
// stays on one underlay path.
inline uint32_t innerFlowHash(const uint8_t* macs, uint16_t type, const uint8_t* l3, size_t l3len) {
  uint64_t h = hashBytes(0x5bd1e995ULL ^ type, macs, 12);
  const uint8_t* l4 = nullptr;
  uint8_t proto = 0;
  if (type == kEthIpv4 && l3len >= kIpv4Header && (l3[0] >> 4) == 4) {
    size_t ihl = size_t(l3[0] & 0x0f) * 4;
    proto = l3[9];
    h = hashBytes(h ^ proto, l3 + 12, 8);
    // Ports only when the datagram is not fragmented at all (MF clear and offset 0):
    // every fragment of one datagram must hash alike, as Linux's flow dissector does.
    bool firstFragment = (load16(l3 + 6) & 0x3fff) == 0;
    if (firstFragment && ihl >= kIpv4Header && l3len >= ihl + 4) l4 = l3 + ihl;
  } else if (type == kEthIpv6 && l3len >= kIpv6Header && (l3[0] >> 4) == 6) {
    proto = l3[6];
    h = hashBytes(h ^ proto, l3 + 8, 32);
    if (l3len >= kIpv6Header + 4) l4 = l3 + kIpv6Header;
  }
  if (l4 && (proto == kIpProtoTcp || proto == kIpProtoUdp)) h = hashBytes(h, l4, 4);
  return uint32_t(h ^ (h >> 32));
}

// RFC 7348 §5: source port in 49152-65535 (the top two bits set).
inline uint16_t vxlanSourcePort(uint32_t flowHash) { return uint16_t(0xc000 | (flowHash & 0x3fff)); }

}  // namespace evpn
