// The packet pipeline: pure functions over vectors of frames, no syscalls.
//
//  access port -> accessIn: parse/strip 802.1Q -> learn source MAC (events)
//                -> ARP/ND suppression (reply on the same port) -> forward
//  underlay    -> underlayIn: outer Ethernet/IP/UDP checks (when given a full
//                frame) -> VXLAN checks -> decapsulate -> forward (local only)
//  forward     -> known unicast: local port, or prebuilt outer header + UDP
//                source port hash -> VTEP; BUM/unknown: flood list + local ports
//  route       -> (symmetric IRB, RFC 9135) a frame to a routed L2VNI's
//                anycast gateway MAC, or from the underlay with a tenant's
//                L3VNI: tenant LPM -> remote VTEP with the L3VNI, or a
//                connected host resolved through the target VNI's ARP/ND table
//
// Output frames are written into preallocated transmit slots tagged with an
// egress (access port or VTEP index). Tables are sized at construction and
// nothing is allocated per packet. The pipeline is driven by one thread; the
// control plane reaches it through applyOps() between vectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "arp_table.h"
#include "counters.h"
#include "events.h"
#include "fdb.h"
#include "lpm.h"
#include "ops.h"
#include "ports.h"
#include "ring.h"
#include "vni_table.h"
#include "vtep_table.h"
#include "vxlan.h"

namespace evpn {

struct PipelineConfig {
  uint32_t maxPorts = 64;
  uint32_t maxVnis = 4096;
  uint32_t maxVteps = 1024;
  uint32_t maxMacs = 65536;
  uint32_t maxArp = 65536;
  uint32_t maxFloodPerVni = 128;
  uint32_t maxTenants = 64;     // IP-VRFs (symmetric IRB)
  uint32_t maxRoutes = 65536;   // tenant routes per family (all tenants together)
  uint32_t eventRing = 4096;
  uint32_t txSlots = 1024;
  // Largest frame accepted, without FCS: 1500-octet MTU + 14 + one 802.1Q tag.
  uint32_t maxFrameLen = 1518;
  UnderlayConfig underlay;
  uint64_t probeMac = 0;            // ARP replies / NAs to this MAC are probe answers (0 = none)
  bool verifyUdpChecksum = true;    // RFC 7348 §5: a receiver MAY verify a non-zero checksum
  bool ipv6ZeroChecksumRx = false;  // RFC 6935 §5: accept zero UDP checksums over IPv6
};

constexpr uint32_t kUnderlayPort = 0xffffffff;
// The ingress of a glean request: no access port (every member gets a copy)
// and not the underlay (the VNI's flood list gets one too).
constexpr uint32_t kGleanPort = 0xfffffffe;
// Glean requests per second of the pipeline clock (also the burst), and the
// size of the table of recently asked (VNI, IP) pairs.
constexpr uint32_t kGleanRate = 64;
constexpr uint32_t kGleanSlotBits = 10;
constexpr uint32_t kGleanSlots = 1u << kGleanSlotBits;

struct RxFrame {
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  uint32_t port = 0;  // access port index, or kUnderlayPort
  // Underlay input from a UDP socket: `data` is the UDP payload (VXLAN header
  // first) and srcIp the datagram's source; otherwise a full Ethernet frame.
  bool udpPayload = false;
  IpAddr srcIp;
};

enum class EgressKind : uint8_t { kPort = 0, kVtep = 1 };

struct TxFrame {
  uint8_t* data;
  uint32_t len;
  EgressKind kind;
  uint32_t index;     // access port or VTEP index
  uint16_t l4Offset;  // VTEP egress: offset of the VXLAN header (UDP payload) for socket senders
  uint32_t vni;
};

// Preallocated transmit slots for one vector.
class TxBatch {
 public:
  TxBatch(uint32_t slots, uint32_t slotSize)
      : slots_(slots), slotSize_(slotSize), buf_(new uint8_t[size_t(slots) * slotSize]), frames_(new TxFrame[slots]) {}
  void clear() { count_ = 0; }
  TxFrame* next() {
    if (count_ >= slots_) return nullptr;
    TxFrame* f = &frames_[count_];
    f->data = &buf_[size_t(count_) * slotSize_];
    return f;
  }
  void push() { count_++; }
  uint32_t count() const { return count_; }
  const TxFrame& operator[](uint32_t i) const { return frames_[i]; }
  uint32_t slots() const { return slots_; }

