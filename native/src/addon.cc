// Entry point of the evpn-vtep native addon: registers what TypeScript may
// call (src/dataplane/native.ts is the only caller). Per-packet work lives in
// pipeline.cc; this file converts between JavaScript values and its inputs.
#include <arpa/inet.h>
#include <napi.h>
#include <errno.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench.h"
#include "dataplane.h"
#include "counters.h"
#include "events.h"
#include "ops.h"
#include "pipeline.h"
#include "tcp_options.h"

namespace {

using evpn::IpAddr;
using evpn::Pipeline;
using evpn::PipelineConfig;

// The addon's ABI version: TypeScript checks it before using anything else,
// so a stale build fails loudly instead of misreading a record layout.
constexpr uint32_t kAbiVersion = 7;
// Frames per pipeline vector in the test hook (one TPACKET_V3 block's worth).
constexpr size_t kVector = 256;

bool parseMac(const std::string& s, uint64_t* out) {
  unsigned b[6];
  char tail;
  if (s.size() != 17 || std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                                    &b[5], &tail) != 6)
    return false;
  uint64_t m = 0;
  for (unsigned v : b) m = (m << 8) | v;
  *out = m;
  return true;
}

bool parseIp(const std::string& s, IpAddr* out) {
  uint8_t buf[16] = {};
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    *out = IpAddr::v4(buf);
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    *out = IpAddr::v6(buf);
    return true;
  }
  return false;
}

bool fail(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return false;
}

// Optional numeric field: absent keeps the default; present must be an
// integer in [min, max].
bool readU32(Napi::Object o, const char* key, uint32_t* out, uint32_t min, uint32_t max) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsNumber()) return fail(o.Env(), std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != double(uint64_t(d)) || d < min || d > max)
    return fail(o.Env(), std::string(key) + " must be an integer in [" + std::to_string(min) + ", " +
                             std::to_string(max) + "]");
  *out = uint32_t(d);
  return true;
}

bool readBool(Napi::Object o, const char* key, bool* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return true;
  if (!v.IsBoolean()) return fail(o.Env(), std::string(key) + " must be a boolean");
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool readMac(Napi::Object o, const char* key, uint64_t* out, bool required) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && !required) return true;
  if (!v.IsString() || !parseMac(v.As<Napi::String>().Utf8Value(), out))
    return fail(o.Env(), std::string(key) + " must be a MAC address (aa:bb:cc:dd:ee:ff)");
  return true;
}

bool readConfig(Napi::Object o, PipelineConfig* c) {
  if (!readU32(o, "maxPorts", &c->maxPorts, 1, 4096) || !readU32(o, "maxVnis", &c->maxVnis, 1, 65534) ||
      !readU32(o, "maxVteps", &c->maxVteps, 1, 1u << 20) || !readU32(o, "maxMacs", &c->maxMacs, 16, 1u << 26) ||
      !readU32(o, "maxArp", &c->maxArp, 16, 1u << 26) || !readU32(o, "maxFloodPerVni", &c->maxFloodPerVni, 1, 1u << 16) ||
      !readU32(o, "maxTenants", &c->maxTenants, 1, 1u << 15) || !readU32(o, "maxRoutes", &c->maxRoutes, 16, 1u << 24) ||
      !readU32(o, "eventRing", &c->eventRing, 16, 1u << 24) || !readU32(o, "txSlots", &c->txSlots, 16, 1u << 20) ||
      !readU32(o, "maxFrameLen", &c->maxFrameLen, 64, 65535 - evpn::kMaxOuter) ||
      !readBool(o, "verifyUdpChecksum", &c->verifyUdpChecksum) ||
      !readBool(o, "ipv6ZeroChecksumRx", &c->ipv6ZeroChecksumRx) || !readMac(o, "probeMac", &c->probeMac, false))
    return false;
  Napi::Value uv = o.Get("underlay");
  if (!uv.IsObject()) return fail(o.Env(), "underlay must be an object");
  Napi::Object u = uv.As<Napi::Object>();
  Napi::Value ip = u.Get("localIp");
  if (!ip.IsString() || !parseIp(ip.As<Napi::String>().Utf8Value(), &c->underlay.localIp))
    return fail(o.Env(), "underlay.localIp must be an IPv4 or IPv6 address");
  uint32_t port = c->underlay.udpPort, ttl = c->underlay.ttl, tos = c->underlay.tos;
  if (!readMac(u, "localMac", &c->underlay.localMac, true) || !readMac(u, "nextHopMac", &c->underlay.nextHopMac, true) ||
      !readU32(u, "udpPort", &port, 1, 65535) || !readU32(u, "ttl", &ttl, 1, 255) || !readU32(u, "tos", &tos, 0, 255))
    return false;
  c->underlay.udpPort = uint16_t(port);
  c->underlay.ttl = uint8_t(ttl);
  c->underlay.tos = uint8_t(tos);
  return true;
}

