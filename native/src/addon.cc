// Entry point of the evpn-vtep native addon. The data path lives beside it;
// this file only registers what TypeScript may call.
#include <napi.h>

namespace {

// The addon's ABI version: TypeScript checks it before using anything else,
// so a stale build fails loudly instead of misreading a table layout.
constexpr uint32_t kAbiVersion = 1;

Napi::Value AbiVersion(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), kAbiVersion);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Function::New(env, AbiVersion));
  return exports;
}

}  // namespace

NODE_API_MODULE(evpn_vtep, Init)
