#include "dataplane.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "checksum.h"
#include "net.h"

namespace evpn {

namespace {

constexpr uint32_t kWakeTag = 0xfffffffe;
constexpr uint32_t kUnderlayTag = 0xfffffffd;
constexpr uint8_t kBatchEnd = 0xff;  // internal command: end of one applyOps() batch
constexpr uint32_t kNoTruncation = 0xffffffff;
constexpr size_t kAgeBudget = 4096;  // FDB slots examined per second of aging
constexpr uint32_t kTxSlots = 4096;  // a vector of 256 BUM frames to many VTEPs
constexpr size_t kCaptureRing = 4u << 20;  // octets of frames waiting for the JS thread

uint64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

uint32_t monotonicSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint32_t(ts.tv_sec);
}

}  // namespace

Dataplane::Dataplane(const PipelineConfig& cfg, const DataplaneOptions& opt)
    : pipeline_(cfg),
      opt_(opt),
      commands_(opt.commandRing),
      results_(1024),
      pubVni_(new std::atomic<uint32_t>[cfg.maxVnis]),
      pubPort_(new std::atomic<uint8_t>[cfg.maxPorts]),
      rx_(new RxFrame[kVector]),
      tx_(cfg.txSlots > kTxSlots ? cfg.txSlots : kTxSlots, pipeline_.slotSize()),
      arenaSlot_(AfPacketPort::kHeadroom + cfg.maxFrameLen),
      arena_(new uint8_t[kVector * (AfPacketPort::kHeadroom + cfg.maxFrameLen)]),
      segLens_(new uint32_t[kVector]),
      sendFrames_(new uint8_t*[cfg.txSlots > kTxSlots ? cfg.txSlots : kTxSlots]),
      sendLens_(new uint32_t[cfg.txSlots > kTxSlots ? cfg.txSlots : kTxSlots]),
      sendL4_(new uint16_t[cfg.txSlots > kTxSlots ? cfg.txSlots : kTxSlots]),
      tap_(kCaptureRing) {
  for (uint32_t i = 0; i < cfg.maxVnis; i++) pubVni_[i].store(0);
  for (uint32_t i = 0; i < cfg.maxPorts; i++) pubPort_[i].store(0);
  ports_.resize(cfg.maxPorts);
}

Dataplane::~Dataplane() {
  stop();
  if (epoll_ >= 0) ::close(epoll_);
  if (wake_ >= 0) ::close(wake_);
}

bool Dataplane::openPort(uint32_t index, const std::string& ifname, std::string* err) {
  if (running()) {
    *err = "ports are opened before start()";
    return false;
  }
  if (index >= ports_.size()) {
    *err = "port index beyond maxPorts";
    return false;
  }
  std::unique_ptr<AfPacketPort> p(new AfPacketPort());
  if (!p->open(ifname, opt_.accessBatch, opt_.accessRing, err)) return false;
  p->setCoalesce(opt_.accessCoalesce);
  ports_[index] = std::move(p);
  return true;
}

bool Dataplane::openUnderlay(const std::string& ifname, std::string* err) {
  if (running() || underlay_.isOpen()) {
    *err = "the underlay is opened once, before start()";
    return false;
  }
  const UnderlayConfig& u = pipeline_.config().underlay;
  underlayName_ = ifname;
  return underlay_.open(ifname, u.localIp, u.udpPort, opt_.underlayBatch, opt_.underlayGso, err);
}

bool Dataplane::start(std::function<void()> doorbell, std::string* err) {
  if (running()) {
    *err = "already running";
    return false;
  }
  if (!underlay_.isOpen()) {
    *err = "openUnderlay() first";
    return false;
  }
  if (epoll_ < 0) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_ < 0 || wake_ < 0) {
      *err = std::string("epoll/eventfd: ") + strerror(errno);
      return false;
    }
    auto add = [&](int fd, uint32_t tag) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = tag;
      return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) == 0;
    };
    bool ok = add(wake_, kWakeTag) && add(underlay_.rxFd(), kUnderlayTag);
    for (uint32_t i = 0; ok && i < ports_.size(); i++)
      if (ports_[i]) ok = add(ports_[i]->fd(), i);
    if (!ok) {
      *err = std::string("epoll_ctl: ") + strerror(errno);
      return false;
    }
  }
  doorbell_ = std::move(doorbell);
  stop_.store(false);
  bell_.store(false);
  thread_ = std::thread([this] { loop(); });
  return true;
}