uint32_t monotonicSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint32_t(ts.tv_sec);
}

class PipelineWrap : public Napi::ObjectWrap<PipelineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Pipeline",
                       {
                           InstanceMethod<&PipelineWrap::ApplyOps>("applyOps"),
                           InstanceMethod<&PipelineWrap::Run>("run"),
                           InstanceMethod<&PipelineWrap::BenchProcess>("benchProcess"),
                           InstanceMethod<&PipelineWrap::DrainEvents>("drainEvents"),
                           InstanceMethod<&PipelineWrap::Counters>("counters"),
                           InstanceMethod<&PipelineWrap::Age>("age"),
                           InstanceMethod<&PipelineWrap::FdbSize>("fdbSize"),
                       });
  }

  explicit PipelineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PipelineWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      fail(env, "Pipeline(config): config object required");
      return;
    }
    PipelineConfig cfg;
    if (!readConfig(info[0].As<Napi::Object>(), &cfg)) return;
    p_.reset(new Pipeline(cfg));
    tx_.reset(new evpn::TxBatch(cfg.txSlots, p_->slotSize()));
    rx_.reset(new evpn::RxFrame[kVector]);
  }

 private:
  bool ready(Napi::Env env) {
    if (p_) return true;
    return fail(env, "pipeline was not constructed");
  }

  // applyOps(records: Uint8Array) -> {applied, rejected, rejects: [index, status, ...]}
  Napi::Value ApplyOps(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      fail(env, "applyOps(Uint8Array)");
      return env.Undefined();
    }
    Napi::Uint8Array a = info[0].As<Napi::Uint8Array>();
    evpn::OpsResult res;
    p_->applyOps(a.Data(), a.ByteLength(), &res);
    Napi::Object out = Napi::Object::New(env);
    out.Set("applied", res.applied);
    out.Set("rejected", res.rejected);
    Napi::Uint32Array rejects = Napi::Uint32Array::New(env, size_t(res.reported) * 2);
    for (uint32_t i = 0; i < res.reported; i++) {
      rejects[i * 2] = res.rejects[i].index;
      rejects[i * 2 + 1] = uint32_t(res.rejects[i].status);
    }
    out.Set("rejects", rejects);
    return out;
  }

  // run(frames: {port: number (-1 = underlay), bytes: Uint8Array, srcIp?: string}[], now?: number)
  //   -> {data: Buffer, desc: Uint32Array [kind, index, vni, l4Offset, offset, length] per output frame}
  // The test and benchmark hook: pushes frames through the real pipeline in
  // vectors of up to kVector, with no sockets.
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsArray()) {
      fail(env, "run(frames[], now?)");
      return env.Undefined();
    }
    uint32_t now = monotonicSeconds();
    if (info.Length() >= 2 && info[1].IsNumber()) now = info[1].As<Napi::Number>().Uint32Value();
    Napi::Array frames = info[0].As<Napi::Array>();
    uint32_t n = frames.Length();
    outData_.clear();
    outDesc_.clear();
    // Frames made by ops (ARP probes) go out first, as the packet thread sends
    // them right after applying the ops.
    collect(p_->controlTx());
    p_->controlTx().clear();
    for (uint32_t base = 0; base < n; base += kVector) {
      size_t count = std::min<size_t>(kVector, n - base);
      if (!readFrames(env, frames, base, count)) return env.Undefined();
      tx_->clear();
      p_->process(rx_.get(), count, *tx_, now);
      collect(*tx_);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", Napi::Buffer<uint8_t>::Copy(env, outData_.data(), outData_.size()));
    Napi::Uint32Array desc = Napi::Uint32Array::New(env, outDesc_.size());
    std::copy(outDesc_.begin(), outDesc_.end(), desc.Data());
    out.Set("desc", desc);
    return out;
  }

  void collect(const evpn::TxBatch& tx) {
    for (uint32_t i = 0; i < tx.count(); i++) {
      const evpn::TxFrame& t = tx[i];
      outDesc_.insert(outDesc_.end(), {uint32_t(t.kind), t.index, t.vni, t.l4Offset, uint32_t(outData_.size()), t.len});
      outData_.insert(outData_.end(), t.data, t.data + t.len);
    }
  }

  // Fills rx_[0, count) from frames[base, base + count); false (with a JS
  // exception pending) on a malformed entry. The frames keep pointing into
  // the JavaScript typed arrays, which the caller's arguments keep alive.
  bool readFrames(Napi::Env env, Napi::Array frames, uint32_t base, size_t count) {
    for (size_t i = 0; i < count; i++) {
      Napi::Value fv = frames[uint32_t(base + i)];
      if (!fv.IsObject()) return fail(env, "frame must be an object");
      Napi::Object fo = fv.As<Napi::Object>();
      Napi::Value bytes = fo.Get("bytes");
      Napi::Value port = fo.Get("port");
      if (!bytes.IsTypedArray() || bytes.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
          !port.IsNumber())
        return fail(env, "frame needs port: number and bytes: Uint8Array");
      Napi::Uint8Array b = bytes.As<Napi::Uint8Array>();
      evpn::RxFrame& rx = rx_[i];
      rx = evpn::RxFrame();
      rx.data = b.Data();
      rx.len = uint32_t(b.ByteLength());
      int64_t p = port.As<Napi::Number>().Int64Value();
      rx.port = p < 0 ? evpn::kUnderlayPort : uint32_t(p);
      Napi::Value src = fo.Get("srcIp");
      if (!src.IsUndefined()) {
        if (!src.IsString() || !parseIp(src.As<Napi::String>().Utf8Value(), &rx.srcIp))
          return fail(env, "srcIp must be an IP address");
        rx.udpPayload = true;
      }
    }
    return true;
  }

  // benchProcess(frames (at most 256), iterations) -> ns per frame
  // Times the pipeline alone: the vector is converted once and processed
  // `iterations` times in C++, so no N-API cost is included.
  Napi::Value BenchProcess(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsNumber() ||
        info[0].As<Napi::Array>().Length() > kVector || info[0].As<Napi::Array>().Length() == 0) {
      fail(env, "benchProcess(frames (1..256), iterations)");
      return env.Undefined();
    }
    Napi::Array frames = info[0].As<Napi::Array>();
    size_t count = frames.Length();
    if (!readFrames(env, frames, 0, count)) return env.Undefined();
    uint32_t iterations = info[1].As<Napi::Number>().Uint32Value();
    uint32_t now = monotonicSeconds();
    timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; i < iterations; i++) {
      tx_->clear();
      p_->process(rx_.get(), count, *tx_, now);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = double(t1.tv_sec - t0.tv_sec) * 1e9 + double(t1.tv_nsec - t0.tv_nsec);
    return Napi::Number::New(env, iterations ? ns / (double(iterations) * double(count)) : 0);
  }

  // drainEvents() -> Uint8Array of 40-octet event records (events.h)
  Napi::Value DrainEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    size_t pending = p_->pendingEvents();
    Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, pending * evpn::kEventRecord);
    size_t got = p_->drainEvents(buf.Data(), pending);
    return Napi::Buffer<uint8_t>::Copy(env, buf.Data(), got * evpn::kEventRecord);
  }

  // counters() -> {ports: Uint32Array, vnis: Uint32Array, values: Float64Array}
  // values holds one block of kCounterCount per listed port, then the underlay
  // and system blocks, then one per VNI, in the order of `ports` and `vnis`.
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    const PipelineConfig& cfg = p_->config();
    std::vector<uint32_t> ports, vniIdx;
    evpn::CounterTable& ct = p_->counters();
    // Configured ports, and unconfigured ones that received frames (their drops).
    for (uint32_t i = 0; i < cfg.maxPorts; i++)
      if (p_->ports().used(i) || ct.port(i)[evpn::C_rx_packets].load()) ports.push_back(i);
    for (uint32_t i = 0; i < cfg.maxVnis; i++)
      if (p_->vnis().used(i)) vniIdx.push_back(i);
    size_t blocks = ports.size() + 2 + vniIdx.size();
    Napi::Float64Array values = Napi::Float64Array::New(env, blocks * evpn::kCounterCount);
    double* d = values.Data();
    auto copy = [&](const evpn::Ctr* b) {
      for (uint32_t c = 0; c < evpn::kCounterCount; c++) *d++ = double(b[c].load());
    };
    for (uint32_t p : ports) copy(ct.port(p));
    copy(ct.underlay());
    copy(ct.system());
    for (uint32_t v : vniIdx) copy(ct.vni(v));
    Napi::Uint32Array portsOut = Napi::Uint32Array::New(env, ports.size());
    std::copy(ports.begin(), ports.end(), portsOut.Data());
    Napi::Uint32Array vnisOut = Napi::Uint32Array::New(env, vniIdx.size());
    for (size_t i = 0; i < vniIdx.size(); i++) vnisOut[i] = p_->vnis().vniOf(vniIdx[i]);
    Napi::Object out = Napi::Object::New(env);
    out.Set("ports", portsOut);
    out.Set("vnis", vnisOut);
    out.Set("values", values);
    return out;
  }

  // age(now, maxAge, budget?): one aging step over the FDB.
  Napi::Value Age(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
      fail(env, "age(now, maxAge, budget?)");
      return env.Undefined();
    }
    size_t budget = info.Length() >= 3 && info[2].IsNumber() ? size_t(info[2].As<Napi::Number>().Int64Value())
                                                             : size_t(-1) >> 1;
    p_->age(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::Number>().Uint32Value(), budget);
    return env.Undefined();
  }

  Napi::Value FdbSize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    return Napi::Number::New(env, double(p_->fdb().size()));
  }

  std::unique_ptr<Pipeline> p_;
  std::unique_ptr<evpn::TxBatch> tx_;
  std::unique_ptr<evpn::RxFrame[]> rx_;
  std::vector<uint8_t> outData_;
  std::vector<uint32_t> outDesc_;
};

