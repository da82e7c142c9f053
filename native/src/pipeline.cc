#include "pipeline.h"

#include "arp_suppress.h"
#include "checksum.h"
#include "flowhash.h"

#include <initializer_list>

namespace evpn {

const char* const kCounterNames[kCounterCount] = {
#define EVPN_COUNTER(name, desc) #name,
#include "counters.def"
#undef EVPN_COUNTER
};

namespace {

// IEEE 802.1Q §8.6.3 Table 8-1: 01-80-C2-00-00-00 to -0F are link-local
// (STP, LACP, LLDP, 802.1X...) and a bridge never forwards them.
bool reservedGroupMac(const uint8_t* dst) {
  return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && dst[3] == 0 && dst[4] == 0 && (dst[5] & 0xf0) == 0;
}

// Room for the probes of one ops batch; more are refused (kTableFull) until sent.
constexpr uint32_t kControlSlots = 256;

uint32_t flowHashOf(const FrameView& v) { return innerFlowHash(v.macs, v.etherType, v.payload, v.payloadLen); }

// RFC 1812 §5.3.1: a router decrements the TTL; the header checksum is
// updated incrementally (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
void decrementTtl(uint8_t* ip, bool v4) {
  if (!v4) {
    ip[7]--;  // IPv6 hop limit (RFC 8200 §3), no header checksum
    return;
  }
  uint16_t m = load16(ip + 8);
  ip[8]--;
  uint64_t sum = uint64_t(uint16_t(~load16(ip + 10))) + uint16_t(~m) + load16(ip + 8);
  store16(ip + 10, uint16_t(~csumFold(sum)));
}

}  // namespace

Pipeline::Pipeline(const PipelineConfig& cfg)
    : cfg_(cfg),
      counters_(cfg.maxPorts, cfg.maxVnis),
      ports_(cfg.maxPorts, cfg.maxVnis),
      vnis_(cfg.maxVnis, cfg.maxPorts, cfg.maxFloodPerVni),
      vteps_(cfg.maxVteps, cfg.underlay),
      fdb_(cfg.maxMacs),
      arp_(cfg.maxArp),
      events_(cfg.eventRing),
      controlTx_(kControlSlots, cfg.maxFrameLen + kMaxOuter + kVlanTag),
      portLimits_(new PortLimits[cfg.maxPorts]()),
      vniMaxMacs_(new uint32_t[cfg.maxVnis]()),
      vniLearned_(new uint32_t[cfg.maxVnis]()),
      lpm_(cfg.maxTenants, cfg.maxRoutes),
      tenants_(new Tenant[cfg.maxTenants]()),
      vniTenant_(new uint32_t[cfg.maxVnis]),
      l3Tenant_(new uint32_t[cfg.maxVnis]),
      gateways_(new Gateway[cfg.maxVnis]()),
      scratch_(new uint8_t[size_t(cfg.maxFrameLen) + 12]),
      gleanSeen_(new GleanSlot[kGleanSlots]()),
      gleanTokens_(kGleanRate) {
  for (uint32_t i = 0; i < cfg.maxVnis; i++) vniTenant_[i] = l3Tenant_[i] = kNoTenant;
}

void Pipeline::process(const RxFrame* in, size_t n, TxBatch& out, uint32_t now) {
  now_ = now;
  for (size_t i = 0; i < n; i++) {
    if (in[i].port == kUnderlayPort)
      underlayIn(in[i], out);
    else
      accessIn(in[i], out, now);
  }
}

void Pipeline::drop(uint32_t inPort, int64_t vniIdx, Counter reason) {
  if (inPort == kUnderlayPort)
    counters_.underlay()[reason]++;
  else if (inPort < cfg_.maxPorts)
    counters_.port(inPort)[reason]++;
  else
    counters_.system()[reason]++;
  if (vniIdx >= 0) counters_.vni(uint32_t(vniIdx))[reason]++;
}

bool Pipeline::pushEvent(EventType type, uint32_t vniIdx, uint32_t port, uint32_t old, uint8_t flags, uint64_t mac,
                         const IpAddr* ip) {
  uint8_t* r = events_.reserve();
  if (!r) {
    counters_.system()[C_events_dropped]++;
    return false;
  }
  std::memset(r, 0, kEventRecord);
  r[0] = uint8_t(type);
  r[1] = ip ? ip->family : 0;
  r[2] = flags;
  store32(r + 4, vnis_.vniOf(vniIdx));
  store32(r + 8, port);
  store32(r + 12, old);
  storeMac(r + 16, mac);
  if (ip) std::memcpy(r + 24, ip->bytes, 16);
  events_.commit();
  return true;
}

// ---------------------------------------------------------------- access ---

void Pipeline::accessIn(const RxFrame& f, TxBatch& out, uint32_t now) {
  if (f.port >= cfg_.maxPorts) {
    counters_.system()[C_rx_packets]++;
    counters_.system()[C_rx_bytes] += f.len;
    return drop(f.port, -1, C_drop_unknown_port);
  }
  Ctr* pc = counters_.port(f.port);
  pc[C_rx_packets]++;
  pc[C_rx_bytes] += f.len;
  if (!ports_.used(f.port)) return drop(f.port, -1, C_drop_unknown_port);
  // Frames come without FCS; veths and taps do not pad to 60 octets, so only
  // a frame shorter than its own header is a runt here.
  if (f.len < kEthHeader) return drop(f.port, -1, C_drop_runt);
  if (f.len > cfg_.maxFrameLen) return drop(f.port, -1, C_drop_oversize);
  const uint8_t* p = f.data;
  if (reservedGroupMac(p)) return drop(f.port, -1, C_drop_reserved_mac);
  uint64_t src = loadMac(p + 6);
  // A group or all-zero source is invalid (IEEE 802.3 §3.2.3): never learned, never forwarded.
  if (macIsGroup(src) || src == 0) return drop(f.port, -1, C_drop_bad_src_mac);

  uint16_t type = load16(p + 12);
  size_t l3 = kEthHeader;
  uint16_t vid = 0;
  if (type == kEthVlan) {
    if (f.len < kEthHeader + kVlanTag) return drop(f.port, -1, C_drop_runt);
    vid = load16(p + 14) & 0x0fff;  // PCP and DEI are not carried across the overlay
    type = load16(p + 16);
    l3 += kVlanTag;
    if (type == kEthVlan || type == kEthQinQ) return drop(f.port, -1, C_drop_vlan_unknown);
  } else if (type == kEthQinQ) {
    return drop(f.port, -1, C_drop_vlan_unknown);
  }
  int64_t vi = ports_.ingressVni(f.port, vid);
  if (vi < 0) return drop(f.port, -1, C_drop_vlan_unknown);
  uint32_t vniIdx = uint32_t(vi);
  Ctr* vc = counters_.vni(vniIdx);
  vc[C_rx_packets]++;
  vc[C_rx_bytes] += f.len;

  FrameView v{p, type, p + l3, f.len - l3};
  learn(vniIdx, src, f.port, now);
  // ARP and ND storms (the frames answered here or flooded everywhere) are
  // policed per port before any work is spent on them.
  bool nd = type == kEthIpv6 && v.payloadLen > kIpv6Header && v.payload[6] == kIpProtoIcmpv6 &&
            (v.payload[kIpv6Header] == kNdSolicit || v.payload[kIpv6Header] == kNdAdvert);
  if ((type == kEthArp || nd) && !arpAdmit(f.port, now)) return drop(f.port, int64_t(vniIdx), C_arp_rate_limited);
  if (type == kEthArp && arpIn(v, vniIdx, f.port, out)) return;
  if (type == kEthIpv6 && ndIn(v, vniIdx, f.port, out)) return;
  // RFC 9135 §4: a frame to the distributed anycast gateway is routed.
  uint32_t tenant = vniTenant_[vniIdx];
  if (tenant != kNoTenant && gateways_[vniIdx].mac && loadMac(p) == gateways_[vniIdx].mac)
    return route(v, vniIdx, tenant, f.port, out);
  forward(v, vniIdx, f.port, out);
}

// Source learning (IEEE 802.1Q §8.7) feeding EVPN MAC advertisement
// (RFC 7432 §9.1) and MAC mobility (RFC 7432 §15): the control plane hears
// of new and moved MACs through events; the FDB is updated at once so the
// data plane does not wait for BGP.
void Pipeline::learn(uint32_t vniIdx, uint64_t mac, uint32_t port, uint32_t now) {
  PortLimits& pl = portLimits_[port];
  bool portFull = pl.maxMacs && pl.learned >= pl.maxMacs;
  bool vniFull = vniMaxMacs_[vniIdx] && vniLearned_[vniIdx] >= vniMaxMacs_[vniIdx];
  auto limited = [&] {
    counters_.port(port)[C_learn_limit]++;
    counters_.vni(vniIdx)[C_learn_limit]++;
  };
  bool inserted = false;
  FdbEntry* e;
  if (portFull || vniFull) {
    // At a limit nothing new is added; known MACs are still refreshed.
    e = fdb_.find(vniIdx, mac);
    if (!e) return limited();
  } else {
    e = fdb_.insert(vniIdx, mac, &inserted);
    if (!e) {
      counters_.port(port)[C_learn_table_full]++;
      counters_.vni(vniIdx)[C_learn_table_full]++;
      return;
    }
  }
  if (inserted) {
    // The control plane must hear of every MAC the FDB holds: if the event
    // ring is full, forget the MAC so its next frame learns it again.
    if (!pushEvent(EventType::kMacLearned, vniIdx, port, kEventNoTarget, 0, mac, nullptr)) {
      fdb_.erase(vniIdx, mac);
      return;
    }
    e->target = port;
    e->flags = 0;
    e->seq = 0;
    e->lastSeen = now;
    pl.learned++;
    vniLearned_[vniIdx]++;
    counters_.port(port)[C_macs_learned]++;
    counters_.vni(vniIdx)[C_macs_learned]++;
    return;
  }
  if (!e->remote() && e->target == port) {
    e->lastSeen = now;
    return;
  }
  // RFC 7432 §15.2: a static (sticky) MAC must not move; the frame is still
  // forwarded, but the binding stays where it was configured.
  if (e->isStatic()) {
    counters_.port(port)[C_learn_sticky_conflict]++;
    counters_.vni(vniIdx)[C_learn_sticky_conflict]++;
    return;
  }
  // A move adds a MAC to this port (and, from a remote VTEP, to the VNI).
  if (portFull || (e->remote() && vniFull)) return limited();
  uint32_t old = e->target;
  uint8_t flags = e->remote() ? kEventWasRemote : 0;
  // As above: a move nobody hears of is not made, the next frame retries it
  // (a host arriving from a remote VTEP must be advertised, RFC 7432 §15).
  if (!pushEvent(EventType::kMacMoved, vniIdx, port, old, flags, mac, nullptr)) return;
  unlearn(vniIdx, *e);
  e->target = port;
  e->flags = 0;
  e->lastSeen = now;
  pl.learned++;
  vniLearned_[vniIdx]++;
  counters_.port(port)[C_macs_moved]++;
  counters_.vni(vniIdx)[C_macs_moved]++;
}

void Pipeline::unlearn(uint32_t vniIdx, const FdbEntry& e) {
  if (e.remote() || e.isStatic()) return;
  if (e.target < cfg_.maxPorts) portLimits_[e.target].learned--;
  vniLearned_[vniIdx]--;
}

// Token bucket per port, refilled in whole seconds of the pipeline clock
// (uint32 arithmetic: a clock that goes back refills the bucket).
bool Pipeline::arpAdmit(uint32_t port, uint32_t now) {
  PortLimits& pl = portLimits_[port];
  if (!pl.arpRate) return true;
  uint32_t elapsed = now - pl.arpStamp;
  if (elapsed) {
    uint64_t t = uint64_t(pl.arpTokens) + uint64_t(elapsed) * pl.arpRate;
    pl.arpTokens = t > pl.arpBurst ? pl.arpBurst : uint32_t(t);
    pl.arpStamp = now;
  }
  if (!pl.arpTokens) return false;
  pl.arpTokens--;
  return true;
}

bool Pipeline::arpIn(const FrameView& v, uint32_t vniIdx, uint32_t port, TxBatch& out) {
  ArpView a;
  if (!parseArp(v.payload, v.payloadLen, &a)) return false;
  uint64_t sha = loadMac(a.sha);
  IpAddr spa = IpAddr::v4(a.spa);
  bool spaZero = load32(a.spa) == 0;

  if (a.op == kArpReply && cfg_.probeMac && loadMac(v.macs) == cfg_.probeMac) {
    probeReplied(vniIdx, port, sha, spa);
    return true;
  }
  // Requests, replies and gratuitous ARP all announce the sender's binding
  // (RFC 826 "Packet Reception" merges it first). Bindings the table already
  // holds are not reported again.
  if (!spaZero && !macIsGroup(sha) && sha != 0) bindingSeen(vniIdx, port, sha, spa);
  uint16_t vid;
  // The anycast gateway answers for itself (RFC 9135 §4.1), to any request
  // but a gratuitous one, on the port it was asked on.
  if (a.op == kArpRequest && load32(a.spa) != load32(a.tpa) && gatewayIs(vniIdx, 4, a.tpa) &&
      ports_.member(port, vniIdx, &vid)) {
    TxFrame* tx = replySlot(port, vniIdx, out);
    if (!tx) return true;
    tx->len = uint32_t(buildArpReply(a, v.macs + 6, gateways_[vniIdx].mac, vid, tx->data));
    sendReply(tx, port, vniIdx, out, C_gateway_arp_replies);
    return true;
  }
  // RFC 7432 §10: a broadcast request for a known binding is answered here
  // instead of being flooded. Left alone: unicast requests (hosts checking a
  // neighbour is still alive, RFC 1122 §2.3.2.1 - only the neighbour may
  // answer), probes (sender IP 0, RFC 5227 §2.1.1) and gratuitous requests
  // (sender IP = target IP), which are announcements, not questions.
  if (a.op != kArpRequest || spaZero || !macIsGroup(v.macs) || load32(a.spa) == load32(a.tpa)) return false;
  const ArpEntry* t = arp_.find(vniIdx, IpAddr::v4(a.tpa));
  if (!t || t->mac == sha) return false;
  if (!ports_.member(port, vniIdx, &vid)) return false;
  TxFrame* tx = replySlot(port, vniIdx, out);
  if (!tx) return true;
  tx->len = uint32_t(buildArpReply(a, v.macs + 6, t->mac, vid, tx->data));
  sendReply(tx, port, vniIdx, out, C_arp_suppressed);
  return true;
}

bool Pipeline::ndIn(const FrameView& v, uint32_t vniIdx, uint32_t port, TxBatch& out) {
  if (v.payloadLen < kIpv6Header + 24 || v.payload[6] != kIpProtoIcmpv6) return false;
  NdView nd;
  if (!parseNd(v.payload, v.payloadLen, &nd)) return false;
  uint64_t ethSrc = loadMac(v.macs + 6);
  uint64_t lla = nd.lla ? loadMac(nd.lla) : ethSrc;

  if (nd.type == kNdAdvert) {
    IpAddr target = IpAddr::v6(nd.target);
    if (cfg_.probeMac && loadMac(v.macs) == cfg_.probeMac) {
      probeReplied(vniIdx, port, lla, target);
      return true;
    }
    bindingSeen(vniIdx, port, lla, target);
    return false;
  }
  // Duplicate address detection (RFC 4862 §5.4.3) must reach every host: forwarded.
  if (ipv6Unspecified(nd.src)) return false;
  bindingSeen(vniIdx, port, lla, IpAddr::v6(nd.src));
  uint16_t vid;
  // The anycast gateway answers for itself, solicited or NUD, as a router
  // (R) whose MAC is the same on every VTEP (O).
  if (gatewayIs(vniIdx, 6, nd.target) && ports_.member(port, vniIdx, &vid)) {
    TxFrame* tx = replySlot(port, vniIdx, out);
    if (!tx) return true;
    tx->len = uint32_t(buildNeighborAdvert(nd, v.macs + 6, gateways_[vniIdx].mac, kNaRouter | kNaOverride, vid, tx->data));
    sendReply(tx, port, vniIdx, out, C_gateway_nd_replies);
    return true;
  }
  // Unicast NS is neighbour unreachability detection (RFC 4861 §7.3.1):
  // only the neighbour may answer, so it is forwarded.
  if (!ipv6Multicast(nd.dst)) return false;
  const ArpEntry* t = arp_.find(vniIdx, IpAddr::v6(nd.target));
  if (!t || t->mac == lla) return false;
  if (!ports_.member(port, vniIdx, &vid)) return false;
  TxFrame* tx = replySlot(port, vniIdx, out);
  if (!tx) return true;
  uint8_t flags = uint8_t(((t->flags & kArpRouter) ? kNaRouter : 0) | ((t->flags & kArpOverride) ? kNaOverride : 0));
  tx->len = uint32_t(buildNeighborAdvert(nd, v.macs + 6, t->mac, flags, vid, tx->data));
  sendReply(tx, port, vniIdx, out, C_nd_suppressed);
  return true;
}

// What the ARP and ND paths share: a probe answered, a binding announced, and
// a suppressed request answered on the port it was asked on (RFC 7432 §10, RFC 9161).
void Pipeline::probeReplied(uint32_t vniIdx, uint32_t port, uint64_t mac, const IpAddr& ip) {
  counters_.port(port)[C_probe_replies]++;
  counters_.vni(vniIdx)[C_probe_replies]++;
  pushEvent(EventType::kProbeReply, vniIdx, port, kEventNoTarget, 0, mac, &ip);
}

void Pipeline::bindingSeen(uint32_t vniIdx, uint32_t port, uint64_t mac, const IpAddr& ip) {
  // Bindings the table already holds are not reported again.
  const ArpEntry* known = arp_.find(vniIdx, ip);
  if (!known || known->mac != mac) pushEvent(EventType::kIpBinding, vniIdx, port, kEventNoTarget, 0, mac, &ip);
}

TxFrame* Pipeline::replySlot(uint32_t port, uint32_t vniIdx, TxBatch& out) {
  TxFrame* tx = out.next();
  if (!tx) drop(port, vniIdx, C_drop_no_tx_slot);
  return tx;
}

void Pipeline::sendReply(TxFrame* tx, uint32_t port, uint32_t vniIdx, TxBatch& out, Counter answered) {
  tx->kind = EgressKind::kPort;
  tx->index = port;
  tx->l4Offset = 0;
  tx->vni = vnis_.vniOf(vniIdx);
  out.push();
  for (Ctr* c : {counters_.port(port), counters_.vni(vniIdx)}) {
    c[answered]++;
    c[C_tx_packets]++;
    c[C_tx_bytes] += tx->len;
  }
}

// -------------------------------------------------------------- underlay ---

bool Pipeline::parseOuter(const RxFrame& f, const uint8_t** vx, size_t* vxLen, IpAddr* src) {
  const uint8_t* p = f.data;
  size_t len = f.len;
  auto fail = [&](Counter c) {
    drop(kUnderlayPort, -1, c);
    return false;
  };
  if (len < kEthHeader) return fail(C_drop_runt);
  if (loadMac(p) != cfg_.underlay.localMac) return fail(C_drop_not_for_us);
  uint16_t type = load16(p + 12);
  const uint8_t* ip = p + kEthHeader;
  size_t ipAvail = len - kEthHeader;
  const uint8_t* udp;
  size_t udpAvail;
  uint64_t pseudo;
  uint8_t family = cfg_.underlay.localIp.family;
  if (type == kEthIpv4 && family == 4) {
    if (ipAvail < kIpv4Header) return fail(C_drop_truncated);
    size_t ihl = size_t(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < kIpv4Header) return fail(C_drop_bad_ip_header);
    if (ipAvail < ihl) return fail(C_drop_truncated);
    if (!csumValid(ip, ihl)) return fail(C_drop_ip_checksum);  // RFC 791 §3.1
    size_t total = load16(ip + 2);
    if (total < ihl) return fail(C_drop_bad_ip_header);
    if (total > ipAvail) return fail(C_drop_truncated);  // anything past `total` is Ethernet padding
    if (load16(ip + 6) & 0x3fff) return fail(C_drop_fragment);  // MF or an offset: RFC 7348 §4.3 forbids fragmenting
    if (ip[9] != kIpProtoUdp) return fail(C_drop_not_vxlan);
    if (std::memcmp(ip + 16, cfg_.underlay.localIp.bytes, 4) != 0) return fail(C_drop_not_for_us);
    *src = IpAddr::v4(ip + 12);
    udp = ip + ihl;
    udpAvail = total - ihl;
    pseudo = csumAdd(0, ip + 12, 8) + kIpProtoUdp;
  } else if (type == kEthIpv6 && family == 6) {
    if (ipAvail < kIpv6Header) return fail(C_drop_truncated);
    if ((ip[0] >> 4) != 6) return fail(C_drop_bad_ip_header);
    size_t plen = load16(ip + 4);
    if (plen > ipAvail - kIpv6Header) return fail(C_drop_truncated);
    // VXLAN senders put UDP right after the fixed header; extension headers
    // (a fragment header included) are not expected on a tunnel.
    if (ip[6] != kIpProtoUdp) return fail(C_drop_not_vxlan);
    if (std::memcmp(ip + 24, cfg_.underlay.localIp.bytes, 16) != 0) return fail(C_drop_not_for_us);
    *src = IpAddr::v6(ip + 8);
    udp = ip + kIpv6Header;
    udpAvail = plen;
    pseudo = csumAdd(0, ip + 8, 32) + kIpProtoUdp;
  } else {
    return fail(C_drop_not_vxlan);
  }
  if (udpAvail < kUdpHeader) return fail(C_drop_truncated);
  size_t udpLen = load16(udp + 4);
  if (udpLen < kUdpHeader || udpLen > udpAvail) return fail(C_drop_truncated);
  if (load16(udp + 2) != cfg_.underlay.udpPort) return fail(C_drop_bad_udp_port);
  uint16_t csum = load16(udp + 6);
  if (csum == 0) {
    // RFC 7348 §5: a zero checksum MUST be accepted over IPv4. Over IPv6 zero
    // means "none" only where RFC 6935 §5 is enabled by configuration.
    if (family == 6 && !cfg_.ipv6ZeroChecksumRx) return fail(C_drop_udp_checksum);
  } else if (cfg_.verifyUdpChecksum || family == 6) {
    if (csumFold(csumAdd(pseudo + udpLen, udp, udpLen)) != 0xffff) return fail(C_drop_udp_checksum);
  }
  *vx = udp + kUdpHeader;
  *vxLen = udpLen - kUdpHeader;
  return true;
}

void Pipeline::underlayIn(const RxFrame& f, TxBatch& out) {
  Ctr* uc = counters_.underlay();
  uc[C_rx_packets]++;
  uc[C_rx_bytes] += f.len;
  const uint8_t* vx;
  size_t vxLen;
  IpAddr src;
  if (f.udpPayload) {
    vx = f.data;
    vxLen = f.len;
    src = f.srcIp;
  } else if (!parseOuter(f, &vx, &vxLen, &src)) {
    return;
  }
  if (vxLen < kVxlanHeader) return drop(kUnderlayPort, -1, C_drop_truncated);
  // RFC 7348 §5: the I flag MUST be set for a valid VNI; the other flag bits
  // and the reserved fields are ignored on receipt.
  if (!(vx[0] & kVxlanFlagI)) return drop(kUnderlayPort, -1, C_drop_vxlan_flags);
  int64_t vi = vnis_.find(load24(vx + 4));
  if (vi < 0) return drop(kUnderlayPort, -1, C_drop_unknown_vni);
  if (vteps_.findByIp(src) < 0) return drop(kUnderlayPort, vi, C_drop_unknown_vtep);
  const uint8_t* inner = vx + kVxlanHeader;
  size_t innerLen = vxLen - kVxlanHeader;
  if (innerLen < kEthHeader) return drop(kUnderlayPort, vi, C_drop_runt);
  if (innerLen > cfg_.maxFrameLen) return drop(kUnderlayPort, vi, C_drop_oversize);
  if (reservedGroupMac(inner)) return drop(kUnderlayPort, vi, C_drop_reserved_mac);
  uint64_t innerSrc = loadMac(inner + 6);
  if (macIsGroup(innerSrc) || innerSrc == 0) return drop(kUnderlayPort, vi, C_drop_bad_src_mac);
  uint16_t type = load16(inner + 12);
  // RFC 7348 §6.1: decapsulated frames with an inner VLAN tag SHOULD be discarded.
  if (type == kEthVlan || type == kEthQinQ) return drop(kUnderlayPort, vi, C_drop_inner_vlan);
  Ctr* vc = counters_.vni(uint32_t(vi));
  vc[C_rx_packets]++;
  vc[C_rx_bytes] += innerLen;
  // EVPN learns remote MACs from the control plane (RFC 7432 §9.2.2,
  // RFC 8365 §5.1.4): no data-plane learning from the tunnel.
  FrameView v{inner, type, inner + kEthHeader, innerLen - kEthHeader};
  // Symmetric IRB (RFC 9135 §5.2): the L3VNI carries routed packets to our
  // Router's MAC, routed again here into the host's subnet.
  uint32_t tenant = l3Tenant_[vi];
  if (tenant != kNoTenant) {
    if (loadMac(inner) != tenants_[tenant].routerMac) return drop(kUnderlayPort, vi, C_drop_not_for_us);
    return route(v, uint32_t(vi), tenant, kUnderlayPort, out);
  }
  tenant = vniTenant_[vi];
  if (tenant != kNoTenant && gateways_[vi].mac && loadMac(inner) == gateways_[vi].mac)
    return route(v, uint32_t(vi), tenant, kUnderlayPort, out);
  forward(v, uint32_t(vi), kUnderlayPort, out);
}

// ----------------------------------------------------------------- route ---

bool Pipeline::gatewayIs(uint32_t vniIdx, uint8_t family, const uint8_t* ip) const {
  const Gateway& g = gateways_[vniIdx];
  if (family == 4) return g.has4 && std::memcmp(g.ip4, ip, 4) == 0;
  return g.has6 && std::memcmp(g.ip6, ip, 16) == 0;
}

void Pipeline::route(const FrameView& v, uint32_t vniIdx, uint32_t tenant, uint32_t inPort, TxBatch& out) {
  const uint8_t* ip = v.payload;
  size_t len = v.payloadLen;
  const uint8_t* dst;
  bool v4 = v.etherType == kEthIpv4;
  if (v4) {
    // RFC 1812 §5.2.2: a router checks version, length and header checksum.
    if (len < kIpv4Header) return drop(inPort, vniIdx, C_drop_l3_bad_ip);
    size_t ihl = size_t(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < kIpv4Header || ihl > len || load16(ip + 2) < ihl || load16(ip + 2) > len ||
        !csumValid(ip, ihl))
      return drop(inPort, vniIdx, C_drop_l3_bad_ip);
    dst = ip + 16;
    // RFC 1812 §5.3.7: multicast, reserved, broadcast, "this network" and
    // loopback destinations are never forwarded.
    if (dst[0] >= 224 || dst[0] == 0 || dst[0] == 127) return drop(inPort, vniIdx, C_drop_not_routable);
    if (ip[8] <= 1) return drop(inPort, vniIdx, C_drop_ttl);
  } else if (v.etherType == kEthIpv6) {
    if (len < kIpv6Header || (ip[0] >> 4) != 6 || kIpv6Header + load16(ip + 4) > len)
      return drop(inPort, vniIdx, C_drop_l3_bad_ip);
    dst = ip + 24;
    // RFC 4291 §2.5.6, §2.7: link-local and multicast destinations stay on the link.
    if (dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)) return drop(inPort, vniIdx, C_drop_not_routable);
    if (ip[7] <= 1) return drop(inPort, vniIdx, C_drop_ttl);
  } else {
    return drop(inPort, vniIdx, C_drop_not_routable);
  }
  // An ICMP time exceeded / unreachable is not generated: the fast path has
  // no address of its own in the tenant to send it from.
  const RouteNh* nh = lpm_.lookup(tenant, v4 ? 4 : 6, dst);
  if (!nh) return drop(inPort, vniIdx, C_drop_no_route);
  const Tenant& tn = tenants_[tenant];
  if (!nh->local()) {
    // What came from the overlay never goes back into it.
    if (inPort == kUnderlayPort) return drop(inPort, vniIdx, C_drop_hairpin);
    const RemoteVtep* rv = vteps_.get(nh->target);
    if (!rv) return drop(inPort, vniIdx, C_drop_vtep_down);
    TxFrame* tx = out.next();
    if (!tx) return drop(inPort, vniIdx, C_drop_no_tx_slot);
    // RFC 9135 §5.1: inner destination = the remote Router's MAC, source =
    // ours; written once, in place, behind the prebuilt outer header.
    uint8_t* inner = tx->data + rv->header.length;
    storeMac(inner, nh->routerMac);
    storeMac(inner + 6, tn.routerMac);
    store16(inner + 12, v.etherType);
    std::memcpy(inner + kEthHeader, ip, len);
    decrementTtl(inner + kEthHeader, v4);
    tx->len = uint32_t(finishOuter(rv->header, nh->vni, flowHashOf(v), kEthHeader + len, tx->data));
    tx->kind = EgressKind::kVtep;
    tx->index = nh->target;
    tx->l4Offset = uint16_t(rv->header.length - kVxlanHeader);
    tx->vni = nh->vni;
    out.push();
    ingressBlock(inPort)[C_routed_packets]++;
    counters_.vni(vniIdx)[C_routed_packets]++;
    for (Ctr* c : {counters_.underlay(), counters_.vni(tn.l3VniIdx)}) {
      c[C_tx_packets]++;
      c[C_tx_bytes] += tx->len;
    }
    return;
  }
  // A connected subnet: the host's MAC from the target VNI's ARP/ND table.
  // EVPN learns most bindings; a silent host is asked for (glean) and the
  // packet itself is dropped, not queued.
  uint32_t tvi = nh->target;
  const ArpEntry* host = arp_.find(tvi, v4 ? IpAddr::v4(dst) : IpAddr::v6(dst));
  if (!host) {
    drop(inPort, vniIdx, C_drop_unresolved);
    return glean(tvi, v4, dst, inPort, out);
  }
  uint8_t* s = scratch_.get();
  storeMac(s, host->mac);
  storeMac(s + 6, gateways_[tvi].mac ? gateways_[tvi].mac : tn.routerMac);
  std::memcpy(s + 12, ip, len);
  decrementTtl(s + 12, v4);
  ingressBlock(inPort)[C_routed_packets]++;
  counters_.vni(vniIdx)[C_routed_packets]++;
  // Then bridged in the target VNI (its FDB), as a frame from the gateway.
  FrameView rv{s, v.etherType, s + 12, len};
  const FdbEntry* e = fdb_.find(tvi, host->mac);
  if (e && !e->remote()) return toPort(rv, tvi, e->target, inPort, out);
  if (e) {
    if (inPort == kUnderlayPort) return drop(inPort, tvi, C_drop_hairpin);
    return toVtep(rv, tvi, e->target, flowHashOf(rv), inPort, out);
  }
  ingressBlock(inPort)[C_rx_unknown_unicast]++;
  counters_.vni(tvi)[C_rx_unknown_unicast]++;
  flood(rv, tvi, inPort, out);
}