 private:
  uint32_t slots_;
  uint32_t slotSize_;
  uint32_t count_ = 0;
  std::unique_ptr<uint8_t[]> buf_;
  std::unique_ptr<TxFrame[]> frames_;
};

class Pipeline {
 public:
  explicit Pipeline(const PipelineConfig& cfg);

  const PipelineConfig& config() const { return cfg_; }
  uint32_t slotSize() const { return cfg_.maxFrameLen + kMaxOuter + kVlanTag; }

  // Runs one vector. `now` is the pipeline clock in seconds (for aging).
  void process(const RxFrame* in, size_t n, TxBatch& out, uint32_t now);

  // Applies a batch of ops.h records.
  void applyOps(const uint8_t* buf, size_t len, OpsResult* result);
  // Applies one record of `len` octets (framing already checked by the caller).
  OpStatus applyRecord(const uint8_t* r, size_t len);

  // Frames made by ops rather than by input (ARP probes): the owner sends
  // them and clears the batch after applying ops.
  TxBatch& controlTx() { return controlTx_; }

  // Ages learned MACs idle for more than maxAge seconds, looking at `budget`
  // FDB slots per call (so the packet thread can interleave it with vectors).
  void age(uint32_t now, uint32_t maxAge, size_t budget);

  size_t drainEvents(uint8_t* out, size_t maxRecords) { return events_.drain(out, maxRecords); }
  size_t pendingEvents() const { return events_.size(); }

  CounterTable& counters() { return counters_; }
  const VniTable& vnis() const { return vnis_; }
  const AccessPorts& ports() const { return ports_; }
  Fdb& fdb() { return fdb_; }
  // Learned (dynamic local) MACs on a port / in a VNI: what the limits count.
  uint32_t portLearned(uint32_t port) const { return port < cfg_.maxPorts ? portLimits_[port].learned : 0; }
  uint32_t vniLearned(uint32_t vniIdx) const { return vniIdx < cfg_.maxVnis ? vniLearned_[vniIdx] : 0; }
  LpmTable& lpm() { return lpm_; }

 private:
  void accessIn(const RxFrame& f, TxBatch& out, uint32_t now);
  void underlayIn(const RxFrame& f, TxBatch& out);
  // Outer Ethernet/IP/UDP checks of a full underlay frame; finds the VXLAN
  // header and the outer source address, or counts the drop and returns false.
  bool parseOuter(const RxFrame& f, const uint8_t** vx, size_t* vxLen, IpAddr* src);
  // Returns true when the frame was consumed (answered or addressed to us).
  bool arpIn(const FrameView& v, uint32_t vniIdx, uint32_t port, TxBatch& out);
  bool ndIn(const FrameView& v, uint32_t vniIdx, uint32_t port, TxBatch& out);
  void probeReplied(uint32_t vniIdx, uint32_t port, uint64_t mac, const IpAddr& ip);
  void bindingSeen(uint32_t vniIdx, uint32_t port, uint64_t mac, const IpAddr& ip);
  TxFrame* replySlot(uint32_t port, uint32_t vniIdx, TxBatch& out);
  void sendReply(TxFrame* tx, uint32_t port, uint32_t vniIdx, TxBatch& out, Counter answered);
  void learn(uint32_t vniIdx, uint64_t mac, uint32_t port, uint32_t now);
  // The port's ARP/ND token bucket: true when this frame may pass.
  bool arpAdmit(uint32_t port, uint32_t now);
  // A learned (dynamic local) entry is about to change or go: its port's
  // and its VNI's counts of learned MACs drop by one.
  void unlearn(uint32_t vniIdx, const FdbEntry& e);
  void forward(const FrameView& v, uint32_t vniIdx, uint32_t inPort, TxBatch& out);
  void flood(const FrameView& v, uint32_t vniIdx, uint32_t inPort, TxBatch& out);
  void toPort(const FrameView& v, uint32_t vniIdx, uint32_t port, uint32_t inPort, TxBatch& out);
  void toVtep(const FrameView& v, uint32_t vniIdx, uint32_t vtep, uint32_t flowHash, uint32_t inPort, TxBatch& out);
  // Drop accounting on the ingress block (and the VNI's, when known).
  void drop(uint32_t inPort, int64_t vniIdx, Counter reason);
  Ctr* ingressBlock(uint32_t inPort) {
    return inPort == kUnderlayPort ? counters_.underlay() : counters_.port(inPort);
  }
  bool pushEvent(EventType type, uint32_t vniIdx, uint32_t port, uint32_t old, uint8_t flags, uint64_t mac,
                 const IpAddr* ip);
  OpStatus applyOne(const uint8_t* r, OpType type);
  OpStatus applyL3(const uint8_t* r, OpType type);
  // Routing (RFC 9135 symmetric IRB). `vniIdx` is the ingress VNI (an L2VNI,
  // or the L3VNI for underlay input) and `tenant` the table to look in.
  void route(const FrameView& v, uint32_t vniIdx, uint32_t tenant, uint32_t inPort, TxBatch& out);
  // True when `ip` (4 or 16 octets) is the VNI's anycast gateway address.
  bool gatewayIs(uint32_t vniIdx, uint8_t family, const uint8_t* ip) const;
  // Asks for an unresolved connected destination (ARP request or NS from the
  // target VNI's gateway, flooded in that VNI), within the glean limits.
  void glean(uint32_t tvi, bool v4, const uint8_t* dst, uint32_t inPort, TxBatch& out);
  bool sendProbe(uint32_t port, uint32_t vniIdx, uint64_t targetMac, const uint8_t* ip4);

