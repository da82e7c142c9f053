#include "underlay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace evpn {

namespace {

constexpr uint32_t kTxBatch = 256;

bool sysFail(std::string* err, const std::string& what) {
  *err = what + ": " + strerror(errno);
  return false;
}

}  // namespace

Underlay::~Underlay() {
  if (rx_ >= 0) ::close(rx_);
  if (tx_ >= 0) ::close(tx_);
}

bool Underlay::open(const std::string& ifname, const IpAddr& localIp, uint16_t port, uint32_t batch,
                    std::string* err) {
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

  tx_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (tx_ < 0) return sysFail(err, "socket(AF_PACKET) for the underlay");
  if (setsockopt(tx_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
    return sysFail(err, "PACKET_QDISC_BYPASS");
  if (setsockopt(tx_, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(tx_, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;  // send only
  sll.sll_ifindex = int(idx);
  if (bind(tx_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return sysFail(err, "bind " + ifname);

  batch_ = batch;
  slots_.reset(new uint8_t[size_t(batch) * kSlot]);
  msgs_.reset(new mmsghdr[batch]());
  iov_.reset(new iovec[batch]);
  names_.reset(new sockaddr_storage[batch]);
  rxv_.reset(new Rx[batch]);
  for (uint32_t i = 0; i < batch; i++) iov_[i] = {&slots_[size_t(i) * kSlot], kSlot};
  txMsgs_.reset(new mmsghdr[kTxBatch]());
  txIov_.reset(new iovec[kTxBatch]);
  return true;
}

int Underlay::recv() {
  for (uint32_t i = 0; i < batch_; i++) {
    msghdr& m = msgs_[i].msg_hdr;
    m.msg_name = &names_[i];
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_iov = &iov_[i];
    m.msg_iovlen = 1;
    m.msg_control = nullptr;
    m.msg_controllen = 0;
    m.msg_flags = 0;
  }
  int n = recvmmsg(rx_, msgs_.get(), batch_, MSG_DONTWAIT, nullptr);
  if (n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    Rx& r = rxv_[i];
    r.data = static_cast<const uint8_t*>(iov_[i].iov_base);
    r.len = msgs_[i].msg_len;
    r.truncated = (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    const sockaddr_storage& ss = names_[i];
    if (ss.ss_family == AF_INET6) {
      const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      r.src = IpAddr::v6(reinterpret_cast<const uint8_t*>(&s6->sin6_addr));
    } else {
      const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
      r.src = IpAddr::v4(reinterpret_cast<const uint8_t*>(&s4->sin_addr));
    }
  }
  return n;
}

uint32_t Underlay::send(uint8_t* const* frames, const uint32_t* lens, uint32_t n) {
  uint32_t failed = 0;
  for (uint32_t base = 0; base < n;) {
    uint32_t count = n - base < kTxBatch ? n - base : kTxBatch;
    for (uint32_t i = 0; i < count; i++) {
      txIov_[i] = {frames[base + i], lens[base + i]};
      msghdr& m = txMsgs_[i].msg_hdr;
      m = msghdr{};
      m.msg_iov = &txIov_[i];
      m.msg_iovlen = 1;
    }
    uint32_t done = 0;
    while (done < count) {
      int r = sendmmsg(tx_, &txMsgs_[done], count - done, MSG_DONTWAIT);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        failed++;
        done++;
      } else {
        done += uint32_t(r);
      }
    }
    base += count;
  }
  return failed;
}

}  // namespace evpn