// ----------------------------------------------------------------- glean ---

// A router resolves a connected destination itself (RFC 1812 §3.3.2, RFC 826;
// RFC 4861 §7.2.2 for IPv6): an ARP request / NS from the target VNI's
// anycast gateway, flooded in that VNI like any BUM frame (local members and
// the flood list). The host answers to the gateway MAC, which every VTEP
// owns, so the VTEP local to it snoops the reply (arpIn/ndIn), installs the
// binding and advertises it as a MAC+IP route (RFC 9135 §5).
void Pipeline::glean(uint32_t tvi, bool v4, const uint8_t* dst, uint32_t inPort, TxBatch& out) {
  const Gateway& g = gateways_[tvi];
  // No gateway address of that family to ask from; never ask for our own.
  if (!g.mac || (v4 ? !g.has4 : !g.has6) || gatewayIs(tvi, v4 ? 4 : 6, dst)) return;
  size_t ipLen = v4 ? 4 : 16;
  // Not the same (VNI, IP) twice in a second of the pipeline clock.
  uint32_t key = 1 + 2 * tvi + (v4 ? 0 : 1);
  uint32_t h = tvi;
  for (size_t i = 0; i < ipLen; i += 4) h = (h ^ load32(dst + i)) * 0x9e3779b1u;
  GleanSlot& seen = gleanSeen_[h >> (32 - kGleanSlotBits)];
  bool same = seen.key == key && std::memcmp(seen.ip, dst, ipLen) == 0;
  if (same && now_ == seen.stamp) return drop(inPort, tvi, C_glean_rate_limited);
  // Token bucket over the whole pipeline, refilled in whole seconds (as arpAdmit).
  uint32_t elapsed = now_ - gleanStamp_;
  if (elapsed) {
    uint64_t t = uint64_t(gleanTokens_) + uint64_t(elapsed) * kGleanRate;
    gleanTokens_ = t > kGleanRate ? kGleanRate : uint32_t(t);
    gleanStamp_ = now_;
  }
  if (!gleanTokens_) return drop(inPort, tvi, C_glean_rate_limited);
  gleanTokens_--;
  seen.key = key;
  seen.stamp = now_;
  std::memset(seen.ip, 0, 16);
  std::memcpy(seen.ip, dst, ipLen);

  uint8_t* p = gleanFrame_;
  size_t len;
  uint16_t type;
  if (v4) {
    storeMac(p, 0xffffffffffffull);
    type = kEthArp;
    uint8_t* a = p + kEthHeader;
    store16(a, 1);  // htype Ethernet
    store16(a + 2, kEthIpv4);
    a[4] = 6;
    a[5] = 4;
    store16(a + 6, kArpRequest);
    storeMac(a + 8, g.mac);
    std::memcpy(a + 14, g.ip4, 4);
    std::memset(a + 18, 0, 6);  // target hardware address unknown
    std::memcpy(a + 24, dst, 4);
    std::memset(a + kArpLen, 0, kEthMinFrame - kEthHeader - kArpLen);
    len = kEthMinFrame;
  } else {
    // To the solicited-node group of the target (RFC 4291 §2.7.1), whose MAC
    // is 33:33 + its last 32 bits (RFC 2464 §7).
    p[0] = 0x33;
    p[1] = 0x33;
    p[2] = 0xff;
    std::memcpy(p + 3, dst + 13, 3);
    type = kEthIpv6;
    uint8_t* ip = p + kEthHeader;
    store32(ip, 0x60000000u);
    store16(ip + 4, 32);
    ip[6] = kIpProtoIcmpv6;
    ip[7] = 255;  // RFC 4861 §7.1.1: hop limit 255
    std::memcpy(ip + 8, g.ip6, 16);
    static const uint8_t kSolicited[13] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
    std::memcpy(ip + 24, kSolicited, 13);
    std::memcpy(ip + 37, dst + 13, 3);
    uint8_t* icmp = ip + kIpv6Header;
    icmp[0] = kNdSolicit;
    icmp[1] = 0;
    store16(icmp + 2, 0);
    store32(icmp + 4, 0);
    std::memcpy(icmp + 8, dst, 16);
    icmp[24] = 1;  // source link-layer address option (RFC 4861 §4.6.1), 8 octets
    icmp[25] = 1;
    storeMac(icmp + 26, g.mac);
    uint64_t sum = csumAdd(0, ip + 8, 32) + 32 + kIpProtoIcmpv6;  // RFC 8200 §8.1 pseudo-header
    store16(icmp + 2, csumFinish(csumAdd(sum, icmp, 32)));
    len = kEthHeader + kIpv6Header + 32;
  }
  storeMac(p + 6, g.mac);
  store16(p + 12, type);
  drop(inPort, tvi, C_glean_requests);  // on the ingress block and the target VNI, as drops are
  FrameView gv{p, type, p + kEthHeader, len - kEthHeader};
  flood(gv, tvi, kGleanPort, out);
}

