// The capture tap behind `evpn-vtep capture` (issue 8): the packet thread
// copies the frames of one port (an access port or the underlay; RX and TX)
// into a preallocated single-producer/single-consumer byte ring, and the
// JavaScript thread drains whole records on its tick. Bounded cost: when the
// consumer falls behind, frames are dropped and counted, never waited for;
// with no capture running the packet thread pays one relaxed load per
// vector.
//
// Record (host byte order, 8-octet aligned):
//   u32 record length (0 = skip to the ring's start) | u32 captured length |
//   u32 length on the wire | u8 direction (0 RX, 1 TX) | 3 pad | u64 ns since
//   the epoch (CLOCK_REALTIME) | captured octets
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace evpn {

class CaptureTap {
 public:
  static constexpr size_t kRecordHeader = 24;
  static constexpr uint32_t kAnyVni = 0xffffffff;

  explicit CaptureTap(size_t bytes);

  // JS thread. start() fails (false) while a capture runs.
  bool start(uint32_t port, uint32_t vni, uint32_t snaplen);
  void stop() { active_.store(false, std::memory_order_release); }
  bool running() const { return active_.load(std::memory_order_acquire); }
  // Copies whole records into `out` (at most `max` octets); returns octets.
  size_t drain(uint8_t* out, size_t max);
  uint64_t captured() const { return captured_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // Packet thread.
  bool on(uint32_t port) const {
    return active_.load(std::memory_order_acquire) && port_.load(std::memory_order_relaxed) == port;
  }
  bool active() const { return active_.load(std::memory_order_relaxed); }
  uint32_t port() const { return port_.load(std::memory_order_relaxed); }
  bool wants(uint32_t vni) const {
    uint32_t v = vni_.load(std::memory_order_relaxed);
    return v == kAnyVni || v == vni;
  }
  // One frame: `head` (a synthesized header, may be empty) then `data`;
  // origLen is the frame's full length.
  void put(uint8_t dir, const uint8_t* head, uint32_t headLen, const uint8_t* data, uint32_t len);

 private:
  std::unique_ptr<uint8_t[]> buf_;
  size_t mask_;
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::atomic<bool> active_{false};
  // Set by start() before active_ is released; atomics because a put() of
  // the previous capture may still be reading them.
  std::atomic<uint32_t> port_{0};
  std::atomic<uint32_t> vni_{kAnyVni};
  std::atomic<uint32_t> snaplen_{65535};
  std::atomic<uint64_t> captured_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace evpn