void Dataplane::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t w = ::write(wake_, &one, sizeof one);
  (void)w;
  thread_.join();
  doorbell_ = nullptr;
}

// ------------------------------------------------------------- JS thread ---

Dataplane::Submit Dataplane::applyOps(const uint8_t* buf, size_t len, uint32_t batchId, OpsResult* result) {
  if (!running()) {
    pipeline_.applyOps(buf, len, result);
    publish();
    return Submit::kApplied;
  }
  // The same framing rules as Pipeline::applyOps: a record running past the
  // buffer ends the batch; one with a wrong length for its type is rejected
  // by the packet thread (applyRecord) without reading its body.
  uint32_t index = 0, truncatedAt = kNoTruncation;
  auto push = [&](const uint8_t* rec, size_t n) {
    for (int waited = 0;; waited++) {
      uint8_t* slot = commands_.reserve();
      if (slot) {
        std::memcpy(slot, rec, n);
        commands_.commit();
        return true;
      }
      if (waited > 50000) return false;  // ~5 s without the thread making room
      uint64_t one = 1;
      ssize_t w = ::write(wake_, &one, sizeof one);
      (void)w;
      usleep(100);
    }
  };
  for (size_t off = 0; off < len; index++) {
    size_t rlen = len - off >= kOpHeader ? buf[off + 1] : 0;
    if (rlen < kOpHeader || rlen > len - off) {
      truncatedAt = index;
      break;
    }
    uint8_t rec[kCommandRecord] = {};
    std::memcpy(rec, buf + off, rlen < kCommandRecord ? rlen : kCommandRecord);
    if (rec[0] == kBatchEnd) rec[0] = 0;  // never let a caller forge the internal marker (0 = unknown type)
    if (!push(rec, kCommandRecord)) return Submit::kRingFull;
    off += rlen;
  }
  uint8_t end[kCommandRecord] = {};
  end[0] = kBatchEnd;
  put32h(end + 4, batchId);
  put32h(end + 8, truncatedAt);
  if (!push(end, kCommandRecord)) return Submit::kRingFull;
  uint64_t one = 1;
  ssize_t w = ::write(wake_, &one, sizeof one);
  (void)w;
  return Submit::kQueued;
}

// ---------------------------------------------------------- packet thread ---

void Dataplane::publish() {
  const PipelineConfig& c = pipeline_.config();
  for (uint32_t i = 0; i < c.maxVnis; i++) {
    uint32_t v = pipeline_.vnis().used(i) ? pipeline_.vnis().vniOf(i) + 1 : 0;
    if (pubVni_[i].load(std::memory_order_relaxed) != v) pubVni_[i].store(v, std::memory_order_release);
  }
  for (uint32_t i = 0; i < c.maxPorts; i++) {
    uint8_t u = pipeline_.ports().used(i) ? 1 : 0;
    if (pubPort_[i].load(std::memory_order_relaxed) != u) pubPort_[i].store(u, std::memory_order_release);
  }
}

void Dataplane::applyCommands() {
  bool any = false;
  for (const uint8_t* rec; (rec = commands_.front());) {
    if (rec[0] == kBatchEnd) {
      uint8_t* out = results_.reserve();
      if (!out) break;  // JS has not drained results yet: keep the marker for the next turn
      uint32_t truncatedAt = get32h(rec + 8);
      if (truncatedAt != kNoTruncation) {
        current_.rejected++;
        if (current_.reported < OpsResult::kMaxReported)
          current_.rejects[current_.reported++] = {truncatedAt, OpStatus::kTruncated};
      }
      put32h(out, get32h(rec + 4));
      put32h(out + 4, current_.applied);
      put32h(out + 8, current_.rejected);
      put32h(out + 12, current_.reported);
      for (uint32_t i = 0; i < current_.reported; i++) {
        put32h(out + 16 + i * 8, current_.rejects[i].index);
        put32h(out + 20 + i * 8, uint32_t(current_.rejects[i].status));
      }
      results_.commit();
      current_ = OpsResult();
      currentIndex_ = 0;
    } else {
      OpStatus s = pipeline_.applyRecord(rec, rec[1]);
      if (s == OpStatus::kOk) {
        current_.applied++;
      } else {
        current_.rejected++;
        if (current_.reported < OpsResult::kMaxReported) current_.rejects[current_.reported++] = {currentIndex_, s};
      }
      currentIndex_++;
    }
    commands_.pop();
    any = true;
  }
  if (!any) return;
  publish();
  TxBatch& ctl = pipeline_.controlTx();
  if (ctl.count()) {
    transmit(ctl);
    ctl.clear();
  }
  ringBell();
}

