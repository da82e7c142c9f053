// One batch of prepared messages out through sendmmsg, shared by the access
// ports and the underlay.
#pragma once

#include <errno.h>
#include <sys/socket.h>

#include <cstdint>

namespace evpn {

// Sends msgs[0..n) with sendmmsg, going on after a partial send and on EINTR.
// A message the kernel refuses (full queue, link down, EMSGSIZE) is skipped:
// nothing is retried on a path that must never block. frameOf[m] is the first
// frame of message m and frameOf[n] the end, so the result is the number of
// frames in refused messages.
inline uint32_t sendMessages(int fd, mmsghdr* msgs, uint32_t n, const uint32_t* frameOf) {
  uint32_t failed = 0;
  uint32_t done = 0;
  while (done < n) {
    int r = sendmmsg(fd, &msgs[done], n - done, MSG_DONTWAIT);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      failed += frameOf[done + 1] - frameOf[done];
      done++;
    } else {
      done += uint32_t(r);
    }
  }
  return failed;
}

}  // namespace evpn
