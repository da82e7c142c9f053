// A single-producer/single-consumer ring of fixed-size records.
//
// The packet thread produces events and the JavaScript thread consumes them
// (and the reverse for the command ring), so head and tail are each written
// by one side only: an acquire load of the other side's index and a release
// store of one's own is all the synchronisation needed. The indexes live on
// separate cache lines so the two threads do not false-share.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace evpn {

template <size_t kRecord>
class SpscRing {
 public:
  // `capacity` is rounded up to a power of two.
  explicit SpscRing(size_t capacity) {
    size_t c = 1;
    while (c < capacity) c <<= 1;
    mask_ = c - 1;
    buf_.reset(new uint8_t[c * kRecord]());
  }

  // Producer: a record to fill, or nullptr when full (the caller counts the loss).
  uint8_t* reserve() {
    size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) > mask_) return nullptr;
    return &buf_[(head & mask_) * kRecord];
  }
  void commit() { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  // Consumer: copies up to `max` records into `out`; returns how many.
  size_t drain(uint8_t* out, size_t max) {
    size_t tail = tail_.load(std::memory_order_relaxed);
    size_t avail = head_.load(std::memory_order_acquire) - tail;
    size_t n = avail < max ? avail : max;
    for (size_t i = 0; i < n; i++) std::memcpy(out + i * kRecord, &buf_[((tail + i) & mask_) * kRecord], kRecord);
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }
  // Consumer: the oldest record without removing it, or nullptr when empty;
  // pop() removes it.
  const uint8_t* front() const {
    size_t tail = tail_.load(std::memory_order_relaxed);
    if (head_.load(std::memory_order_acquire) == tail) return nullptr;
    return &buf_[(tail & mask_) * kRecord];
  }
  void pop() { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  size_t size() const { return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire); }
  size_t capacity() const { return mask_ + 1; }

 private:
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
  alignas(64) size_t mask_ = 0;
  std::unique_ptr<uint8_t[]> buf_;
};

}  // namespace evpn
