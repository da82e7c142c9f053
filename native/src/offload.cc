#include "offload.h"

#include <cstring>

#include "checksum.h"
#include "net.h"

namespace evpn {

namespace {

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;

// End of the IP datagram that starts at `l3`, bounded by the frame (a frame
// may carry Ethernet padding after it); `len` when the header is unknown.
size_t datagramEnd(const uint8_t* f, size_t len) {
  if (len < kEthHeader) return len;
  uint16_t type = load16(f + 12);
  size_t end = len;
  if (type == kEthIpv4 && len >= kEthHeader + kIpv4Header)
    end = kEthHeader + load16(f + kEthHeader + 2);
  else if (type == kEthIpv6 && len >= kEthHeader + kIpv6Header)
    end = kEthHeader + kIpv6Header + load16(f + kEthHeader + 4);
  return end < len ? end : len;
}

}  // namespace

bool completeChecksum(uint8_t* frame, size_t len, uint16_t csumStart, uint16_t csumOffset) {
  size_t end = datagramEnd(frame, len);
  if (size_t(csumStart) + csumOffset + 2 > end) return false;
  uint16_t c = csumFinish(csumAdd(0, frame + csumStart, end - csumStart));
  // RFC 768: a computed zero UDP checksum is sent as all ones (zero means
  // "no checksum"). The UDP checksum is the only one at offset 6.
  if (c == 0 && csumOffset == 6) c = 0xffff;
  store16(frame + csumStart + csumOffset, c);
  return true;
}

int segmentGso(const uint8_t* f, size_t len, const VnetHdr& h, uint8_t* slots, size_t slotSize, size_t headroom,
               size_t maxFrame, size_t maxSegs, uint32_t* lens) {
  uint8_t type = h.gsoType & uint8_t(~kGsoEcn);
  if (len < kEthHeader) return kSegMalformed;
  const size_t l3 = kEthHeader;
  uint16_t ether = load16(f + 12);
  bool v4;
  size_t ipHeader;
  uint8_t proto;
  if (ether == kEthIpv4) {
    if (type != kGsoTcpV4 && type != kGsoUdpL4) return kSegUnsupported;
    if (len < l3 + kIpv4Header) return kSegMalformed;
    v4 = true;
    ipHeader = size_t(f[l3] & 0x0f) * 4;
    proto = f[l3 + 9];
    if ((f[l3] >> 4) != 4 || ipHeader < kIpv4Header) return kSegMalformed;
  } else if (ether == kEthIpv6) {
    if (type != kGsoTcpV6 && type != kGsoUdpL4) return kSegUnsupported;
    if (len < l3 + kIpv6Header) return kSegMalformed;
    v4 = false;
    ipHeader = kIpv6Header;
    proto = f[l3 + 6];  // extension headers are not segmented here
  } else {
    return kSegUnsupported;
  }
  bool tcp = type != kGsoUdpL4;
  if (proto != (tcp ? kIpProtoTcp : kIpProtoUdp)) return kSegUnsupported;
  const size_t l4 = l3 + ipHeader;
  if (h.csumStart != l4) return kSegUnsupported;
  size_t l4Header = kUdpHeader;
  if (tcp) {
    if (len < l4 + 20) return kSegMalformed;
    l4Header = size_t(f[l4 + 12] >> 4) * 4;
    if (l4Header < 20) return kSegMalformed;
  }
  const size_t headers = l4 + l4Header;
  if (len <= headers || h.gsoSize == 0) return kSegMalformed;
  const size_t mss = h.gsoSize;
  const size_t payload = len - headers;
  const size_t n = (payload + mss - 1) / mss;
  if (headers + (payload < mss ? payload : mss) > maxFrame) return kSegOversize;
  if (n > maxSegs) return kSegNoRoom;

  const uint32_t seq0 = tcp ? load32(f + l4 + 4) : 0;
  const uint16_t id0 = v4 ? load16(f + l3 + 4) : 0;
  const size_t csumAt = l4 + (tcp ? 16 : 6);
  for (size_t i = 0; i < n; i++) {
    uint8_t* o = slots + i * slotSize + headroom;
    size_t chunk = i + 1 < n ? mss : payload - i * mss;
    std::memcpy(o, f, headers);
    std::memcpy(o + headers, f + headers + i * mss, chunk);
    uint16_t l4Len = uint16_t(l4Header + chunk);
    uint64_t pseudo;
    if (v4) {
      store16(o + l3 + 2, uint16_t(ipHeader + l4Len));
      store16(o + l3 + 4, uint16_t(id0 + i));
      store16(o + l3 + 10, 0);
      store16(o + l3 + 10, csumFinish(csumAdd(0, o + l3, ipHeader)));
      pseudo = csumAdd(0, o + l3 + 12, 8);
    } else {
      store16(o + l3 + 4, l4Len);
      pseudo = csumAdd(0, o + l3 + 8, 32);
    }
    pseudo += proto + l4Len;
    if (tcp) {
      store32(o + l4 + 4, uint32_t(seq0 + i * mss));
      uint8_t flags = o[l4 + 13];
      if (i > 0) flags &= uint8_t(~kTcpCwr);
      if (i + 1 < n) flags &= uint8_t(~(kTcpFin | kTcpPsh));
      o[l4 + 13] = flags;
    } else {
      store16(o + l4 + 4, l4Len);
    }
    store16(o + csumAt, 0);
    uint16_t c = csumFinish(csumAdd(pseudo, o + l4, l4Len));
    if (c == 0 && !tcp) c = 0xffff;
    store16(o + csumAt, c);
    lens[i] = uint32_t(headers + chunk);
  }
  return int(n);
}

}  // namespace evpn
