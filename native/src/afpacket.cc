#include "afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "net.h"

namespace evpn {

namespace {

constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(tpacket_auxdata));
constexpr uint32_t kTxBatch = 256;
const VnetHdr kZeroVnet = {0, 0, 0, 0, 0, 0};

bool sysFail(std::string* err, const std::string& what) {
  *err = what + ": " + strerror(errno);
  return false;
}

}  // namespace

AfPacketPort::~AfPacketPort() {
  if (fd_ >= 0) ::close(fd_);
}

bool AfPacketPort::open(const std::string& ifname, uint32_t batch, std::string* err) {
  name_ = ifname;
  unsigned idx = if_nametoindex(ifname.c_str());
  if (!idx) return sysFail(err, "interface " + ifname);
  fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd_ < 0) return sysFail(err, "socket(AF_PACKET)");
  int one = 1;
  // The vnet header must be enabled before bind (packet(7)).
  if (setsockopt(fd_, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) return sysFail(err, "PACKET_VNET_HDR");
  if (setsockopt(fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) return sysFail(err, "PACKET_AUXDATA");
  if (setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
    return sysFail(err, "PACKET_QDISC_BYPASS");
  if (setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
    return sysFail(err, "PACKET_IGNORE_OUTGOING");
  int buf = 8 << 20;
  // As root the limits of net.core.[rw]mem_max do not apply; otherwise keep the default.
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = int(idx);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) return sysFail(err, "bind " + ifname);
  packet_mreq mr{};
  mr.mr_ifindex = int(idx);
  mr.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) return sysFail(err, "PACKET_MR_PROMISC");

  batch_ = batch;
  slots_.reset(new uint8_t[size_t(batch) * (kHeadroom + kSlotData)]);
  vnet_.reset(new VnetHdr[batch]);
  msgs_.reset(new mmsghdr[batch]());
  iov_.reset(new iovec[size_t(batch) * 2]);
  cmsg_.reset(new uint8_t[size_t(batch) * kCmsgSpace]);
  rx_.reset(new Rx[batch]);
  tags_.reset(new uint32_t[batch]);
  for (uint32_t i = 0; i < batch; i++) {
    iov_[i * 2] = {&vnet_[i], sizeof(VnetHdr)};
    iov_[i * 2 + 1] = {&slots_[i * (kHeadroom + kSlotData) + kHeadroom], kSlotData};
  }
  txMsgs_.reset(new mmsghdr[kTxBatch]());
  txIov_.reset(new iovec[kTxBatch * 2]);
  return true;
}

int AfPacketPort::recv() {
  for (uint32_t i = 0; i < batch_; i++) {
    msghdr& m = msgs_[i].msg_hdr;
    m.msg_name = nullptr;
    m.msg_namelen = 0;
    m.msg_iov = &iov_[i * 2];
    m.msg_iovlen = 2;
    m.msg_control = &cmsg_[i * kCmsgSpace];
    m.msg_controllen = kCmsgSpace;
    m.msg_flags = 0;
  }
  int n = recvmmsg(fd_, msgs_.get(), batch_, MSG_DONTWAIT, nullptr);
  if (n <= 0) return 0;
  for (int i = 0; i < n; i++) {
    msghdr& m = msgs_[i].msg_hdr;
    Rx& r = rx_[i];
    r.data = static_cast<uint8_t*>(iov_[i * 2 + 1].iov_base);
    uint32_t got = msgs_[i].msg_len;
    r.len = got > sizeof(VnetHdr) ? got - uint32_t(sizeof(VnetHdr)) : 0;
    r.truncated = (m.msg_flags & MSG_TRUNC) != 0;
    r.vnet = vnet_[i];
    tags_[i] = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      if (aux.tp_status & TP_STATUS_VLAN_VALID) {
        uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : kEthVlan;
        tags_[i] = (uint32_t(tpid) << 16) | aux.tp_vlan_tci;  // tpid is never 0, so neither is this
      }
    }
  }
  return n;
}

bool AfPacketPort::tagOf(int i, uint16_t* tpid, uint16_t* tci) const {
  if (!tags_[i]) return false;
  *tpid = uint16_t(tags_[i] >> 16);
  *tci = uint16_t(tags_[i]);
  return true;
}

void AfPacketPort::insertTag(int i, uint8_t** data, uint32_t* len) const {
  uint16_t tpid, tci;
  if (!tagOf(i, &tpid, &tci) || *len < 12) return;
  uint8_t* p = *data - kVlanTag;
  std::memmove(p, *data, 12);
  store16(p + 12, tpid);
  store16(p + 14, tci);
  *data = p;
  *len += kVlanTag;
}

uint32_t AfPacketPort::send(uint8_t* const* frames, const uint32_t* lens, uint32_t n) {
  uint32_t failed = 0;
  for (uint32_t base = 0; base < n;) {
    uint32_t count = n - base < kTxBatch ? n - base : kTxBatch;
    for (uint32_t i = 0; i < count; i++) {
      // PACKET_VNET_HDR applies to both directions: every frame we send starts
      // with a header saying "nothing pending" (our frames are complete).
      txIov_[i * 2] = {const_cast<VnetHdr*>(&kZeroVnet), sizeof(VnetHdr)};
      txIov_[i * 2 + 1] = {frames[base + i], lens[base + i]};
      msghdr& m = txMsgs_[i].msg_hdr;
      m = msghdr{};
      m.msg_iov = &txIov_[i * 2];
      m.msg_iovlen = 2;
    }
    uint32_t done = 0;
    while (done < count) {
      int r = sendmmsg(fd_, &txMsgs_[done], count - done, MSG_DONTWAIT);
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        failed++;  // this frame failed (full queue, link down, EMSGSIZE): skip it
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