void Dataplane::ringBell() {
  if (!pipeline_.pendingEvents() && !results_.size()) return;
  if (!bell_.exchange(true, std::memory_order_acq_rel) && doorbell_) doorbell_();
}

void Dataplane::loop() {
  if (opt_.rtPriority) {
    sched_param sp{};
    sp.sched_priority = int(opt_.rtPriority);
    // Best effort: without CAP_SYS_NICE the thread keeps normal scheduling.
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  }
  epoll_event evs[64];
  uint32_t lastAge = monotonicSeconds();
  const uint64_t spinNs = uint64_t(opt_.busyPollUs) * 1000;
  uint64_t lastWork = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    applyCommands();
    // Spin (epoll_wait without sleeping) while within busyPollUs of the last
    // frames; block otherwise. The 500 ms bound drives aging when idle.
    bool spin = spinNs && monotonicNs() - lastWork < spinNs;
    int n = epoll_wait(epoll_, evs, 64, spin ? 0 : 500);
    if (spinNs && n > 0) lastWork = monotonicNs();
    uint32_t now = monotonicSeconds();
    for (int i = 0; i < n; i++) {
      uint32_t tag = evs[i].data.u32;
      if (tag == kWakeTag) {
        uint64_t v;
        ssize_t r = ::read(wake_, &v, sizeof v);
        (void)r;
      } else if (tag == kUnderlayTag) {
        rxUnderlay(now);
      } else {
        rxAccess(tag, now);
      }
    }
    if (now != lastAge) {
      CounterTable& ct = pipeline_.counters();
      for (size_t p = 0; p < ports_.size(); p++) {
        if (!ports_[p]) continue;
        uint64_t d = ports_[p]->kernelDrops();
        if (d) ct.port(uint32_t(p))[C_drop_rx_kernel] += d;
      }
      pipeline_.age(now, opt_.maxAge, kAgeBudget);
      lastAge = now;
      ringBell();
    }
  }
}

void Dataplane::addRx(uint32_t port, const uint8_t* data, uint32_t len, uint32_t now) {
  RxFrame& f = rx_[rxCount_++];
  f = RxFrame();
  f.data = data;
  f.len = len;
  f.port = port;
  if (rxCount_ == kVector) flush(now);
}

