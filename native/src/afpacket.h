// Access ports: one AF_PACKET socket per Linux interface, frames moved in
// batches with recvmmsg/sendmmsg into buffers allocated once at open.
//
// Socket set-up (packet(7)):
//  - SOCK_RAW, ETH_P_ALL, bound to the interface: every frame, whole.
//  - PACKET_ADD_MEMBERSHIP PACKET_MR_PROMISC: frames to any MAC (we bridge).
//  - PACKET_IGNORE_OUTGOING: our own transmissions are not looped back.
//  - PACKET_QDISC_BYPASS: sendmmsg hands frames straight to the driver.
//  - PACKET_AUXDATA: the kernel strips 802.1Q tags before packet taps see the
//    frame (skb_vlan_untag); the tag comes back in tpacket_auxdata and is
//    re-inserted here, so the pipeline sees the frame as it was on the wire.
//  - PACKET_VNET_HDR: each frame carries a virtio_net_hdr saying whether its
//    checksum is partial or it is a GSO super-frame (offload.h fixes both).
//
// Two receive variants (DataplaneOptions::accessRing):
//  - recvmmsg into 64 KB slots (ring = 0): one copy per frame in our thread.
//  - a TPACKET_V2 PACKET_RX_RING (ring = frame count): the kernel writes each
//    frame into a shared 2 KB slot in softirq context and the packet thread
//    reads it in place with no system call while frames keep coming. Not
//    TPACKET_V3: a V3 block is handed over when full or when its timeout
//    expires, which adds up to the timeout to the latency of a lone packet.
//    A frame larger than a slot (a GSO super-frame) is marked TP_STATUS_COPY
//    and also queued to the socket (PACKET_COPY_THRESH), where recvmsg picks
//    it up whole, in ring order.
// Transmission is sendmmsg either way. With `coalesce`, consecutive TCP
// segments of one flow in a send() batch (contiguous sequence numbers, the
// same headers otherwise, equal sizes but the last, ACK and at most PSH on
// the last) leave as one TSO super-frame with a virtio_net_hdr, the way GRO
// would have handed them to the host: one skb through the host's stack
// instead of one per segment. The host's kernel (or the NIC) cuts it again
// where needed, so what arrives is the same segments.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "offload.h"

namespace evpn {

class AfPacketPort {
 public:
  // Largest frame accepted from the host: a 64 KB GSO super-frame plus headers.
  static constexpr size_t kSlotData = 65536 + 256;
  static constexpr size_t kHeadroom = 4;  // room to re-insert an 802.1Q tag in place

  AfPacketPort() = default;
  ~AfPacketPort();
  AfPacketPort(const AfPacketPort&) = delete;
  AfPacketPort& operator=(const AfPacketPort&) = delete;

  // Opens the socket on `ifname`; `batch` frames per receive call; `ringFrames`
  // > 0 selects the PACKET_RX_RING variant with that many 2 KB slots.
  bool open(const std::string& ifname, uint32_t batch, uint32_t ringFrames, std::string* err);
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  struct Rx {
    uint8_t* data;  // frame start (kHeadroom octets of room before it)
    uint32_t len;
    bool truncated;  // larger than kSlotData: dropped by the caller
    VnetHdr vnet;
  };
  // Receives up to `batch` frames without blocking; 0 when none are waiting.
  // Entries stay valid until release() (ring) or the next recv().
  int recv();
  // Hands the ring slots of the last recv() back to the kernel (no-op without a ring).
  void release();
  const Rx& rx(int i) const { return rx_[i]; }
  // Re-inserts the tag reported in auxdata once offload fix-ups are done
  // (virtio_net_hdr offsets are relative to the untagged frame).
  void insertTag(int i, uint8_t** data, uint32_t* len) const;
  // Same, for a frame copied elsewhere (a GSO segment) with headroom before it.
  bool tagOf(int i, uint16_t* tpid, uint16_t* tci) const;

  // Sends frames (pointers and lengths); returns how many failed.
  uint32_t send(uint8_t* const* frames, const uint32_t* lens, uint32_t n);
  // Frames the kernel dropped for this socket since the last call (full RX
  // ring or receive buffer): PACKET_STATISTICS, which resets on read.
  uint64_t kernelDrops();
  void setCoalesce(bool on) { coalesce_ = on; }
  uint64_t coalesced() const { return coalesced_; }  // super-frames sent

 private:
  int fd_ = -1;
  std::string name_;
  uint32_t batch_ = 0;
  std::unique_ptr<uint8_t[]> slots_;
  std::unique_ptr<VnetHdr[]> vnet_;
  std::unique_ptr<struct mmsghdr[]> msgs_;
  std::unique_ptr<struct iovec[]> iov_;
  std::unique_ptr<uint8_t[]> cmsg_;
  std::unique_ptr<Rx[]> rx_;
  std::unique_ptr<uint32_t[]> tags_;  // tpid << 16 | tci, or 0
  // RX ring (TPACKET_V2)
  uint8_t* ring_ = nullptr;
  size_t ringBytes_ = 0;
  uint32_t ringFrames_ = 0;
  uint32_t ringHead_ = 0;  // next slot to look at
  uint32_t ringHeld_ = 0;  // slots handed out by the last recv(), from ringHead_ - ringHeld_
  int recvCopy(uint32_t i);
  // Slot i's Rx (and VLAN tag from PACKET_AUXDATA) after recvmsg/recvmmsg read `got` octets into it.
  void takeCopied(uint32_t i, msghdr& m, uint32_t got);
  // TX
  std::unique_ptr<struct mmsghdr[]> txMsgs_;
  std::unique_ptr<struct iovec[]> txIov_;
  std::unique_ptr<uint8_t[]> txVnet_;
  std::unique_ptr<uint8_t[]> txHeaders_;
  bool coalesce_ = false;
  uint64_t coalesced_ = 0;
  uint32_t tcpRun(uint8_t* const* frames, const uint32_t* lens, uint32_t i, uint32_t n, uint32_t* hdrLen) const;
};

}  // namespace evpn