// --------------------------------------------------------------- forward ---

void Pipeline::forward(const FrameView& v, uint32_t vniIdx, uint32_t inPort, TxBatch& out) {
  uint64_t dst = loadMac(v.macs);
  Ctr* ic = ingressBlock(inPort);
  Ctr* vc = counters_.vni(vniIdx);
  if (!macIsGroup(dst)) {
    const FdbEntry* e = fdb_.find(vniIdx, dst);
    if (e) {
      if (e->remote()) {
        // Split horizon: what came from the overlay never goes back into it.
        if (inPort == kUnderlayPort) return drop(inPort, vniIdx, C_drop_hairpin);
        return toVtep(v, vniIdx, e->target, flowHashOf(v), inPort, out);
      }
      if (e->target == inPort) return drop(inPort, vniIdx, C_drop_hairpin);
      return toPort(v, vniIdx, e->target, inPort, out);
    }
    ic[C_rx_unknown_unicast]++;
    vc[C_rx_unknown_unicast]++;
  } else {
    ic[C_rx_bum]++;
    vc[C_rx_bum]++;
  }
  flood(v, vniIdx, inPort, out);
}

void Pipeline::flood(const FrameView& v, uint32_t vniIdx, uint32_t inPort, TxBatch& out) {
  Ctr* vc = counters_.vni(vniIdx);
  uint32_t n;
  const uint32_t* members = vnis_.ports(vniIdx, &n);
  for (uint32_t i = 0; i < n; i++) {
    if (members[i] == inPort) continue;
    uint32_t before = out.count();
    toPort(v, vniIdx, members[i], inPort, out);
    vc[C_flood_copies] += out.count() - before;
  }
  // Ingress replication (RFC 8365 §8.3.1): one copy per remote VTEP of the
  // VNI's flood list. Frames from the underlay only go to local ports.
  if (inPort == kUnderlayPort) return;
  const uint32_t* vteps = vnis_.flood(vniIdx, &n);
  if (!n) return;
  uint32_t hash = flowHashOf(v);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t before = out.count();
    toVtep(v, vniIdx, vteps[i], hash, inPort, out);
    vc[C_flood_copies] += out.count() - before;
  }
}

