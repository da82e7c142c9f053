// Control-plane operations: packed records handed to applyOps() in one
// buffer per tick (mirrored by the encoder in src/dataplane/ops.ts).
//
// Every record starts with a 4-octet header; all integers are big-endian:
//
//   0      1      2             4
//   +------+------+-------------+----------------------- ... ---+
//   | type |length|  reserved   |  body (length - 4 octets)       |
//   +------+------+-------------+----------------------- ... ---+
//
// `length` covers the whole record, header included, and must equal the
// size listed below for the type. IPs are 16 octets with IPv4 in the first
// four; `family` is 4 or 6. VNIs are 24-bit values in a 32-bit field.
//
//  type  name            len  body (offset from record start)
//   1    RemoteVtepAdd    32  4 vtepIdx u32 | 8 family u8 | 9 rsvd | 10 nextHopMac[6] (0 = default) | 16 ip[16]
//   2    RemoteVtepDel     8  4 vtepIdx u32        (also flushes its MACs and flood-list entries)
//   3    RemoteMacAdd     24  4 vni | 8 vtepIdx | 12 seq u32 | 16 mac[6] | 22 flags u8 | 23 rsvd
//   4    RemoteMacDel     16  4 vni | 8 mac[6] | 14 rsvd[2]   (only removes a remote entry)
//   5    LocalMacStatic   20  4 vni | 8 port u32 | 12 mac[6] | 18 rsvd[2]
//   6    LocalMacDel      16  4 vni | 8 mac[6] | 14 rsvd[2]   (only removes a local entry)
//   7    ArpAdd           32  4 vni | 8 family | 9 flags u8 | 10 mac[6] | 16 ip[16]
//   8    ArpDel           28  4 vni | 8 family | 9 rsvd[3] | 12 ip[16]
//   9    FloodAdd         12  4 vni | 8 vtepIdx
//  10    FloodDel         12  4 vni | 8 vtepIdx
//  11    PortAdd          16  4 port u32 | 8 vni | 12 vid u16 (0 = untagged) | 14 rsvd[2]
//  12    VniAdd            8  4 vni
//  13    ArpProbe         24  4 port u32 | 8 vni | 12 targetMac[6] | 18 rsvd[2] | 20 ipv4[4]
//  14    PortLimits       20  4 port u32 | 8 maxMacs u32 | 12 arpRate u32 | 16 arpBurst u32
//  15    VniLimits        12  4 vni | 8 maxMacs u32
//  16    VrfAdd           20  4 tenant u32 | 8 l3vni | 12 routerMac[6] | 18 rsvd[2]
//  17    VrfDel            8  4 tenant u32      (flushes its routes, unbinds its VNIs)
//  18    VniVrf           12  4 vni | 8 tenant u32 (0xffffffff = not routed)
//  19    GatewayAdd       32  4 vni | 8 family | 9 prefixLen u8 | 10 mac[6] | 16 ip[16]
//  20    GatewayDel       12  4 vni | 8 family | 9 rsvd[3]
//  21    RouteAdd         44  4 tenant | 8 family | 9 prefixLen | 10 flags u8 | 11 rsvd | 12 vtepIdx u32
//                             | 16 vni | 20 routerMac[6] | 26 rsvd[2] | 28 prefix[16]
//  22    RouteDel         28  4 tenant | 8 family | 9 prefixLen | 10 rsvd[2] | 12 prefix[16]
//
// Routing (symmetric IRB, RFC 9135; IP Prefix routes, RFC 9136). A tenant
// (IP-VRF) is a dense index chosen by the control plane; VrfAdd gives it its
// L3VNI (added to the VNI table like an L2VNI, without ports: frames that
// arrive with it are routed) and the Router's MAC routed frames carry.
// VniVrf routes an L2VNI in a tenant; GatewayAdd gives the L2VNI its
// distributed anycast gateway (one per family): ARP/NS for the IP are
// answered with the MAC and frames sent to the MAC are routed. RouteAdd
// installs or replaces a prefix in the tenant's LPM table (host bits are
// masked): flags bit 0 clear = remote, rewrite the inner destination MAC to
// routerMac and encapsulate with `vni` towards vtepIdx; bit 0 set = the
// connected subnet of L2VNI `vni` (vtepIdx and routerMac unused), hosts
// resolved through that VNI's ARP/ND table. RemoteVtepDel also removes the
// routes through the VTEP.
//
// PortLimits / VniLimits (0 = no limit): at most maxMacs learned MACs on the
// port / in the VNI. Static and remote entries do not count; a MAC over the
// limit is not learned (counter learn_limit) but its frames are forwarded as
// usual, as a Linux bridge with fdb_max_learned does; lowering a limit
// removes nothing. arpRate: ARP and ND (NS/NA) frames per second accepted on
// the port, a token bucket of arpBurst (0 = arpRate) refilled once a second
// of the pipeline clock; the rest are dropped (arp_rate_limited).
//
// ArpProbe sends an RFC 5227 §2.1.1 probe (sender IP 0) for ipv4, unicast to
// targetMac on `port`, from the configured probe MAC: the VM-migration check.
// The answer comes back as a kProbeReply event.
//
// RemoteMacAdd flags: bit 1 = static/sticky (RFC 7432 §15.2). ArpAdd flags:
// bit 0 = router (ND R flag), bit 1 = override (ND O flag), bit 2 = static.
//
// A record that is rejected (unknown VNI, index out of range, table full...)
// is skipped and reported; a record whose length runs past the buffer ends
// the batch (framing is lost).
#pragma once

