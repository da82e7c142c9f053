#include "vxlan.h"

#include "checksum.h"
#include "flowhash.h"

namespace evpn {

void buildOuterHeader(OuterHeader* h, const UnderlayConfig& u, const IpAddr& remote, uint64_t nextHopMac) {
  uint8_t* p = h->bytes;
  std::memset(p, 0, sizeof h->bytes);
  storeMac(p, nextHopMac ? nextHopMac : u.nextHopMac);
  storeMac(p + 6, u.localMac);
  h->family = remote.family;
  uint8_t* udp;
  if (remote.family == 4) {
    store16(p + 12, kEthIpv4);
    uint8_t* ip = p + kEthHeader;
    ip[0] = 0x45;  // version 4, IHL 5
    ip[1] = u.tos;
    // Identification stays 0: with DF set the datagram is atomic and RFC 6864
    // §4.1 lets the ID be any value. DF is set because RFC 7348 §4.3 forbids
    // VTEPs from fragmenting VXLAN packets.
    store16(ip + 6, 0x4000);
    ip[8] = u.ttl;
    ip[9] = kIpProtoUdp;
    std::memcpy(ip + 12, u.localIp.bytes, 4);
    std::memcpy(ip + 16, remote.bytes, 4);
    h->ipSum = csumAdd(0, ip, kIpv4Header);  // total length and checksum are still zero
    udp = ip + kIpv4Header;
    h->length = kOuterV4;
  } else {
    store16(p + 12, kEthIpv6);
    uint8_t* ip = p + kEthHeader;
    store32(ip, (6u << 28) | (uint32_t(u.tos) << 20));
    ip[6] = kIpProtoUdp;
    ip[7] = u.ttl;
    std::memcpy(ip + 8, u.localIp.bytes, 16);
    std::memcpy(ip + 24, remote.bytes, 16);
    // Pseudo-header (RFC 8200 §8.1): source, destination, next header; the
    // upper-layer length is added per packet.
    h->udpSum = csumAdd(0, ip + 8, 32) + kIpProtoUdp;
    udp = ip + kIpv6Header;
    h->length = kOuterV6;
  }
  store16(udp + 2, u.udpPort);
  udp[kUdpHeader] = kVxlanFlagI;
}

size_t encapsulate(const OuterHeader& h, uint32_t vni, uint32_t flowHash, const FrameView& inner, uint8_t* out) {
  return finishOuter(h, vni, flowHash, writeFrame(inner, 0, out + h.length), out);
}

size_t finishOuter(const OuterHeader& h, uint32_t vni, uint32_t flowHash, size_t innerLen, uint8_t* out) {
  std::memcpy(out, h.bytes, h.length);
  size_t total = h.length + innerLen;
  uint8_t* ip = out + kEthHeader;
  uint16_t udpLen = uint16_t(kUdpHeader + kVxlanHeader + innerLen);
  uint8_t* udp;
  if (h.family == 4) {
    uint16_t ipLen = uint16_t(kIpv4Header + udpLen);
    store16(ip + 2, ipLen);
    store16(ip + 10, csumFinish(h.ipSum + ipLen));
    udp = ip + kIpv4Header;
  } else {
    // RFC 6438 §3: a flow label from the same inner-flow hash lets the
    // underlay balance on the IPv6 header alone.
    store32(ip, load32(ip) | (flowHash & 0xfffff));
    store16(ip + 4, udpLen);
    udp = ip + kIpv6Header;
  }
  store16(udp, vxlanSourcePort(flowHash));
  store16(udp + 4, udpLen);
  store24(udp + kUdpHeader + 4, vni);
  if (h.family == 6) {
    // RFC 8200 §8.1: UDP over IPv6 needs a checksum. RFC 6935/6936 allow a
    // zero checksum for tunnels only under conditions a generic receiver
    // cannot check, so it is computed over the whole datagram. A computed
    // zero is sent as 0xffff (RFC 768).
    uint16_t c = csumFinish(csumAdd(h.udpSum + udpLen, udp, udpLen));
    store16(udp + 6, c ? c : 0xffff);
  }
  // IPv4: the UDP checksum stays zero (RFC 7348 §5 "SHOULD be transmitted as zero").
  return total;
}

}  // namespace evpn
