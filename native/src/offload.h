// Software fix-ups for frames that a host's stack handed to its veth with
// checksum or segmentation offload still pending.
//
// A host whose interface keeps tx-checksumming/TSO/GSO on (the default for
// veths and taps) passes CHECKSUM_PARTIAL frames and GSO super-frames of up to
// 64 KB straight through to the peer, and an AF_PACKET socket on the peer sees
// them as they are: turning offloads off on our side of the veth does not
// change what the host sends. With PACKET_VNET_HDR every received frame comes
// with a virtio_net_hdr that says what is pending, and these functions do in
// software what the NIC would have done, so nothing leaves with a partial
// checksum or as a super-frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace evpn {

// struct virtio_net_hdr (linux/virtio_net.h), in host byte order on AF_PACKET.
struct VnetHdr {
  uint8_t flags;
  uint8_t gsoType;
  uint16_t hdrLen;
  uint16_t gsoSize;
  uint16_t csumStart;
  uint16_t csumOffset;
};
static_assert(sizeof(VnetHdr) == 10, "virtio_net_hdr is 10 octets");

constexpr uint8_t kVnetNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kGsoNone = 0;
constexpr uint8_t kGsoTcpV4 = 1;
constexpr uint8_t kGsoUdp = 3;  // UFO (IP fragmentation): not supported
constexpr uint8_t kGsoTcpV6 = 4;
constexpr uint8_t kGsoUdpL4 = 5;
constexpr uint8_t kGsoEcn = 0x80;

// Completes the L4 checksum of an untagged frame: the field at
// csumStart + csumOffset holds the pseudo-header sum, the rest is summed from
// csumStart to the end of the IP datagram. False when the offsets do not fit.
bool completeChecksum(uint8_t* frame, size_t len, uint16_t csumStart, uint16_t csumOffset);

enum SegmentError : int {
  kSegUnsupported = -1,  // a GSO type or header layout we do not segment
  kSegMalformed = -2,    // offsets or lengths that do not fit the frame
  kSegOversize = -3,     // a segment would exceed maxFrame octets
  kSegNoRoom = -4,       // more segments than maxSegs
};

// Segments an untagged TCP/IPv4, TCP/IPv6 or UDP (GSO_UDP_L4) super-frame
// into frames of headers + gsoSize payload octets, the way the kernel's GSO
// does (IPv4 ID + 1 per segment, TCP sequence numbers advanced, FIN/PSH only
// on the last segment and CWR only on the first, every checksum computed).
// Segment i is written at slots + i * slotSize + headroom and its length at
// lens[i]. Returns the number of segments or a SegmentError.
int segmentGso(const uint8_t* frame, size_t len, const VnetHdr& h, uint8_t* slots, size_t slotSize, size_t headroom,
               size_t maxFrame, size_t maxSegs, uint32_t* lens);

}  // namespace evpn