void Pipeline::toPort(const FrameView& v, uint32_t vniIdx, uint32_t port, uint32_t inPort, TxBatch& out) {
  uint16_t vid;
  if (!ports_.member(port, vniIdx, &vid)) return drop(inPort, vniIdx, C_drop_no_member);
  TxFrame* tx = out.next();
  if (!tx) return drop(inPort, vniIdx, C_drop_no_tx_slot);
  tx->len = uint32_t(writeFrame(v, vid, tx->data));
  tx->kind = EgressKind::kPort;
  tx->index = port;
  tx->l4Offset = 0;
  tx->vni = vnis_.vniOf(vniIdx);
  out.push();
  for (Ctr* c : {counters_.port(port), counters_.vni(vniIdx)}) {
    c[C_tx_packets]++;
    c[C_tx_bytes] += tx->len;
  }
}

void Pipeline::toVtep(const FrameView& v, uint32_t vniIdx, uint32_t vtep, uint32_t flowHash, uint32_t inPort,
                      TxBatch& out) {
  const RemoteVtep* r = vteps_.get(vtep);
  if (!r) return drop(inPort, vniIdx, C_drop_vtep_down);
  TxFrame* tx = out.next();
  if (!tx) return drop(inPort, vniIdx, C_drop_no_tx_slot);
  uint32_t vni = vnis_.vniOf(vniIdx);
  tx->len = uint32_t(encapsulate(r->header, vni, flowHash, v, tx->data));
  tx->kind = EgressKind::kVtep;
  tx->index = vtep;
  tx->l4Offset = uint16_t(r->header.length - kVxlanHeader);
  tx->vni = vni;
  out.push();
  for (Ctr* c : {counters_.underlay(), counters_.vni(vniIdx)}) {
    c[C_tx_packets]++;
    c[C_tx_bytes] += tx->len;
  }
}