void Dataplane::rxAccess(uint32_t port, uint32_t now) {
  AfPacketPort& s = *ports_[port];
  CounterTable& ct = pipeline_.counters();
  int n = s.recv();
  for (int i = 0; i < n; i++) {
    const AfPacketPort::Rx& r = s.rx(i);
    auto dropHere = [&](Counter c) {
      Ctr* pc = ct.port(port);
      pc[C_rx_packets]++;
      pc[C_rx_bytes] += r.len;
      pc[c]++;
    };
    if (r.truncated) {
      dropHere(C_drop_rx_truncated);
      continue;
    }
    uint8_t* data = r.data;
    uint32_t len = r.len;
    if (r.vnet.gsoType != kGsoNone) {
      uint16_t tpid, tci;
      bool tagged = s.tagOf(i, &tpid, &tci);
      size_t maxFrame = pipeline_.config().maxFrameLen - (tagged ? kVlanTag : 0);
      int k = kSegNoRoom;
      for (int attempt = 0; attempt < 2 && k == kSegNoRoom; attempt++) {
        if (attempt) flush(now);
        size_t room = kVector - (arenaUsed_ > rxCount_ ? arenaUsed_ : rxCount_);
        k = segmentGso(data, len, r.vnet, &arena_[arenaUsed_ * arenaSlot_], arenaSlot_, AfPacketPort::kHeadroom,
                       maxFrame, room, segLens_.get());
      }
      if (k < 0) {
        dropHere(k == kSegOversize ? C_drop_oversize : C_drop_gso_unsupported);
        continue;
      }
      ct.port(port)[C_rx_gso_frames]++;
      size_t first = arenaUsed_;
      arenaUsed_ += size_t(k);
      for (int j = 0; j < k; j++) {
        uint8_t* seg = &arena_[(first + size_t(j)) * arenaSlot_ + AfPacketPort::kHeadroom];
        uint32_t sl = segLens_[j];
        if (tagged) {
          seg -= kVlanTag;
          std::memmove(seg, seg + kVlanTag, 12);
          store16(seg + 12, tpid);
          store16(seg + 14, tci);
          sl += kVlanTag;
        }
        addRx(port, seg, sl, now);  // room was reserved above: never flushes mid-frame
      }
      continue;
    }
    if (r.vnet.flags & kVnetNeedsCsum) {
      if (!completeChecksum(data, len, r.vnet.csumStart, r.vnet.csumOffset)) {
        dropHere(C_drop_truncated);
        continue;
      }
      ct.port(port)[C_rx_csum_completed]++;
    }
    s.insertTag(i, &data, &len);
    addRx(port, data, len, now);
  }
  flush(now);  // the receive slots are reused by the next recv()
  s.release();
}

void Dataplane::rxUnderlay(uint32_t now) {
  int n = underlay_.recv();
  for (int i = 0; i < n; i++) {
    const Underlay::Rx& r = underlay_.rx(i);
    if (r.truncated) {
      Ctr* uc = pipeline_.counters().underlay();
      uc[C_rx_packets]++;
      uc[C_rx_bytes] += r.len;
      uc[C_drop_rx_truncated]++;
      continue;
    }
    // A UDP_GRO buffer holds several datagrams of segSize octets (the last
    // may be shorter): each is one VXLAN packet.
    uint32_t seg = r.segSize ? r.segSize : r.len;
    bool tap = tap_.on(kUnderlayPort);
    for (uint32_t off = 0; off < r.len; off += seg) {
      if (tap) captureUnderlayRx(r, r.data + off, r.len - off < seg ? r.len - off : seg);
      RxFrame& f = rx_[rxCount_++];
      f = RxFrame();
      f.data = r.data + off;
      f.len = r.len - off < seg ? r.len - off : seg;
      f.port = kUnderlayPort;
      f.udpPayload = true;
      f.srcIp = r.src;
      if (rxCount_ == kVector) flush(now);
    }
  }
  flush(now);
}

void Dataplane::flush(uint32_t now) {
  if (rxCount_) {
    if (tap_.active()) captureRx();
    tx_.clear();
    pipeline_.process(rx_.get(), rxCount_, tx_, now);
    rxCount_ = 0;
    transmit(tx_);
  }
  arenaUsed_ = 0;
  ringBell();
}

// Sends a vector's output: all underlay frames in one sendmmsg series, and
// access-port frames in runs of the same port.
void Dataplane::transmit(TxBatch& tx) {
  CounterTable& ct = pipeline_.counters();
  if (tap_.active()) {
    uint32_t cp = tap_.port();
    for (uint32_t i = 0; i < tx.count(); i++) {
      const TxFrame& f = tx[i];
      bool mine = f.kind == EgressKind::kVtep ? cp == kUnderlayPort : f.index == cp;
      if (mine && tap_.wants(f.vni) && tap_.on(cp)) tap_.put(1, nullptr, 0, f.data, f.len);
    }
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < tx.count(); i++) {
    const TxFrame& f = tx[i];
    if (f.kind != EgressKind::kVtep) continue;
    sendFrames_[n] = f.data;
    sendL4_[n] = f.l4Offset;
    sendLens_[n++] = f.len;
  }
  if (n) {
    uint32_t failed = underlay_.send(sendFrames_.get(), sendLens_.get(), sendL4_.get(), n);
    if (failed) ct.underlay()[C_drop_tx_failed] += failed;
  }
  n = 0;
  uint32_t runPort = 0;
  auto sendRun = [&]() {
    if (!n) return;
    uint32_t failed = runPort < ports_.size() && ports_[runPort]
                          ? ports_[runPort]->send(sendFrames_.get(), sendLens_.get(), n)
                          : n;
    if (failed) (runPort < ports_.size() ? ct.port(runPort) : ct.system())[C_drop_tx_failed] += failed;
    n = 0;
  };
  for (uint32_t i = 0; i < tx.count(); i++) {
    const TxFrame& f = tx[i];
    if (f.kind != EgressKind::kPort) continue;
    if (n && f.index != runPort) sendRun();
    runPort = f.index;
    sendFrames_[n] = f.data;
    sendLens_[n++] = f.len;
  }
  sendRun();
}

