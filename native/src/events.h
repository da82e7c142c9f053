// Events from the data plane to the control plane, as fixed 40-octet records
// in network byte order (decoded by src/dataplane/events.ts):
//
//   0      1      2      3      4               8               12
//   +------+------+------+------+---------------+---------------+---------------+
//   | type |family| flags| rsvd |     VNI       |     port      |  old target   |
//   +------+------+------+------+---------------+---------------+---------------+
//   16                          22      24                                     40
//   +---------------------------+-------+--------------------------------------+
//   |            MAC            | rsvd  |  IP (IPv4 in the first 4 octets)     |
//   +---------------------------+-------+--------------------------------------+
//
// The ring is soft state: when it is full the event is counted
// (events_dropped) and lost; the control plane re-learns on the next frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace evpn {

constexpr size_t kEventRecord = 40;

enum class EventType : uint8_t {
  kMacLearned = 1,  // new local MAC on `port`
  kMacMoved = 2,    // MAC now on `port`; was on port / VTEP `old` (flags bit 0: was remote)
  kIpBinding = 3,   // a local host announced IP -> MAC (ARP, NS or NA) on `port`
  kProbeReply = 4,  // an ARP reply / NA addressed to the probe MAC
  kMacAged = 5,     // learned MAC on `port` aged out
};

constexpr uint8_t kEventWasRemote = 1;
constexpr uint32_t kEventNoTarget = 0xffffffff;

}  // namespace evpn
