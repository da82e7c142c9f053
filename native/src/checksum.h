// Internet checksum (RFC 1071): one's-complement sum of 16-bit words.
// Used for the outer IPv4 header (RFC 791 §3.1), the outer UDP checksum over
// IPv6 (RFC 8200 §8.1) and ICMPv6 neighbor advertisements (RFC 4443 §2.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "net.h"

namespace evpn {

// Adds `len` bytes at `p` to a running 64-bit sum (not yet folded). Summing
// 32 bits at a time in a 64-bit accumulator is RFC 1071 §2(B)/(C): carries
// pile up in the high half and are folded once at the end. An odd trailing
// byte is padded with zero on the right (RFC 1071 §4.1).
inline uint64_t csumAdd(uint64_t sum, const uint8_t* p, size_t len) {
  while (len >= 4) {
    sum += (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
    p += 4;
    len -= 4;
  }
  if (len >= 2) {
    sum += (uint32_t(p[0]) << 8) | p[1];
    p += 2;
    len -= 2;
  }
  if (len) sum += uint32_t(p[0]) << 8;
  return sum;
}

inline uint16_t csumFold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

// The value to put in a checksum field: complement of the folded sum.
inline uint16_t csumFinish(uint64_t sum) { return uint16_t(~csumFold(sum)); }

// A coalesced frame's new lengths in its Ethernet + IP header at `h`: the
// IPv6 payload length, or the IPv4 total length and header checksum (RFC 791
// §3.1; a 20-octet IPv4 header), for `l4Len` octets of protocol `proto`
// behind it. Returns that L4 segment's pseudo-header sum, not folded (RFC 768,
// RFC 793 §3.1, RFC 8200 §8.1).
inline uint64_t setIpLength(uint8_t* h, bool v6, uint32_t l4Len, uint8_t proto) {
  if (v6) {
    store16(h + 18, uint16_t(l4Len));
    return csumAdd(0, h + 22, 32) + proto + l4Len;
  }
  store16(h + 16, uint16_t(20 + l4Len));
  store16(h + 24, 0);
  store16(h + 24, csumFinish(csumAdd(0, h + 14, 20)));
  return csumAdd(0, h + 26, 8) + proto + l4Len;
}

// True when a region that includes its own checksum field sums to 0xffff.
inline bool csumValid(const uint8_t* p, size_t len) { return csumFold(csumAdd(0, p, len)) == 0xffff; }

}  // namespace evpn