// Access-port frames of the current vector, as the pipeline is about to see
// them (VLAN tag re-inserted, GSO super-frames already segmented). The VNI
// filter uses the port's VLAN mapping; a frame of no VNI matches only an
// unfiltered capture.
void Dataplane::captureRx() {
  uint32_t cp = tap_.port();
  if (cp == kUnderlayPort || !tap_.on(cp)) return;
  for (size_t i = 0; i < rxCount_; i++) {
    const RxFrame& f = rx_[i];
    if (f.port != cp || f.len < 14) continue;
    if (!tap_.wants(CaptureTap::kAnyVni)) {
      uint16_t type = load16(f.data + 12);
      uint16_t vid = (type == 0x8100 || type == 0x88a8) && f.len >= 18 ? load16(f.data + 14) & 0x0fff : 0;
      int64_t idx = pipeline_.ports().ingressVni(cp, vid);
      if (idx < 0 || !tap_.wants(pipeline_.vnis().vniOf(uint32_t(idx)))) continue;
    }
    tap_.put(0, nullptr, 0, f.data, f.len);
  }
}

// The UDP socket hands over only the VXLAN payload: the outer Ethernet, IP
// and UDP headers are rebuilt from what the kernel reported (source address
// and port) and our own address, so the capture reads as VXLAN. The MACs are
// not known here: the source is zero, the destination ours. TTL 64, IPv4 ID 0,
// UDP checksum 0 (IPv4) - the kernel already checked the real one.
void Dataplane::captureUnderlayRx(const Underlay::Rx& r, const uint8_t* data, uint32_t len) {
  if (len >= 8 && !tap_.wants(load32(data + 4) >> 8)) return;
  const UnderlayConfig& u = pipeline_.config().underlay;
  uint8_t* h = capHead_;
  bool v6 = u.localIp.family == 6;
  std::memset(h, 0, sizeof capHead_);
  storeMac(h, u.localMac);
  store16(h + 12, v6 ? kEthIpv6 : kEthIpv4);
  uint8_t* ip = h + 14;
  uint32_t udpLen = 8 + len;
  size_t hl;
  if (v6) {
    ip[0] = 0x60;
    store16(ip + 4, uint16_t(udpLen));
    ip[6] = 17;
    ip[7] = 64;
    std::memcpy(ip + 8, r.src.bytes, 16);
    std::memcpy(ip + 24, u.localIp.bytes, 16);
    hl = 14 + 40;
  } else {
    ip[0] = 0x45;
    store16(ip + 2, uint16_t(20 + udpLen));
    store16(ip + 6, 0x4000);  // DF, as RFC 7348 senders set it
    ip[8] = 64;
    ip[9] = 17;
    std::memcpy(ip + 12, r.src.bytes, 4);
    std::memcpy(ip + 16, u.localIp.bytes, 4);
    store16(ip + 10, csumFinish(csumAdd(0, ip, 20)));
    hl = 14 + 20;
  }
  uint8_t* udp = h + hl;
  store16(udp, r.srcPort);
  store16(udp + 2, u.udpPort);
  store16(udp + 4, uint16_t(udpLen));
  if (v6) {
    uint64_t sum = csumAdd(csumAdd(csumAdd(0, ip + 8, 32) + 17 + udpLen, udp, 8), data, len);
    uint16_t c = csumFinish(sum);
    store16(udp + 6, c ? c : 0xffff);  // RFC 8200 §8.1: never zero over IPv6
  }
  tap_.put(0, h, uint32_t(hl + 8), data, len);
}

}  // namespace evpn
