#include "afpacket.h"

#include "sendbatch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "checksum.h"
#include "net.h"

namespace evpn {

namespace {

constexpr size_t kCmsgSpace = CMSG_SPACE(sizeof(tpacket_auxdata));
constexpr uint32_t kTxBatch = 256;
constexpr uint32_t kRingFrame = 2048;  // TPACKET_V2 slot: header, vnet header, a 1522-octet frame
constexpr uint32_t kRingBlock = 1u << 16;
const VnetHdr kZeroVnet = {0, 0, 0, 0, 0, 0};
constexpr uint32_t kMaxRun = 64;                 // segments per super-frame
constexpr size_t kIovPerMsg = 2 + kMaxRun;       // vnet header, headers, payloads
constexpr size_t kMaxHeaders = 14 + 40 + 60;     // Ethernet + IPv6 + TCP with options
constexpr uint8_t kTcpAck = 0x10, kTcpPsh = 0x08;

bool sysFail(std::string* err, const std::string& what) {
  *err = what + ": " + strerror(errno);
  return false;
}

}  // namespace

AfPacketPort::~AfPacketPort() {
  if (ring_) munmap(ring_, ringBytes_);
  if (fd_ >= 0) ::close(fd_);
}

bool AfPacketPort::open(const std::string& ifname, uint32_t batch, uint32_t ringFrames, std::string* err) {
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
  if (ringFrames) {
    // Vnet header and version before the ring, the ring before bind (packet(7)).
    int v = TPACKET_V2;
    if (setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) return sysFail(err, "PACKET_VERSION");
    int thresh = 1;  // frames too big for a slot also go to the socket queue
    if (setsockopt(fd_, SOL_PACKET, PACKET_COPY_THRESH, &thresh, sizeof thresh) < 0)
      return sysFail(err, "PACKET_COPY_THRESH");
    const uint32_t perBlock = kRingBlock / kRingFrame;
    tpacket_req req{};
    req.tp_block_size = kRingBlock;
    req.tp_block_nr = (ringFrames + perBlock - 1) / perBlock;
    req.tp_frame_size = kRingFrame;
    req.tp_frame_nr = req.tp_block_nr * perBlock;
    if (setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) return sysFail(err, "PACKET_RX_RING");
    ringFrames_ = req.tp_frame_nr;
    ringBytes_ = size_t(req.tp_block_size) * req.tp_block_nr;
    void* m = mmap(nullptr, ringBytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
    if (m == MAP_FAILED) return sysFail(err, "mmap PACKET_RX_RING");
    ring_ = static_cast<uint8_t*>(m);
  }
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
  // The ring variant keeps slots only for frames too big for a ring slot.
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
  txIov_.reset(new iovec[kTxBatch * kIovPerMsg]);
  txVnet_.reset(new uint8_t[kTxBatch * sizeof(VnetHdr)]);
  txHeaders_.reset(new uint8_t[kTxBatch * kMaxHeaders]);
  return true;
}

int AfPacketPort::recvCopy(uint32_t i) {
  msghdr& m = msgs_[i].msg_hdr;
  m = msghdr{};
  m.msg_iov = &iov_[i * 2];
  m.msg_iovlen = 2;
  m.msg_control = &cmsg_[i * kCmsgSpace];
  m.msg_controllen = kCmsgSpace;
  ssize_t got = recvmsg(fd_, &m, MSG_DONTWAIT);
  if (got <= 0) return -1;
  takeCopied(i, m, uint32_t(got));
  return 0;
}

void AfPacketPort::takeCopied(uint32_t i, msghdr& m, uint32_t got) {
  Rx& r = rx_[i];
  r.data = static_cast<uint8_t*>(iov_[i * 2 + 1].iov_base);
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

void AfPacketPort::release() {
  for (; ringHeld_; ringHeld_--) {
    uint32_t slot = (ringHead_ + ringFrames_ - ringHeld_) % ringFrames_;
    auto* h = reinterpret_cast<tpacket2_hdr*>(ring_ + size_t(slot) * kRingFrame);
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  }
}

uint64_t AfPacketPort::kernelDrops() {
  if (fd_ < 0) return 0;
  tpacket_stats st{};
  socklen_t len = sizeof st;
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) return 0;
  return st.tp_drops;
}

int AfPacketPort::recv() {
  if (ring_) {
    release();
    int n = 0;
    while (uint32_t(n) < batch_) {
      auto* h = reinterpret_cast<tpacket2_hdr*>(ring_ + size_t(ringHead_) * kRingFrame);
      uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
      if (!(st & TP_STATUS_USER)) break;
      ringHead_ = (ringHead_ + 1) % ringFrames_;
      ringHeld_++;
      if (st & TP_STATUS_COPY) {
        // Too big for the slot: the whole frame waits in the socket queue.
        if (recvCopy(uint32_t(n)) == 0) n++;
        continue;
      }
      Rx& r = rx_[n];
      uint8_t* mac = reinterpret_cast<uint8_t*>(h) + h->tp_mac;
      r.data = mac;
      r.len = h->tp_snaplen;
      r.truncated = h->tp_snaplen < h->tp_len;
      std::memcpy(&r.vnet, mac - sizeof(VnetHdr), sizeof(VnetHdr));
      tags_[n] = (st & TP_STATUS_VLAN_VALID)
                     ? (uint32_t((st & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : kEthVlan) << 16) | h->tp_vlan_tci
                     : 0;
      n++;
    }
    return n;
  }
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
    takeCopied(uint32_t(i), msgs_[i].msg_hdr, msgs_[i].msg_len);
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

// How many frames from `i` on form one TCP flow's contiguous run (1: none);
// *hdrLen gets the Ethernet + IP + TCP header length of the run.
uint32_t AfPacketPort::tcpRun(uint8_t* const* frames, const uint32_t* lens, uint32_t i, uint32_t n,
                              uint32_t* hdrLen) const {
  if (!coalesce_ || i + 1 >= n) return 1;
  const uint8_t* a = frames[i];
  uint32_t len = lens[i];
  if (len < 14 + 20 + 20) return 1;
  uint16_t type = load16(a + 12);
  uint32_t ipl;
  bool v6 = type == kEthIpv6;
  if (type == kEthIpv4) {
    // No options, no fragments, TCP.
    if (a[14] != 0x45 || a[14 + 9] != 6 || (load16(a + 20) & 0x3fff) != 0) return 1;
    ipl = 20;
    if (load16(a + 16) != len - 14) return 1;  // no Ethernet padding
  } else if (v6) {
    if (len < 14 + 40 + 20 || a[14 + 6] != 6 || load16(a + 18) != len - 14 - 40) return 1;
    ipl = 40;
  } else {
    return 1;
  }
  const uint8_t* t = a + 14 + ipl;
  uint32_t thl = uint32_t(t[12] >> 4) * 4;
  uint32_t hl = 14 + ipl + thl;
  if (thl < 20 || hl >= len || t[13] != kTcpAck) return 1;  // plain ACK segments carrying data
  uint32_t seg = len - hl;
  uint32_t seq = load32(t + 4) + seg;
  uint32_t total = len - 14;
  uint32_t k = 1;
  for (uint32_t j = i + 1; j < n && k < kMaxRun; j++) {
    const uint8_t* b = frames[j];
    uint32_t lb = lens[j];
    if (lb <= hl || lb > len || total + (lb - hl) > 65535) break;
    const uint8_t* tb = b + 14 + ipl;
    // Same Ethernet header and addresses; same IPv4 TOS/TTL/flags or IPv6
    // class/flow/hop limit; same ports, ack, window and options; next sequence.
    bool same = std::memcmp(a, b, 14) == 0 &&
                (v6 ? std::memcmp(a + 14, b + 14, 4) == 0 && std::memcmp(a + 14 + 6, b + 14 + 6, 34) == 0
                    : a[15] == b[15] && std::memcmp(a + 20, b + 20, 4) == 0 && std::memcmp(a + 26, b + 26, 8) == 0 &&
                          load16(b + 16) == lb - 14) &&
                (v6 ? load16(b + 18) == lb - 14 - 40 : true) && uint32_t(tb[12] >> 4) * 4 == thl &&
                std::memcmp(t, tb, 4) == 0 && load32(tb + 4) == seq && std::memcmp(t + 8, tb + 8, 4) == 0 &&
                (tb[13] & ~kTcpPsh) == kTcpAck && load16(t + 14) == load16(tb + 14) &&
                std::memcmp(t + 20, tb + 20, thl - 20) == 0;
    if (!same) break;
    k++;
    seq += lb - hl;
    total += lb - hl;
    if (lb < len || (tb[13] & kTcpPsh)) break;  // a short or PSH segment ends the run
  }
  *hdrLen = hl;
  return k;
}

uint32_t AfPacketPort::send(uint8_t* const* frames, const uint32_t* lens, uint32_t n) {
  uint32_t failed = 0;
  for (uint32_t base = 0; base < n;) {
    uint32_t msgs = 0, used = 0;
    uint32_t frameOf[kTxBatch + 1];
    while (msgs < kTxBatch && base + used < n) {
      uint32_t i = base + used;
      uint32_t hl = 0;
      uint32_t k = tcpRun(frames, lens, i, n, &hl);
      iovec* iov = &txIov_[size_t(msgs) * kIovPerMsg];
      size_t niov = 0;
      if (k == 1) {
        // PACKET_VNET_HDR applies to both directions: every frame we send starts
        // with a header saying "nothing pending" (our frames are complete).
        iov[niov++] = {const_cast<VnetHdr*>(&kZeroVnet), sizeof(VnetHdr)};
        iov[niov++] = {frames[i], lens[i]};
      } else {
        uint8_t* vh = &txVnet_[size_t(msgs) * sizeof(VnetHdr)];
        uint8_t* h = &txHeaders_[size_t(msgs) * kMaxHeaders];
        std::memcpy(h, frames[i], hl);
        uint32_t payload = 0;
        for (uint32_t j = 0; j < k; j++) payload += lens[i + j] - hl;
        bool v6 = load16(h + 12) == kEthIpv6;
        uint32_t ipl = v6 ? 40 : 20;
        uint32_t tcpLen = hl - 14 - ipl + payload;
        uint8_t* t = h + 14 + ipl;
        t[13] = frames[i + k - 1][14 + ipl + 13];  // the last segment's flags (PSH)
        uint64_t pseudo = setIpLength(h, v6, tcpLen, 6);
        store16(t + 16, csumFold(pseudo));  // CHECKSUM_PARTIAL: folded pseudo-header sum
        VnetHdr v{};
        v.flags = kVnetNeedsCsum;
        v.gsoType = v6 ? kGsoTcpV6 : kGsoTcpV4;
        v.hdrLen = uint16_t(hl);
        v.gsoSize = uint16_t(lens[i] - hl);
        v.csumStart = uint16_t(14 + ipl);
        v.csumOffset = 16;
        std::memcpy(vh, &v, sizeof v);
        iov[niov++] = {vh, sizeof(VnetHdr)};
        iov[niov++] = {h, hl};
        for (uint32_t j = 0; j < k; j++) iov[niov++] = {frames[i + j] + hl, lens[i + j] - hl};
        coalesced_++;
      }
      msghdr& m = txMsgs_[msgs].msg_hdr;
      m = msghdr{};
      m.msg_iov = iov;
      m.msg_iovlen = niov;
      frameOf[msgs++] = i;
      used += k;
    }
    frameOf[msgs] = base + used;
    failed += sendMessages(fd_, txMsgs_.get(), msgs, frameOf);
    base += used;
  }
  return failed;
}

}  // namespace evpn
