#include "underlay.h"

#include "sendbatch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "checksum.h"
#include "offload.h"

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace evpn {

namespace {

constexpr uint32_t kTxBatch = 256;
constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(int));
constexpr size_t kIovPerMsg = 2 + Underlay::kMaxGsoSegments;  // vnet header, outer header, payloads
constexpr size_t kMaxOuter = 14 + 40 + 8;                     // Ethernet + IPv6 + UDP
const VnetHdr kZeroVnet = {0, 0, 0, 0, 0, 0};

bool sysFail(std::string* err, const std::string& what) {
  *err = what + ": " + strerror(errno);
  return false;
}

}  // namespace

Underlay::~Underlay() {
  if (rx_ >= 0) ::close(rx_);
  if (tx_ >= 0) ::close(tx_);
}

bool Underlay::open(const std::string& ifname, const IpAddr& localIp, uint16_t port, uint32_t batch, bool gso,
                    std::string* err) {
  gso_ = gso;
  unsigned idx = if_nametoindex(ifname.c_str());
  if (!idx) return sysFail(err, "underlay interface " + ifname);
  int family = localIp.family == 6 ? AF_INET6 : AF_INET;
  rx_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (rx_ < 0) return sysFail(err, "socket(UDP)");
  int one = 1;
  int buf = 8 << 20;
  if (setsockopt(rx_, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(rx_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  sockaddr_storage ss{};
  socklen_t slen;
  if (family == AF_INET6) {
    setsockopt(rx_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, localIp.bytes, 16);
    slen = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, localIp.bytes, 4);
    slen = sizeof *s4;
  }
  if (bind(rx_, reinterpret_cast<sockaddr*>(&ss), slen) < 0) return sysFail(err, "bind VXLAN UDP port");
  // Without UDP_GRO (older kernels) datagrams simply arrive one by one.
  if (gso && setsockopt(rx_, IPPROTO_UDP, UDP_GRO, &one, sizeof one) == 0) slot_ = kGroSlot;

  tx_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (tx_ < 0) return sysFail(err, "socket(AF_PACKET) for the underlay");
  if (setsockopt(tx_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
    return sysFail(err, "PACKET_QDISC_BYPASS");
  if (gso && setsockopt(tx_, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) gso_ = false;
  if (setsockopt(tx_, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(tx_, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;  // send only
  sll.sll_ifindex = int(idx);
  if (bind(tx_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return sysFail(err, "bind " + ifname);

  batch_ = batch;
  slots_.reset(new uint8_t[size_t(batch) * slot_]);
  msgs_.reset(new mmsghdr[batch]());
  iov_.reset(new iovec[batch]);
  names_.reset(new sockaddr_storage[batch]);
  rxv_.reset(new Rx[batch]);
  cmsg_.reset(new uint8_t[size_t(batch) * kCmsgSpace]);
  for (uint32_t i = 0; i < batch; i++) iov_[i] = {&slots_[size_t(i) * slot_], slot_};
  txMsgs_.reset(new mmsghdr[kTxBatch]());
  txIov_.reset(new iovec[kTxBatch * kIovPerMsg]);
  txVnet_.reset(new uint8_t[kTxBatch * sizeof(VnetHdr)]);
  txHeaders_.reset(new uint8_t[kTxBatch * kMaxOuter]);
  return true;
}

int Underlay::recv() {
  for (uint32_t i = 0; i < batch_; i++) {
    msghdr& m = msgs_[i].msg_hdr;
    m.msg_name = &names_[i];
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_iov = &iov_[i];
    m.msg_iovlen = 1;
    m.msg_control = slot_ == kGroSlot ? &cmsg_[size_t(i) * kCmsgSpace] : nullptr;
    m.msg_controllen = slot_ == kGroSlot ? kCmsgSpace : 0;
    m.msg_flags = 0;
  }
  int n = recvmmsg(rx_, msgs_.get(), batch_, MSG_DONTWAIT, nullptr);
  if (n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    Rx& r = rxv_[i];
    r.data = static_cast<const uint8_t*>(iov_[i].iov_base);
    r.len = msgs_[i].msg_len;
    r.truncated = (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    r.segSize = 0;
    msghdr& m = msgs_[i].msg_hdr;
    for (cmsghdr* c = m.msg_controllen ? CMSG_FIRSTHDR(&m) : nullptr; c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != IPPROTO_UDP || c->cmsg_type != UDP_GRO) continue;
      int seg;
      std::memcpy(&seg, CMSG_DATA(c), sizeof seg);
      if (seg > 0 && uint32_t(seg) < r.len) r.segSize = uint32_t(seg);
    }
    const sockaddr_storage& ss = names_[i];
    if (ss.ss_family == AF_INET6) {
      const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      r.src = IpAddr::v6(reinterpret_cast<const uint8_t*>(&s6->sin6_addr));
      r.srcPort = ntohs(s6->sin6_port);
    } else {
      const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
      r.src = IpAddr::v4(reinterpret_cast<const uint8_t*>(&s4->sin_addr));
      r.srcPort = ntohs(s4->sin_port);
    }
  }
  return n;
}

uint32_t Underlay::runLength(uint8_t* const* frames, const uint32_t* lens, const uint16_t* l4Offs, uint32_t i,
                             uint32_t n) const {
  if (!gso_) return 1;
  const uint8_t* a = frames[i];
  uint32_t l4 = l4Offs[i];
  if (l4 < 14 + 20 + 8 || l4 > kMaxOuter || lens[i] <= l4) return 1;
  uint16_t ethType = load16(a + 12);
  bool v6 = ethType == 0x86dd;
  if (!v6 && (ethType != 0x0800 || a[14] != 0x45 || l4 != 14 + 20 + 8)) return 1;
  if (v6 && l4 != 14 + 40 + 8) return 1;
  uint32_t seg = lens[i] - l4;
  uint32_t maxSegs = (65535 - (l4 - 14)) / seg;
  if (maxSegs > kMaxGsoSegments) maxSegs = kMaxGsoSegments;
  uint32_t k = 1;
  for (uint32_t j = i + 1; j < n && k < maxSegs; j++) {
    const uint8_t* b = frames[j];
    if (l4Offs[j] != l4 || lens[j] > lens[i] || lens[j] <= l4) break;
    // Same outer header but for the per-datagram fields (IPv4 total length,
    // ID and checksum; IPv6 payload length; UDP length and checksum).
    bool same = v6 ? std::memcmp(a, b, 18) == 0 && std::memcmp(a + 20, b + 20, 34 + 4) == 0
                   : std::memcmp(a, b, 16) == 0 && std::memcmp(a + 20, b + 20, 4) == 0 &&
                         std::memcmp(a + 26, b + 26, 8 + 4) == 0;
    if (!same) break;
    k++;
    if (lens[j] < lens[i]) break;  // a shorter datagram ends the run
  }
  return k;
}

uint32_t Underlay::send(uint8_t* const* frames, const uint32_t* lens, const uint16_t* l4Offs, uint32_t n) {
  uint32_t failed = 0;
  for (uint32_t base = 0; base < n;) {
    uint32_t msgs = 0, used = 0;
    uint32_t frameOf[kTxBatch + 1];  // first frame of each message, and the end
    while (msgs < kTxBatch && base + used < n) {
      uint32_t i = base + used;
      uint32_t k = runLength(frames, lens, l4Offs, i, n);
      iovec* iov = &txIov_[size_t(msgs) * kIovPerMsg];
      uint8_t* vh = &txVnet_[size_t(msgs) * sizeof(VnetHdr)];
      size_t niov = 0;
      if (gso_) {
        std::memcpy(vh, &kZeroVnet, sizeof(VnetHdr));
        iov[niov++] = {vh, sizeof(VnetHdr)};
      }
      if (k == 1) {
        iov[niov++] = {frames[i], lens[i]};
      } else {
        // One outer header for the run, then each datagram's UDP payload.
        uint32_t l4 = l4Offs[i];
        uint32_t seg = lens[i] - l4;
        uint32_t payload = 0;
        for (uint32_t j = 0; j < k; j++) payload += lens[i + j] - l4;
        uint8_t* h = &txHeaders_[size_t(msgs) * kMaxOuter];
        std::memcpy(h, frames[i], l4);
        uint8_t* udp = h + l4 - 8;
        uint32_t udpLen = 8 + payload;
        bool v6 = load16(h + 12) == 0x86dd;
        uint64_t pseudo = setIpLength(h, v6, udpLen, 17);
        store16(udp + 4, uint16_t(udpLen));
        // CHECKSUM_PARTIAL convention: the field holds the folded pseudo-header
        // sum; the kernel (or NIC) completes it for every datagram.
        store16(udp + 6, csumFold(pseudo));
        VnetHdr v{};
        v.flags = kVnetNeedsCsum;
        v.gsoType = kGsoUdpL4;
        v.hdrLen = uint16_t(l4);
        v.gsoSize = uint16_t(seg);
        v.csumStart = uint16_t(l4 - 8);
        v.csumOffset = 6;
        std::memcpy(vh, &v, sizeof v);
        iov[niov++] = {h, l4};
        for (uint32_t j = 0; j < k; j++) iov[niov++] = {frames[i + j] + l4, lens[i + j] - l4};
        gsoFrames_++;
      }
      msghdr& m = txMsgs_[msgs].msg_hdr;
      m = msghdr{};
      m.msg_iov = iov;
      m.msg_iovlen = niov;
      frameOf[msgs++] = i;
      used += k;
    }
    frameOf[msgs] = base + used;
    failed += sendMessages(tx_, txMsgs_.get(), msgs, frameOf);
    base += used;
  }
  return failed;
}

}  // namespace evpn
