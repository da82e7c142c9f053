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
// recvmmsg/sendmmsg rather than a TPACKET_V3 ring: a V3 block is handed over
// when full or when its timeout expires, which adds up to the timeout to the
// latency of a lone packet; copies through recvmmsg cost less than that at
// the rates a 2-core VM reaches (see native/README.md).
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

  // Opens the socket on `ifname`; `batch` frames per recvmmsg.
  bool open(const std::string& ifname, uint32_t batch, std::string* err);
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

  struct Rx {
    uint8_t* data;  // frame start (kHeadroom octets of room before it)
    uint32_t len;
    bool truncated;  // larger than kSlotData: dropped by the caller
    VnetHdr vnet;
  };
  // Receives up to `batch` frames without blocking; 0 when none are waiting.
  // VLAN tags are already re-inserted. Entries stay valid until the next call.
  int recv();
  const Rx& rx(int i) const { return rx_[i]; }
  // Re-inserts the tag reported in auxdata once offload fix-ups are done
  // (virtio_net_hdr offsets are relative to the untagged frame).
  void insertTag(int i, uint8_t** data, uint32_t* len) const;
  // Same, for a frame copied elsewhere (a GSO segment) with headroom before it.
  bool tagOf(int i, uint16_t* tpid, uint16_t* tci) const;

  // Sends frames (pointers and lengths); returns how many failed.
  uint32_t send(uint8_t* const* frames, const uint32_t* lens, uint32_t n);

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
  // TX
  std::unique_ptr<struct mmsghdr[]> txMsgs_;
  std::unique_ptr<struct iovec[]> txIov_;
};

}  // namespace evpn