Napi::Object opsResultObject(Napi::Env env, uint32_t applied, uint32_t rejected, const uint32_t* pairs,
                             uint32_t reported) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("applied", applied);
  out.Set("rejected", rejected);
  Napi::Uint32Array rejects = Napi::Uint32Array::New(env, size_t(reported) * 2);
  for (uint32_t i = 0; i < reported * 2; i++) rejects[i] = pairs[i];
  out.Set("rejects", rejects);
  return out;
}

// The packet thread with its sockets (dataplane.h). JavaScript configures it
// (openPort, openUnderlay), starts it with a doorbell callback, and then
// talks to it only through rings: applyOps queues records, the doorbell says
// "drain events and results", counters() reads without locks.
class DataplaneWrap : public Napi::ObjectWrap<DataplaneWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Dataplane",
                       {
                           InstanceMethod<&DataplaneWrap::OpenPort>("openPort"),
                           InstanceMethod<&DataplaneWrap::OpenUnderlay>("openUnderlay"),
                           InstanceMethod<&DataplaneWrap::Start>("start"),
                           InstanceMethod<&DataplaneWrap::Stop>("stop"),
                           InstanceMethod<&DataplaneWrap::ApplyOps>("applyOps"),
                           InstanceMethod<&DataplaneWrap::AckDoorbell>("ackDoorbell"),
                           InstanceMethod<&DataplaneWrap::DrainResults>("drainResults"),
                           InstanceMethod<&DataplaneWrap::DrainEvents>("drainEvents"),
                           InstanceMethod<&DataplaneWrap::Counters>("counters"),
                           InstanceMethod<&DataplaneWrap::StartCapture>("startCapture"),
                           InstanceMethod<&DataplaneWrap::StopCapture>("stopCapture"),
                           InstanceMethod<&DataplaneWrap::DrainCapture>("drainCapture"),
                           InstanceMethod<&DataplaneWrap::CaptureStats>("captureStats"),
                       });
  }

  // new Dataplane(pipelineConfig, {maxAge?, commandRing?, accessBatch?, underlayBatch?, rtPriority?, accessRing?, busyPollUs?, underlayGso?, accessCoalesce?})
  explicit DataplaneWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DataplaneWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      fail(env, "Dataplane(config, options?): config object required");
      return;
    }
    PipelineConfig cfg;
    if (!readConfig(info[0].As<Napi::Object>(), &cfg)) return;
    evpn::DataplaneOptions opt;
    if (info.Length() >= 2 && info[1].IsObject()) {
      Napi::Object o = info[1].As<Napi::Object>();
      if (!readU32(o, "maxAge", &opt.maxAge, 1, 1u << 30) ||
          !readU32(o, "commandRing", &opt.commandRing, 64, 1u << 22) ||
          !readU32(o, "accessBatch", &opt.accessBatch, 1, 1024) ||
          !readU32(o, "underlayBatch", &opt.underlayBatch, 1, 1024) ||
          !readU32(o, "rtPriority", &opt.rtPriority, 0, 99) ||
          !readU32(o, "accessRing", &opt.accessRing, 0, 1u << 20) ||
          !readU32(o, "busyPollUs", &opt.busyPollUs, 0, 1000000))
        return;
      Napi::Value g = o.Get("underlayGso");
      if (g.IsBoolean()) opt.underlayGso = g.As<Napi::Boolean>().Value();
      Napi::Value c = o.Get("accessCoalesce");
      if (c.IsBoolean()) opt.accessCoalesce = c.As<Napi::Boolean>().Value();
    }
    dp_.reset(new evpn::Dataplane(cfg, opt));
    napi_add_env_cleanup_hook(env, &DataplaneWrap::Cleanup, this);
    env_ = env;
  }

  ~DataplaneWrap() override {
    if (dp_) {
      napi_remove_env_cleanup_hook(env_, &DataplaneWrap::Cleanup, this);
      dp_->stop();
    }
  }

 private:
  static void Cleanup(void* arg) {
    auto* self = static_cast<DataplaneWrap*>(arg);
    if (self->dp_) self->dp_->stop();
  }

  bool ready(Napi::Env env) { return dp_ ? true : fail(env, "dataplane was not constructed"); }

  Napi::Value OpenPort(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString()) {
      fail(env, "openPort(index, ifname)");
      return env.Undefined();
    }
    std::string err;
    if (!dp_->openPort(info[0].As<Napi::Number>().Uint32Value(), info[1].As<Napi::String>().Utf8Value(), &err))
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  Napi::Value OpenUnderlay(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsString()) {
      fail(env, "openUnderlay(ifname)");
      return env.Undefined();
    }
    std::string err;
    if (!dp_->openUnderlay(info[0].As<Napi::String>().Utf8Value(), &err))
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // start(doorbell: () => void)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      fail(env, "start(doorbell)");
      return env.Undefined();
    }
    if (dp_->running()) {
      Napi::Error::New(env, "already running").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "evpn-vtep doorbell", 0, 1);
    Napi::ThreadSafeFunction bell = tsfn_;
    std::string err;
    // NonBlockingCall() without data calls the JS function with no arguments;
    // the thread calls it at most once until JS acknowledges (ackDoorbell).
    if (!dp_->start([bell]() mutable { bell.NonBlockingCall(); }, &err)) {
      tsfn_.Release();
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Ref();  // a running data plane is not garbage
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env) || !dp_->running()) return env.Undefined();
    dp_->stop();
    tsfn_.Release();
    Unref();
    return env.Undefined();
  }

  // applyOps(records, batchId) -> result object (applied now) or null (queued)
  Napi::Value ApplyOps(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array || !info[1].IsNumber()) {
      fail(env, "applyOps(Uint8Array, batchId)");
      return env.Undefined();
    }
    Napi::Uint8Array a = info[0].As<Napi::Uint8Array>();
    evpn::OpsResult res;
    switch (dp_->applyOps(a.Data(), a.ByteLength(), info[1].As<Napi::Number>().Uint32Value(), &res)) {
      case evpn::Dataplane::Submit::kApplied: {
        uint32_t pairs[evpn::OpsResult::kMaxReported * 2];
        for (uint32_t i = 0; i < res.reported; i++) {
          pairs[i * 2] = res.rejects[i].index;
          pairs[i * 2 + 1] = uint32_t(res.rejects[i].status);
        }
        return opsResultObject(env, res.applied, res.rejected, pairs, res.reported);
      }
      case evpn::Dataplane::Submit::kQueued:
        return env.Null();
      case evpn::Dataplane::Submit::kRingFull:
        break;
    }
    Napi::Error::New(env, "command ring full: the packet thread is not draining it").ThrowAsJavaScriptException();
    return env.Undefined();
  }

  Napi::Value AckDoorbell(const Napi::CallbackInfo& info) {
    if (dp_) dp_->ackDoorbell();
    return info.Env().Undefined();
  }

  // drainResults() -> [{batchId, applied, rejected, rejects: Uint32Array}]
  Napi::Value DrainResults(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    Napi::Array out = Napi::Array::New(env);
    uint8_t rec[evpn::kResultRecord];
    uint32_t k = 0;
    while (dp_->drainResults(rec, 1) == 1) {
      uint32_t w[4 + evpn::OpsResult::kMaxReported * 2];
      std::memcpy(w, rec, sizeof w);
      uint32_t reported = std::min<uint32_t>(w[3], evpn::OpsResult::kMaxReported);
      Napi::Object o = opsResultObject(env, w[1], w[2], w + 4, reported);
      o.Set("batchId", w[0]);
      out[k++] = o;
    }
    return out;
  }

  Napi::Value DrainEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    size_t pending = dp_->pendingEvents();
    events_.resize(pending * evpn::kEventRecord);
    size_t got = dp_->drainEvents(events_.data(), pending);
    return Napi::Buffer<uint8_t>::Copy(env, events_.data(), got * evpn::kEventRecord);
  }

  // counters(): the Pipeline.counters() layout, read with relaxed loads while
  // the packet thread runs.
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    const PipelineConfig& cfg = dp_->config();
    evpn::CounterTable& ct = dp_->counters();
    std::vector<uint32_t> ports, vniIdx, vnis;
    for (uint32_t i = 0; i < cfg.maxPorts; i++)
      if (dp_->portPublished(i) || ct.port(i)[evpn::C_rx_packets].load()) ports.push_back(i);
    for (uint32_t i = 0; i < cfg.maxVnis; i++) {
      uint32_t v = dp_->vniPublished(i);
      if (v) {
        vniIdx.push_back(i);
        vnis.push_back(v - 1);
      }
    }
    size_t blocks = ports.size() + 2 + vniIdx.size();
    Napi::Float64Array values = Napi::Float64Array::New(env, blocks * evpn::kCounterCount);
    double* d = values.Data();
    auto copy = [&](const evpn::Ctr* b) {
      for (uint32_t c = 0; c < evpn::kCounterCount; c++) *d++ = double(b[c].load());
    };
    for (uint32_t p : ports) copy(ct.port(p));
    copy(ct.underlay());
    copy(ct.system());
    for (uint32_t v : vniIdx) copy(ct.vni(v));
    Napi::Uint32Array portsOut = Napi::Uint32Array::New(env, ports.size());
    std::copy(ports.begin(), ports.end(), portsOut.Data());
    Napi::Uint32Array vnisOut = Napi::Uint32Array::New(env, vnis.size());
    std::copy(vnis.begin(), vnis.end(), vnisOut.Data());
    Napi::Object out = Napi::Object::New(env);
    out.Set("ports", portsOut);
    out.Set("vnis", vnisOut);
    out.Set("values", values);
    return out;
  }

  // startCapture(port, vni, snaplen) -> boolean: port -1 = the underlay, vni -1 = every VNI.
  // False when a capture is already running.
  Napi::Value StartCapture(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      fail(env, "startCapture(port, vni, snaplen)");
      return env.Undefined();
    }
    int64_t port = info[0].As<Napi::Number>().Int64Value();
    int64_t vni = info[1].As<Napi::Number>().Int64Value();
    int64_t snap = info[2].As<Napi::Number>().Int64Value();
    if (port < -1 || port >= int64_t(dp_->config().maxPorts) || vni < -1 || vni > 0xffffff || snap < 0 ||
        snap > 262144) {
      fail(env, "startCapture: port, vni or snaplen out of range");
      return env.Undefined();
    }
    bool ok = dp_->capture().start(port < 0 ? evpn::kUnderlayPort : uint32_t(port),
                                   vni < 0 ? evpn::CaptureTap::kAnyVni : uint32_t(vni), uint32_t(snap));
    return Napi::Boolean::New(env, ok);
  }

  Napi::Value StopCapture(const Napi::CallbackInfo& info) {
    if (dp_) dp_->capture().stop();
    return info.Env().Undefined();
  }

  // drainCapture(maxBytes) -> Buffer of whole records (capture.h layout)
  Napi::Value DrainCapture(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    size_t max = info.Length() >= 1 && info[0].IsNumber() ? size_t(info[0].As<Napi::Number>().Uint32Value()) : 1u << 20;
    if (max < 1024) max = 1024;
    capture_.resize(max);
    size_t n = dp_->capture().drain(capture_.data(), max);
    return Napi::Buffer<uint8_t>::Copy(env, capture_.data(), n);
  }

  Napi::Value CaptureStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    Napi::Object o = Napi::Object::New(env);
    o.Set("running", dp_->capture().running());
    o.Set("captured", double(dp_->capture().captured()));
    o.Set("dropped", double(dp_->capture().dropped()));
    return o;
  }

  std::unique_ptr<evpn::Dataplane> dp_;
  std::vector<uint8_t> capture_;
  Napi::ThreadSafeFunction tsfn_;
  napi_env env_ = nullptr;
  std::vector<uint8_t> events_;
};

