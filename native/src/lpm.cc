#include "lpm.h"

namespace evpn {

LpmTable::LpmTable(uint32_t maxTenants, uint32_t maxRoutes)
    : maxTenants_(maxTenants),
      v4_(maxRoutes),
      v6_(maxRoutes),
      count4_(new uint32_t[size_t(maxTenants) * kLens4]()),
      count6_(new uint32_t[size_t(maxTenants) * kLens6]()),
      bits4_(new uint64_t[maxTenants]()),
      bits6_(new uint64_t[size_t(maxTenants) * 3]()) {}

namespace {

Lpm4Key key4(uint32_t tenant, uint8_t len, const uint8_t* a) {
  uint32_t addr = load32(a);
  uint32_t mask = len == 0 ? 0 : ~uint32_t(0) << (32 - len);
  return Lpm4Key{uint64_t(tenant) << 40 | uint64_t(len) << 32 | (addr & mask)};
}

Lpm6Key key6(uint32_t tenant, uint8_t len, const uint8_t* a) {
  Lpm6Key k;
  k.tenant = tenant;
  k.len = len;
  std::memcpy(k.addr, a, 16);
  maskPrefix(k.addr, 16, len);
  return k;
}

}  // namespace

void LpmTable::addLen(uint32_t tenant, uint8_t family, uint8_t len) {
  if (family == 4) {
    if (count4_[size_t(tenant) * kLens4 + len]++ == 0) bits4_[tenant] |= uint64_t(1) << len;
  } else if (count6_[size_t(tenant) * kLens6 + len]++ == 0) {
    bits6_[size_t(tenant) * 3 + len / 64] |= uint64_t(1) << (len % 64);
  }
}

void LpmTable::dropLen(uint32_t tenant, uint8_t family, uint8_t len) {
  if (family == 4) {
    if (--count4_[size_t(tenant) * kLens4 + len] == 0) bits4_[tenant] &= ~(uint64_t(1) << len);
  } else if (--count6_[size_t(tenant) * kLens6 + len] == 0) {
    bits6_[size_t(tenant) * 3 + len / 64] &= ~(uint64_t(1) << (len % 64));
  }
}

LpmTable::AddResult LpmTable::add(uint32_t tenant, const IpAddr& addr, uint8_t len, const RouteNh& nh) {
  bool inserted;
  RouteNh* e;
  if (addr.family == 4) {
    e = v4_.insert(key4(tenant, len, addr.bytes), &inserted);
  } else {
    e = v6_.insert(key6(tenant, len, addr.bytes), &inserted);
  }
  if (!e) return AddResult::kFull;
  *e = nh;
  if (inserted) addLen(tenant, addr.family, len);
  return AddResult::kOk;
}

bool LpmTable::del(uint32_t tenant, const IpAddr& addr, uint8_t len) {
  bool erased;
  if (addr.family == 4) {
    erased = v4_.erase(key4(tenant, len, addr.bytes));
  } else {
    erased = v6_.erase(key6(tenant, len, addr.bytes));
  }
  if (erased) dropLen(tenant, addr.family, len);
  return erased;
}

const RouteNh* LpmTable::lookup(uint32_t tenant, uint8_t family, const uint8_t* addr) const {
  if (family == 4) {
    uint32_t a = load32(addr);
    uint64_t hi = uint64_t(tenant) << 40;
    for (uint64_t bits = bits4_[tenant]; bits;) {
      uint32_t len = 63 - uint32_t(__builtin_clzll(bits));
      bits &= ~(uint64_t(1) << len);
      uint32_t mask = len == 0 ? 0 : ~uint32_t(0) << (32 - len);
      const RouteNh* nh = v4_.find(Lpm4Key{hi | uint64_t(len) << 32 | (a & mask)});
      if (nh) return nh;
    }
    return nullptr;
  }
  Lpm6Key k;
  k.tenant = tenant;
  std::memcpy(k.addr, addr, 16);
  // Lengths from 128 down: each probe clears the bits between the previous
  // length and this one, so the address is masked incrementally.
  uint32_t masked = 128;
  for (int w = 2; w >= 0; w--) {
    for (uint64_t bits = bits6_[size_t(tenant) * 3 + w]; bits;) {
      uint32_t bit = 63 - uint32_t(__builtin_clzll(bits));
      bits &= ~(uint64_t(1) << bit);
      uint32_t len = uint32_t(w) * 64 + bit;
      for (uint32_t b = len; b < masked; b++) k.addr[b / 8] &= uint8_t(~(0x80 >> (b % 8)));
      masked = len;
      k.len = uint8_t(len);
      const RouteNh* nh = v6_.find(k);
      if (nh) return nh;
    }
  }
  return nullptr;
}

template <typename Pred>
void LpmTable::sweep(Pred pred) {
  size_t next;
  v4_.sweep(0, v4_.slotCount(), [&](const Lpm4Key& k, RouteNh& nh) {
    uint32_t tenant = uint32_t(k.v >> 40);
    if (!pred(tenant, nh)) return false;
    dropLen(tenant, 4, uint8_t(k.v >> 32));
    return true;
  }, &next);
  v6_.sweep(0, v6_.slotCount(), [&](const Lpm6Key& k, RouteNh& nh) {
    if (!pred(k.tenant, nh)) return false;
    dropLen(k.tenant, 6, k.len);
    return true;
  }, &next);
}

void LpmTable::flushTenant(uint32_t tenant) {
  sweep([&](uint32_t t, const RouteNh&) { return t == tenant; });
}

void LpmTable::flushVtep(uint32_t vtep) {
  sweep([&](uint32_t, const RouteNh& nh) { return !nh.local() && nh.target == vtep; });
}

size_t LpmTable::memoryBytes4() const {
  return v4_.slotCount() * v4_.slotBytes() + size_t(maxTenants_) * (kLens4 * sizeof(uint32_t) + sizeof(uint64_t));
}

}  // namespace evpn
