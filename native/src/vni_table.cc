#include "vni_table.h"

namespace evpn {

int64_t VniTable::add(uint32_t vni) {
  if (vni > 0xffffff) return -1;
  int64_t have = find(vni);
  if (have >= 0) return have;
  if (next_ >= maxVnis_) return -1;
  bool inserted;
  uint32_t* slot = byVni_.insert(vni, &inserted);
  if (!slot) return -1;
  uint32_t idx = next_++;
  *slot = idx;
  vniOf_[idx] = vni;
  used_[idx] = true;
  return idx;
}

bool VniTable::addPort(uint32_t idx, uint32_t port) {
  uint32_t n = portCount_[idx];
  uint32_t* list = &ports_[size_t(idx) * maxPorts_];
  for (uint32_t i = 0; i < n; i++)
    if (list[i] == port) return true;
  if (n >= maxPorts_) return false;
  list[n] = port;
  portCount_[idx] = n + 1;
  return true;
}

VniTable::FloodResult VniTable::floodAdd(uint32_t idx, uint32_t vtep) {
  uint32_t n = floodCount_[idx];
  uint32_t* list = &flood_[size_t(idx) * maxFlood_];
  for (uint32_t i = 0; i < n; i++)
    if (list[i] == vtep) return FloodResult::kOk;
  if (n >= maxFlood_) return FloodResult::kFull;
  list[n] = vtep;
  floodCount_[idx] = n + 1;
  return FloodResult::kOk;
}

void VniTable::floodDel(uint32_t idx, uint32_t vtep) {
  uint32_t n = floodCount_[idx];
  uint32_t* list = &flood_[size_t(idx) * maxFlood_];
  for (uint32_t i = 0; i < n; i++) {
    if (list[i] == vtep) {
      list[i] = list[n - 1];
      floodCount_[idx] = n - 1;
      return;
    }
  }
}

void VniTable::floodDelEverywhere(uint32_t vtep) {
  for (uint32_t i = 0; i < next_; i++) floodDel(i, vtep);
}

}  // namespace evpn