// ----------------------------------------------------------------- probe ---

// RFC 5227 §2.1.1: an ARP request with sender IP 0 and target hardware
// address 0, so no host updates its cache from it. Unicast to the MAC the
// control plane believes owns the IP (the migration check: does the host
// still answer here?), sent from the probe MAC so the reply is recognised in
// arpIn() and becomes a kProbeReply event instead of being forwarded.
bool Pipeline::sendProbe(uint32_t port, uint32_t vniIdx, uint64_t targetMac, const uint8_t* ip4) {
  uint16_t vid;
  if (!ports_.member(port, vniIdx, &vid)) return false;
  TxFrame* tx = controlTx_.next();
  if (!tx) return false;
  uint8_t* p = tx->data;
  size_t min = kEthMinFrame;
  storeMac(p, targetMac);
  storeMac(p + 6, cfg_.probeMac);
  size_t off = 12;
  if (vid) {
    store16(p + off, kEthVlan);
    store16(p + off + 2, vid);
    off += kVlanTag;
    min += kVlanTag;
  }
  store16(p + off, kEthArp);
  uint8_t* a = p + off + 2;
  store16(a, 1);          // htype Ethernet
  store16(a + 2, kEthIpv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, kArpRequest);
  storeMac(a + 8, cfg_.probeMac);
  std::memset(a + 14, 0, 10);  // spa 0.0.0.0, tha 0
  std::memcpy(a + 24, ip4, 4);
  size_t len = off + 2 + kArpLen;
  if (len < min) {
    std::memset(p + len, 0, min - len);
    len = min;
  }
  tx->len = uint32_t(len);
  tx->kind = EgressKind::kPort;
  tx->index = port;
  tx->l4Offset = 0;
  tx->vni = vnis_.vniOf(vniIdx);
  controlTx_.push();
  for (Ctr* c : {counters_.port(port), counters_.vni(vniIdx)}) {
    c[C_probes_sent]++;
    c[C_tx_packets]++;
    c[C_tx_bytes] += len;
  }
  return true;
}

// ----------------------------------------------------------------- aging ---

void Pipeline::age(uint32_t now, uint32_t maxAge, size_t budget) {
  fdb_.age(now, maxAge, budget, [&](uint32_t vniIdx, uint64_t mac, uint32_t port) {
    counters_.vni(vniIdx)[C_macs_aged]++;
    if (port < cfg_.maxPorts) {
      counters_.port(port)[C_macs_aged]++;
      portLimits_[port].learned--;
    }
    vniLearned_[vniIdx]--;
    pushEvent(EventType::kMacAged, vniIdx, port, kEventNoTarget, 0, mac, nullptr);
  });
}

}  // namespace evpn