Napi::Value AbiVersion(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), kAbiVersion); }

Napi::Value CounterNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, evpn::kCounterCount);
  for (uint32_t i = 0; i < evpn::kCounterCount; i++) a[i] = Napi::String::New(env, evpn::kCounterNames[i]);
  return a;
}

Napi::Value OpLengths(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env, evpn::kOpTypeMax + 1);
  for (uint32_t i = 0; i <= evpn::kOpTypeMax; i++) a[i] = Napi::Number::New(env, evpn::kOpLength[i]);
  return a;
}

// benchFdbLookups(entries, lookups) -> {nsPerLookup, nsPerInsert, hits}
// Times MAC lookups in C++ so the number is the table's, not N-API's.
Napi::Value BenchFdbLookups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    fail(env, "benchFdbLookups(entries, lookups)");
    return env.Undefined();
  }
  evpn::FdbBenchResult r = evpn::benchFdbLookups(info[0].As<Napi::Number>().Uint32Value(),
                                                 info[1].As<Napi::Number>().Uint32Value());
  Napi::Object out = Napi::Object::New(env);
  out.Set("nsPerLookup", r.nsPerLookup);
  out.Set("nsPerInsert", r.nsPerInsert);
  out.Set("hits", double(r.hits));
  return out;
}

// benchLpmLookups(prefixes, lookups, mix) -> {nsPerLookup, nsPerInsert, hits, bytesPerPrefix, lengths}
Napi::Value BenchLpmLookups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
    fail(env, "benchLpmLookups(prefixes, lookups, mix)");
    return env.Undefined();
  }
  evpn::LpmBenchResult r = evpn::benchLpmLookups(info[0].As<Napi::Number>().Uint32Value(),
                                                 info[1].As<Napi::Number>().Uint32Value(),
                                                 info[2].As<Napi::Number>().Uint32Value());
  Napi::Object out = Napi::Object::New(env);
  out.Set("nsPerLookup", r.nsPerLookup);
  out.Set("nsPerInsert", r.nsPerInsert);
  out.Set("hits", double(r.hits));
  out.Set("bytesPerPrefix", r.bytesPerPrefix);
  out.Set("lengths", r.lengths);
  return out;
}

