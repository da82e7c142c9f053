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

  Underlay() = default;
  ~Underlay();
  Underlay(const Underlay&) = delete;
  Underlay& operator=(const Underlay&) = delete;

  bool open(const std::string& ifname, const IpAddr& localIp, uint16_t port, uint32_t batch, std::string* err);
  int rxFd() const { return rx_; }
  bool isOpen() const { return rx_ >= 0 && tx_ >= 0; }

  struct Rx {
    const uint8_t* data;  // UDP payload: VXLAN header first
    uint32_t len;
    bool truncated;
    IpAddr src;
  };
  int recv();
  const Rx& rx(int i) const { return rxv_[i]; }

  // Sends whole Ethernet frames; returns how many failed.
  uint32_t send(uint8_t* const* frames, const uint32_t* lens, uint32_t n);

 private:
  int rx_ = -1;
  int tx_ = -1;
  uint32_t batch_ = 0;
  std::unique_ptr<uint8_t[]> slots_;
  std::unique_ptr<struct mmsghdr[]> msgs_;
  std::unique_ptr<struct iovec[]> iov_;
  std::unique_ptr<struct sockaddr_storage[]> names_;
  std::unique_ptr<Rx[]> rxv_;
  std::unique_ptr<struct mmsghdr[]> txMsgs_;
  std::unique_ptr<struct iovec[]> txIov_;
};

}  // namespace evpn
