// Parsing of ARP and IPv6 Neighbor Discovery messages from local hosts, and
// the replies the VTEP sends on their behalf (ARP/ND suppression, RFC 7432
// §10 and RFC 9161 §3).
#pragma once

#include <cstddef>
#include <cstdint>

#include "net.h"

namespace evpn {

// RFC 826 for Ethernet/IPv4, 28 octets after the EtherType:
//   htype=1 (2) | ptype=0x0800 (2) | hlen=6 | plen=4 | op (2)
//   sha (6) | spa (4) | tha (6) | tpa (4)
constexpr size_t kArpLen = 28;
constexpr uint16_t kArpRequest = 1;
constexpr uint16_t kArpReply = 2;

struct ArpView {
  uint16_t op;
  const uint8_t* sha;
  const uint8_t* spa;
  const uint8_t* tha;
  const uint8_t* tpa;
};

// False unless the payload is an Ethernet/IPv4 ARP message.
bool parseArp(const uint8_t* p, size_t len, ArpView* out);

// An ARP reply from `targetMac` (owner of req.tpa) to the requester, tagged
// with `vid` when non-zero, padded to the 60-octet Ethernet minimum.
// Returns the frame length (at most 64).
size_t buildArpReply(const ArpView& req, const uint8_t* requesterMac, uint64_t targetMac, uint16_t vid,
                     uint8_t* out);

// ICMPv6 types (RFC 4861 §4.3, §4.4).
constexpr uint8_t kNdSolicit = 135;
constexpr uint8_t kNdAdvert = 136;
constexpr uint8_t kNaRouter = 0x80;
constexpr uint8_t kNaSolicited = 0x40;
constexpr uint8_t kNaOverride = 0x20;

struct NdView {
  uint8_t type;            // kNdSolicit or kNdAdvert
  uint8_t naFlags;         // R/S/O of an advertisement
  const uint8_t* src;      // IPv6 source
  const uint8_t* dst;      // IPv6 destination
  const uint8_t* target;   // target address
  const uint8_t* lla;      // source (NS) / target (NA) link-layer address option, or null
};

// Validates an IPv6 packet carrying an NS or NA per RFC 4861 §7.1.1/§7.1.2
// (hop limit 255, ICMPv6 checksum, code 0, lengths, option lengths, target
// not multicast). Packets with extension headers are not parsed (they are
// forwarded as ordinary traffic).
bool parseNd(const uint8_t* ip6, size_t len, NdView* out);

inline bool ipv6Unspecified(const uint8_t* a) {
  for (int i = 0; i < 16; i++)
    if (a[i]) return false;
  return true;
}
inline bool ipv6Multicast(const uint8_t* a) { return a[0] == 0xff; }

// A solicited NA from `targetMac` for ns.target, sent to the soliciting
// host; `flags` carries R and O. Returns the frame length (at most 90).
size_t buildNeighborAdvert(const NdView& ns, const uint8_t* requesterMac, uint64_t targetMac, uint8_t flags,
                           uint16_t vid, uint8_t* out);

}  // namespace evpn