  PipelineConfig cfg_;
  CounterTable counters_;
  AccessPorts ports_;
  VniTable vnis_;
  VtepTable vteps_;
  Fdb fdb_;
  ArpTable arp_;
  SpscRing<kEventRecord> events_;
  TxBatch controlTx_;
  uint32_t now_ = 0;

  // Per-port limits (op kPortLimits) and counts; 0 = no limit.
  struct PortLimits {
    uint32_t maxMacs = 0;
    uint32_t learned = 0;  // dynamic local FDB entries on the port
    uint32_t arpRate = 0;  // ARP/ND frames per second
    uint32_t arpBurst = 0;
    uint32_t arpTokens = 0;
    uint32_t arpStamp = 0;  // pipeline clock of the last refill
  };
  std::unique_ptr<PortLimits[]> portLimits_;
  std::unique_ptr<uint32_t[]> vniMaxMacs_;  // op kVniLimits; 0 = no limit
  std::unique_ptr<uint32_t[]> vniLearned_;  // dynamic local FDB entries per VNI

  // Routing state (ops VrfAdd..RouteDel).
  struct Tenant {
    bool used = false;
    uint32_t l3VniIdx = 0;
    uint64_t routerMac = 0;
  };
  struct Gateway {
    uint64_t mac = 0;  // 0 = no gateway on this VNI
    bool has4 = false;
    bool has6 = false;
    uint8_t ip4[4] = {};
    uint8_t ip6[16] = {};
  };
  LpmTable lpm_;
  std::unique_ptr<Tenant[]> tenants_;
  std::unique_ptr<uint32_t[]> vniTenant_;  // L2VNI -> tenant routed in (kNoTenant)
  std::unique_ptr<uint32_t[]> l3Tenant_;   // L3VNI -> its tenant (kNoTenant)
  std::unique_ptr<Gateway[]> gateways_;
  // A routed packet delivered to a local host is rewritten here once, then
  // bridged (possibly to several ports when its MAC is unknown).
  std::unique_ptr<uint8_t[]> scratch_;

  // Glean limits: a token bucket for the whole pipeline, and the last second
  // each (VNI, IP) was asked for, in a fixed table indexed by hash (a
  // collision only forgets an older entry).
  struct GleanSlot {
    uint32_t key = 0;  // 1 + 2 * vniIdx + (IPv6 ? 1 : 0); 0 = empty
    uint32_t stamp = 0;
    uint8_t ip[16] = {};
  };
  std::unique_ptr<GleanSlot[]> gleanSeen_;
  uint32_t gleanTokens_;
  uint32_t gleanStamp_ = 0;
  // ARP request (60 octets) or NS with a source link-layer option (86).
  uint8_t gleanFrame_[96] = {};
};

}  // namespace evpn
