// The packet thread: owns the sockets and the pipeline, and talks to the
// JavaScript thread only through lock-free rings.
//
//   JS thread                          packet thread
//   applyOps(records) --> command ring --> applied between vectors
//                     <-- result ring  <-- one result per batch
//   drainEvents()     <-- event ring   <-- learned/moved MACs, bindings, probe answers
//   doorbell (ThreadSafeFunction)      <-- at most once per vector, coalesced by bell_
//   counters()        <-- relaxed loads of the pipeline's counters
//   stop()            --> eventfd wake + stop flag
//
// One epoll loop serves every socket: an access port or the underlay that is
// readable gives one recvmmsg batch, which becomes one pipeline vector (up to
// kVector frames; GSO super-frames are segmented into it), and the vector's
// output goes out with sendmmsg grouped by socket. Pending ops are applied at
// the top of every loop turn, so lookups never need a lock. Every buffer is
// allocated before the thread starts.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "afpacket.h"
#include "capture.h"
#include "pipeline.h"
#include "ring.h"
#include "underlay.h"

namespace evpn {

constexpr size_t kCommandRecord = 48;  // room for the longest op record (RouteAdd, 44)
static_assert(kCommandRecord >= kOpMaxLength, "a command slot must hold every op record");
// One applyOps() result: batch id, applied, rejected, reported, then
// `reported` (index, status) pairs; all u32 in host order.
constexpr size_t kResultRecord = 16 + OpsResult::kMaxReported * 8;

struct DataplaneOptions {
  uint32_t maxAge = 300;          // seconds before an idle learned MAC ages out (IEEE 802.1Q default)
  uint32_t commandRing = 65536;   // op records
  uint32_t accessBatch = 64;      // frames per recvmmsg on an access port (64 KB slots each)
  uint32_t underlayBatch = 256;   // datagrams per recvmmsg on the underlay
  // SCHED_FIFO priority of the packet thread (0 = normal scheduling). On a
  // busy machine a woken CFS thread can wait milliseconds for a core; a
  // real-time thread preempts at once. It blocks in epoll_wait when idle,
  // and the kernel's RT throttling (sched_rt_runtime_us) bounds it when not.
  uint32_t rtPriority = 0;
  // Access-port receive variant: 0 = recvmmsg, N = a TPACKET_V2 RX ring of N
  // 2 KB slots per port (afpacket.h).
  uint32_t accessRing = 2048;
  // After a turn that moved frames, poll without sleeping for this long before
  // blocking in epoll_wait: a frame that follows within the window (the
  // reply to the one just forwarded, the next of a burst) is picked up without
  // the wake-up of a sleeping thread (tens of µs on a VM). Costs CPU only
  // while traffic flows; 0 disables.
  uint32_t busyPollUs = 50;
  // Underlay batching for TCP-sized traffic: GSO_UDP_L4 on send, UDP_GRO on
  // receive (underlay.h). False: one datagram per frame both ways.
  bool underlayGso = true;
  // Runs of one TCP flow's segments leave an access port as one TSO
  // super-frame (afpacket.h). False: every frame as it is.
  bool accessCoalesce = true;
};

class Dataplane {
 public:
  static constexpr size_t kVector = 256;

  Dataplane(const PipelineConfig& cfg, const DataplaneOptions& opt);
  ~Dataplane();

  // Before start(): sockets.
  bool openPort(uint32_t index, const std::string& ifname, std::string* err);
  bool openUnderlay(const std::string& ifname, std::string* err);

  // `doorbell` is called from the packet thread (it must be thread-safe).
  bool start(std::function<void()> doorbell, std::string* err);
  void stop();
  bool running() const { return thread_.joinable(); }

  // JS thread. Not running: applies the batch at once into *result
  // (kApplied). Running: queues it for the packet thread (kQueued; the result
  // arrives in the result ring under batchId), waiting up to a few seconds
  // for ring space (kRingFull when the thread never made room).
  enum class Submit { kApplied, kQueued, kRingFull };
  Submit applyOps(const uint8_t* buf, size_t len, uint32_t batchId, OpsResult* result);
  size_t drainResults(uint8_t* out, size_t max) { return results_.drain(out, max); }
  size_t drainEvents(uint8_t* out, size_t max) { return pipeline_.drainEvents(out, max); }
  size_t pendingEvents() const { return pipeline_.pendingEvents(); }
  void ackDoorbell() { bell_.store(false, std::memory_order_release); }

  // Lock-free reads for counters(): configured ports and VNIs as last
  // published by the packet thread, and the counter blocks themselves.
  bool portPublished(uint32_t p) const { return pubPort_[p].load(std::memory_order_acquire) != 0; }
  uint32_t vniPublished(uint32_t idx) const { return pubVni_[idx].load(std::memory_order_acquire); }  // vni + 1, or 0
  CounterTable& counters() { return pipeline_.counters(); }
  const PipelineConfig& config() const { return pipeline_.config(); }

  // Capture (JS thread): one tap at a time on an access port or the underlay
  // (kUnderlayPort), optionally one VNI (CaptureTap::kAnyVni), frames cut at
  // snaplen. Frames are copied by the packet thread into capture().
  CaptureTap& capture() { return tap_; }

 private:
  void loop();
  void applyCommands();
  void publish();
  void rxAccess(uint32_t port, uint32_t now);
  void rxUnderlay(uint32_t now);
  void addRx(uint32_t port, const uint8_t* data, uint32_t len, uint32_t now);
  void flush(uint32_t now);
  void transmit(TxBatch& tx);
  void ringBell();
  void captureRx();
  void captureUnderlayRx(const Underlay::Rx& r, const uint8_t* data, uint32_t len);

  Pipeline pipeline_;
  DataplaneOptions opt_;
  std::vector<std::unique_ptr<AfPacketPort>> ports_;
  Underlay underlay_;
  std::string underlayName_;

  SpscRing<kCommandRecord> commands_;
  SpscRing<kResultRecord> results_;
  OpsResult current_;
  uint32_t currentIndex_ = 0;
  std::unique_ptr<std::atomic<uint32_t>[]> pubVni_;
  std::unique_ptr<std::atomic<uint8_t>[]> pubPort_;

  // Vector state (packet thread only).
  std::unique_ptr<RxFrame[]> rx_;
  size_t rxCount_ = 0;
  TxBatch tx_;
  size_t arenaSlot_;
  std::unique_ptr<uint8_t[]> arena_;  // GSO segments of the current vector
  size_t arenaUsed_ = 0;
  std::unique_ptr<uint32_t[]> segLens_;
  std::unique_ptr<uint8_t*[]> sendFrames_;
  std::unique_ptr<uint32_t[]> sendLens_;
  std::unique_ptr<uint16_t[]> sendL4_;

  CaptureTap tap_;
  uint8_t capHead_[14 + 40 + 8];  // synthesized outer header of an underlay RX frame

  int epoll_ = -1;
  int wake_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> bell_{false};
  std::function<void()> doorbell_;
};

}  // namespace evpn
