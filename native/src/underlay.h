// The underlay: VXLAN in and out of the VTEP's address.
//
// RX is a UDP socket bound to localIp:port (4789 unless configured). The
// kernel validates the outer IP/UDP (and a non-zero UDP checksum), and since
// the port is bound it neither answers ICMP port-unreachable nor drops the
// datagrams; recvmmsg hands over the VXLAN payload and the source address,
// which the pipeline checks against the remote VTEP table.
//
// TX is an AF_PACKET socket on the underlay interface (protocol 0: it
// receives nothing) sending the whole frame the pipeline built from each
// remote VTEP's prebuilt Ethernet + IP + UDP header. A plain UDP socket would
// let the kernel build the outer header, but then every datagram of the socket
// has the same UDP source port, and RFC 7348 §5 wants it to follow the inner
// flow (49152-65535) so underlay ECMP spreads flows. The next-hop MAC in that
// header comes from the kernel's neighbour table (resolved by TypeScript and
// passed in RemoteVtepAdd). PACKET_QDISC_BYPASS hands frames to the driver.
//
// Batches of TCP-sized traffic (DataplaneOptions::underlayGso): consecutive
// frames of one vector to the same VTEP with the same outer header (so the
// same inner flow: the source port is its hash) and the same length - the
// segments of one TCP super-frame from a host - leave as ONE frame with a
// virtio_net_hdr of type GSO_UDP_L4 (PACKET_VNET_HDR): the outer header once,
// then the VXLAN payloads back to back, the UDP checksum left partial. The
// kernel cuts it into the same datagrams (inet_gso_segment: IPv4 ID + 1 per
// datagram, lengths and checksums per datagram), in the driver or, on a veth,
// not at all: a receiver with UDP_GRO takes it whole. Over IPv4 those
// datagrams carry a UDP checksum (a GSO_UDP_L4 frame needs one); RFC 7348 §5
// allows a correct non-zero checksum. On receive, UDP_GRO (udp(7)) lets the
// kernel hand over a run of same-flow datagrams as one buffer plus its
// segment size, cut again here into VXLAN payloads.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net.h"

namespace evpn {

class Underlay {
 public:
  // Largest VXLAN payload accepted: VXLAN header + a 1518-octet inner frame
  // fits easily; anything longer is reported as truncated.
  static constexpr size_t kSlot = 2048;
  // With UDP_GRO a receive slot holds up to 64 KB of same-sized datagrams.
  static constexpr size_t kGroSlot = 65536;
  static constexpr uint32_t kMaxGsoSegments = 64;  // UDP_MAX_SEGMENTS was 64 before Linux 6.4

  Underlay() = default;
  ~Underlay();
  Underlay(const Underlay&) = delete;
  Underlay& operator=(const Underlay&) = delete;

  bool open(const std::string& ifname, const IpAddr& localIp, uint16_t port, uint32_t batch, bool gso,
            std::string* err);
  int rxFd() const { return rx_; }
  bool isOpen() const { return rx_ >= 0 && tx_ >= 0; }

  struct Rx {
    const uint8_t* data;  // UDP payload: VXLAN header first
    uint32_t len;
    bool truncated;
    uint16_t srcPort;  // the datagram's UDP source port (capture headers)
    uint32_t segSize;  // UDP_GRO: `data` holds datagrams of segSize octets (the last may be shorter); 0 = one
    IpAddr src;
  };
  int recv();
  const Rx& rx(int i) const { return rxv_[i]; }

  // Sends whole Ethernet frames; l4Offs[i] is the offset of frame i's UDP
  // payload (for coalescing). Returns how many frames failed.
  uint32_t send(uint8_t* const* frames, const uint32_t* lens, const uint16_t* l4Offs, uint32_t n);
  uint64_t gsoFrames() const { return gsoFrames_; }  // coalesced frames sent

 private:
  // How many frames from `i` on can leave as one GSO_UDP_L4 frame (1: none).
  uint32_t runLength(uint8_t* const* frames, const uint32_t* lens, const uint16_t* l4Offs, uint32_t i,
                     uint32_t n) const;

  int rx_ = -1;
  int tx_ = -1;
  uint32_t batch_ = 0;
  std::unique_ptr<uint8_t[]> slots_;
  std::unique_ptr<struct mmsghdr[]> msgs_;
  std::unique_ptr<struct iovec[]> iov_;
  std::unique_ptr<struct sockaddr_storage[]> names_;
  std::unique_ptr<Rx[]> rxv_;
  std::unique_ptr<uint8_t[]> cmsg_;
  size_t slot_ = kSlot;
  bool gso_ = false;
  std::unique_ptr<struct mmsghdr[]> txMsgs_;
  std::unique_ptr<struct iovec[]> txIov_;
  std::unique_ptr<uint8_t[]> txVnet_;     // one virtio_net_hdr per message
  std::unique_ptr<uint8_t[]> txHeaders_;  // the rewritten outer header of each GSO message
  uint64_t gsoFrames_ = 0;
};

}  // namespace evpn