#include <cstddef>
#include <cstdint>

namespace evpn {

enum class OpType : uint8_t {
  kRemoteVtepAdd = 1,
  kRemoteVtepDel = 2,
  kRemoteMacAdd = 3,
  kRemoteMacDel = 4,
  kLocalMacStatic = 5,
  kLocalMacDel = 6,
  kArpAdd = 7,
  kArpDel = 8,
  kFloodAdd = 9,
  kFloodDel = 10,
  kPortAdd = 11,
  kVniAdd = 12,
  kArpProbe = 13,
  kPortLimits = 14,
  kVniLimits = 15,
  kVrfAdd = 16,
  kVrfDel = 17,
  kVniVrf = 18,
  kGatewayAdd = 19,
  kGatewayDel = 20,
  kRouteAdd = 21,
  kRouteDel = 22,
};

constexpr uint8_t kOpTypeMax = 22;
constexpr uint8_t kOpLength[kOpTypeMax + 1] = {0,  32, 8,  24, 16, 20, 16, 32, 28, 12, 12, 16,
                                               8,  24, 20, 12, 20, 8,  12, 32, 12, 44, 28};
constexpr uint32_t kNoTenant = 0xffffffff;
// The longest record: the packet thread's command ring slots are sized by it.
constexpr uint8_t kOpMaxLength = 44;
constexpr bool opLengthsFit() {
  for (uint8_t l : kOpLength)
    if (l > kOpMaxLength) return false;
  return true;
}
static_assert(opLengthsFit(), "kOpMaxLength must cover every record");
constexpr size_t kOpHeader = 4;

enum class OpStatus : uint8_t {
  kOk = 0,
  kTruncated = 1,   // record runs past the buffer: the rest of the batch is ignored
  kUnknownType = 2,
  kBadLength = 3,
  kBadIndex = 4,    // port or VTEP index beyond the configured maximum
  kUnknownVni = 5,
  kUnknownVtep = 6,
  kTableFull = 7,
  kBadFamily = 8,
  kBadValue = 9,    // VNI > 24 bits, VID 4095, group MAC...
  kConflict = 10,   // e.g. IP already owned by another VTEP, static MAC elsewhere
  kUnknownTenant = 11,
};

// Outcome of one applyOps() call; the first kMaxReported rejects are kept.
struct OpsResult {
  static constexpr size_t kMaxReported = 32;
  uint32_t applied = 0;
  uint32_t rejected = 0;
  uint32_t reported = 0;
  struct Reject {
    uint32_t index;  // record number in the batch
    OpStatus status;
  } rejects[kMaxReported];
};

}  // namespace evpn