// ------------------------------------------------------------ TCP options
// BGP transport security (RFC 2385 TCP MD5, RFC 5082 GTSM) on descriptors
// owned by Node: see src/bgp/tcp-options.ts.

bool sysFail(Napi::Env env, const char* what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.ThrowAsJavaScriptException();
  return false;
}

bool argFd(const Napi::CallbackInfo& info, size_t i, int* fd) {
  if (info.Length() <= i || !info[i].IsNumber()) return fail(info.Env(), "fd must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d < 0 || d > 0x7fffffff || d != double(int(d))) return fail(info.Env(), "fd must be a non-negative integer");
  *fd = int(d);
  return true;
}

// tcpSocket(family 4|6, localIp?: string) -> fd (non-blocking, unconnected)
Napi::Value TcpSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    fail(env, "tcpSocket(family, localIp?)");
    return env.Undefined();
  }
  int family = info[0].As<Napi::Number>().Int32Value();
  if (family != 4 && family != 6) {
    fail(env, "family must be 4 or 6");
    return env.Undefined();
  }
  std::string local;
  if (info.Length() > 1 && info[1].IsString()) local = info[1].As<Napi::String>().Utf8Value();
  int fd = -1;
  if (int e = evpn::tcpSocket(family, local.empty() ? nullptr : local.c_str(), &fd)) {
    sysFail(env, "tcpSocket", e);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

// setTcpMd5(fd, peerIp, key: string | Uint8Array) - an empty key removes it.
Napi::Value SetTcpMd5(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!argFd(info, 0, &fd)) return env.Undefined();
  if (info.Length() < 3 || !info[1].IsString() || !(info[2].IsString() || info[2].IsTypedArray())) {
    fail(env, "setTcpMd5(fd, peerIp, key)");
    return env.Undefined();
  }
  std::string peer = info[1].As<Napi::String>().Utf8Value();
  std::string key;
  if (info[2].IsString()) {
    key = info[2].As<Napi::String>().Utf8Value();
  } else {
    Napi::Uint8Array a = info[2].As<Napi::Uint8Array>();
    key.assign(reinterpret_cast<const char*>(a.Data()), a.ByteLength());
  }
  if (int e = evpn::setTcpMd5(fd, peer.c_str(), reinterpret_cast<const uint8_t*>(key.data()), key.size()))
    sysFail(env, "setsockopt(TCP_MD5SIG)", e);
  return env.Undefined();
}

