#include "fdb.h"

namespace evpn {

// Control-plane operations: a full sweep of the slot array.
void Fdb::flushVni(uint32_t vniIdx) {
  size_t next;
  table_.sweep(0, table_.slotCount(), [&](uint64_t k, FdbEntry&) { return keyVni(k) == vniIdx; }, &next);
}

void Fdb::flushVtep(uint32_t vtepIdx) {
  size_t next;
  table_.sweep(
      0, table_.slotCount(), [&](uint64_t, FdbEntry& e) { return e.remote() && e.target == vtepIdx; }, &next);
}

}  // namespace evpn
