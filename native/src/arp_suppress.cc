#include "arp_suppress.h"

#include "checksum.h"

namespace evpn {

bool parseArp(const uint8_t* p, size_t len, ArpView* out) {
  if (len < kArpLen) return false;
  if (load16(p) != 1 || load16(p + 2) != kEthIpv4 || p[4] != 6 || p[5] != 4) return false;
  out->op = load16(p + 6);
  out->sha = p + 8;
  out->spa = p + 14;
  out->tha = p + 18;
  out->tpa = p + 24;
  return true;
}

static size_t writeEthHeader(uint8_t* out, const uint8_t* dst, uint64_t src, uint16_t vid, uint16_t type) {
  std::memcpy(out, dst, 6);
  storeMac(out + 6, src);
  size_t off = 12;
  if (vid) {
    store16(out + off, kEthVlan);
    store16(out + off + 2, vid);
    off += 4;
  }
  store16(out + off, type);
  return off + 2;
}

size_t buildArpReply(const ArpView& req, const uint8_t* requesterMac, uint64_t targetMac, uint16_t vid,
                     uint8_t* out) {
  size_t off = writeEthHeader(out, requesterMac, targetMac, vid, kEthArp);
  uint8_t* a = out + off;
  store16(a, 1);
  store16(a + 2, kEthIpv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, kArpReply);
  // RFC 826 "Packet Reception": swap sender and target, fill in our hardware
  // address as the sender.
  storeMac(a + 8, targetMac);
  std::memcpy(a + 14, req.tpa, 4);
  std::memcpy(a + 18, req.sha, 6);
  std::memcpy(a + 24, req.spa, 4);
  size_t len = off + kArpLen;
  if (len < kEthMinFrame) {
    std::memset(out + len, 0, kEthMinFrame - len);
    len = kEthMinFrame;
  }
  return len;
}

// Pseudo-header sum for ICMPv6 (RFC 4443 §2.3, RFC 8200 §8.1).
static uint64_t icmp6PseudoSum(const uint8_t* src, const uint8_t* dst, uint32_t len) {
  return csumAdd(0, src, 16) + csumAdd(0, dst, 16) + (len >> 16) + (len & 0xffff) + kIpProtoIcmpv6;
}

bool parseNd(const uint8_t* ip, size_t len, NdView* out) {
  if (len < kIpv6Header + 24 || (ip[0] >> 4) != 6) return false;
  size_t plen = load16(ip + 4);
  if (ip[6] != kIpProtoIcmpv6 || plen > len - kIpv6Header || plen < 24) return false;
  // RFC 4861 §7.1.1: hop limit 255 proves the sender is on-link.
  if (ip[7] != 255) return false;
  const uint8_t* icmp = ip + kIpv6Header;
  if ((icmp[0] != kNdSolicit && icmp[0] != kNdAdvert) || icmp[1] != 0) return false;
  if (csumFold(icmp6PseudoSum(ip + 8, ip + 24, uint32_t(plen)) + csumAdd(0, icmp, plen)) != 0xffff) return false;
  out->type = icmp[0];
  out->naFlags = icmp[4] & (kNaRouter | kNaSolicited | kNaOverride);
  out->src = ip + 8;
  out->dst = ip + 24;
  out->target = icmp + 8;
  out->lla = nullptr;
  if (ipv6Multicast(out->target)) return false;
  uint8_t wantOpt = out->type == kNdSolicit ? 1 : 2;  // source / target link-layer address
  for (size_t o = 24; o < plen;) {
    if (plen - o < 2) return false;
    size_t olen = size_t(icmp[o + 1]) * 8;
    if (olen == 0 || olen > plen - o) return false;  // RFC 4861 §7.1.1: option length > 0
    if (icmp[o] == wantOpt && olen == 8) out->lla = icmp + o + 2;
    o += olen;
  }
  if (out->type == kNdSolicit) {
    // DAD probes come from :: to a solicited-node group, without SLLA.
    if (ipv6Unspecified(out->src) && (out->lla || out->dst[0] != 0xff || out->dst[1] != 0x02)) return false;
  } else if (ipv6Multicast(out->dst) && (out->naFlags & kNaSolicited)) {
    return false;  // RFC 4861 §7.1.2
  }
  return true;
}

size_t buildNeighborAdvert(const NdView& ns, const uint8_t* requesterMac, uint64_t targetMac, uint8_t flags,
                           uint16_t vid, uint8_t* out) {
  size_t off = writeEthHeader(out, requesterMac, targetMac, vid, kEthIpv6);
  uint8_t* ip = out + off;
  constexpr uint16_t kNaLen = 8 + 16 + 8;  // header, target, TLLA option
  store32(ip, 6u << 28);
  store16(ip + 4, kNaLen);
  ip[6] = kIpProtoIcmpv6;
  ip[7] = 255;
  std::memcpy(ip + 8, ns.target, 16);
  std::memcpy(ip + 24, ns.src, 16);
  uint8_t* icmp = ip + kIpv6Header;
  std::memset(icmp, 0, kNaLen);
  icmp[0] = kNdAdvert;
  // RFC 4861 §7.2.4: a reply to a unicast-sourced NS is solicited.
  icmp[4] = uint8_t(kNaSolicited | (flags & (kNaRouter | kNaOverride)));
  std::memcpy(icmp + 8, ns.target, 16);
  icmp[24] = 2;  // target link-layer address
  icmp[25] = 1;
  storeMac(icmp + 26, targetMac);
  store16(icmp + 2, csumFinish(icmp6PseudoSum(ip + 8, ip + 24, kNaLen) + csumAdd(0, icmp, kNaLen)));
  return off + kIpv6Header + kNaLen;
}

}  // namespace evpn