// setTtlSecurity(fd, hops) - hops 0 restores the defaults; 255 sends with TTL 255
// and accepts any TTL (a listener shared by peers with and without GTSM).
Napi::Value SetTtlSecurity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!argFd(info, 0, &fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsNumber()) {
    fail(env, "setTtlSecurity(fd, hops)");
    return env.Undefined();
  }
  int64_t hops = info[1].As<Napi::Number>().Int64Value();
  if (hops < 0 || hops > 255) {
    fail(env, "hops must be 0..255");
    return env.Undefined();
  }
  if (int e = evpn::setTtlSecurity(fd, unsigned(hops))) sysFail(env, "setsockopt(IP_MINTTL)", e);
  return env.Undefined();
}

Napi::Value SetSaveSyn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!argFd(info, 0, &fd)) return env.Undefined();
  if (int e = evpn::setSaveSyn(fd)) sysFail(env, "setsockopt(TCP_SAVE_SYN)", e);
  return env.Undefined();
}

Napi::Value SavedSynTtl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!argFd(info, 0, &fd)) return env.Undefined();
  return Napi::Number::New(env, evpn::savedSynTtl(fd));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Function::New(env, AbiVersion));
  exports.Set("counterNames", Napi::Function::New(env, CounterNames));
  exports.Set("opLengths", Napi::Function::New(env, OpLengths));
  exports.Set("eventRecordSize", Napi::Number::New(env, evpn::kEventRecord));
  exports.Set("benchFdbLookups", Napi::Function::New(env, BenchFdbLookups));
  exports.Set("benchLpmLookups", Napi::Function::New(env, BenchLpmLookups));
  exports.Set("Pipeline", PipelineWrap::Define(env));
  exports.Set("Dataplane", DataplaneWrap::Define(env));
  exports.Set("tcpSocket", Napi::Function::New(env, TcpSocket));
  exports.Set("setTcpMd5", Napi::Function::New(env, SetTcpMd5));
  exports.Set("setTtlSecurity", Napi::Function::New(env, SetTtlSecurity));
  exports.Set("setSaveSyn", Napi::Function::New(env, SetSaveSyn));
  exports.Set("savedSynTtl", Napi::Function::New(env, SavedSynTtl));
  return exports;
}

}  // namespace

NODE_API_MODULE(evpn_vtep, Init)
