#include "capture.h"

#include <time.h>

#include <cstring>

#include "net.h"

namespace evpn {

namespace {

constexpr size_t kAlign = 8;

size_t roundUp(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

}  // namespace

CaptureTap::CaptureTap(size_t bytes) {
  size_t c = 4096;
  while (c < bytes) c <<= 1;
  mask_ = c - 1;
  buf_.reset(new uint8_t[c]);
}

bool CaptureTap::start(uint32_t port, uint32_t vni, uint32_t snaplen) {
  if (running()) return false;
  // The packet thread reads these only after the release store below.
  uint32_t snap = snaplen ? snaplen : 65535;
  if (snap > (mask_ + 1) / 4) snap = uint32_t((mask_ + 1) / 4);
  port_.store(port, std::memory_order_relaxed);
  vni_.store(vni, std::memory_order_relaxed);
  snaplen_.store(snap, std::memory_order_relaxed);
  // The consumer owns tail_: skip whatever an earlier capture left behind.
  tail_.store(head_.load(std::memory_order_acquire), std::memory_order_release);
  captured_.store(0, std::memory_order_relaxed);
  dropped_.store(0, std::memory_order_relaxed);
  active_.store(true, std::memory_order_release);
  return true;
}

void CaptureTap::put(uint8_t dir, const uint8_t* head, uint32_t headLen, const uint8_t* data, uint32_t len) {
  uint32_t orig = headLen + len;
  uint32_t snap = snaplen_.load(std::memory_order_relaxed);
  uint32_t cap = orig < snap ? orig : snap;
  size_t rec = roundUp(kRecordHeader + cap);
  size_t size = mask_ + 1;
  uint64_t h = head_.load(std::memory_order_relaxed);
  uint64_t t = tail_.load(std::memory_order_acquire);
  size_t off = size_t(h) & mask_;
  size_t tailRoom = size - off;
  size_t need = rec <= tailRoom ? rec : tailRoom + rec;  // a record never wraps: skip the end
  if (size - size_t(h - t) < need) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (rec > tailRoom) {
    put32h(&buf_[off], 0);
    h += tailRoom;
    off = 0;
  }
  uint8_t* p = &buf_[off];
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ns = uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
  put32h(p, uint32_t(rec));
  put32h(p + 4, cap);
  put32h(p + 8, orig);
  p[12] = dir;
  p[13] = p[14] = p[15] = 0;
  std::memcpy(p + 16, &ns, 8);
  uint32_t fromHead = headLen < cap ? headLen : cap;
  if (fromHead) std::memcpy(p + kRecordHeader, head, fromHead);
  if (cap > fromHead) std::memcpy(p + kRecordHeader + fromHead, data, cap - fromHead);
  head_.store(h + rec, std::memory_order_release);
  captured_.fetch_add(1, std::memory_order_relaxed);
}

size_t CaptureTap::drain(uint8_t* out, size_t max) {
  uint64_t t = tail_.load(std::memory_order_relaxed);
  uint64_t h = head_.load(std::memory_order_acquire);
  size_t size = mask_ + 1;
  size_t n = 0;
  while (t < h) {
    size_t off = size_t(t) & mask_;
    uint32_t rec = get32h(&buf_[off]);
    if (rec == 0) {  // the producer skipped the end of the ring
      t += size - off;
      continue;
    }
    if (n + rec > max) break;
    std::memcpy(out + n, &buf_[off], rec);
    n += rec;
    t += rec;
  }
  tail_.store(t, std::memory_order_release);
  return n;
}

}  // namespace evpn
