#include "tcp_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

// Linux values (include/uapi/linux/in6.h, tcp.h) that older libc headers lack.
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif
#ifndef TCP_SAVE_SYN
#define TCP_SAVE_SYN 27
#endif
#ifndef TCP_SAVED_SYN
#define TCP_SAVED_SYN 28
#endif

namespace evpn {

namespace {

int socketFamily(int fd) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  return ss.ss_family;
}

int setInt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : errno;
}

}  // namespace

int tcpSocket(int family, const char* localIp, int* fdOut) {
  int af = family == 6 ? AF_INET6 : AF_INET;
  int fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) return errno;
  if (localIp && *localIp) {
    sockaddr_storage ss;
    std::memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (af == AF_INET) {
      auto* s = reinterpret_cast<sockaddr_in*>(&ss);
      s->sin_family = AF_INET;
      if (inet_pton(AF_INET, localIp, &s->sin_addr) != 1) {
        close(fd);
        return EINVAL;
      }
      len = sizeof *s;
    } else {
      auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
      s->sin6_family = AF_INET6;
      if (inet_pton(AF_INET6, localIp, &s->sin6_addr) != 1) {
        close(fd);
        return EINVAL;
      }
      len = sizeof *s;
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      int e = errno;
      close(fd);
      return e;
    }
  }
  *fdOut = fd;
  return 0;
}

int setTcpMd5(int fd, const char* peerIp, const uint8_t* key, size_t keyLen) {
  if (keyLen > TCP_MD5SIG_MAXKEYLEN) return EINVAL;
  int af = socketFamily(fd);
  if (af != AF_INET && af != AF_INET6) return af < 0 ? errno : EAFNOSUPPORT;
  tcp_md5sig sig;
  std::memset(&sig, 0, sizeof sig);
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, peerIp, &v4) == 1) {
    if (af == AF_INET) {
      auto* s = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
      s->sin_family = AF_INET;
      s->sin_addr = v4;
    } else {
      // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2): Linux stores it as an IPv4 key.
      auto* s = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
      s->sin6_family = AF_INET6;
      s->sin6_addr.s6_addr[10] = 0xff;
      s->sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&s->sin6_addr.s6_addr[12], &v4, 4);
    }
  } else if (inet_pton(AF_INET6, peerIp, &v6) == 1) {
    if (af != AF_INET6) return EAFNOSUPPORT;
    auto* s = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    s->sin6_family = AF_INET6;
    s->sin6_addr = v6;
  } else {
    return EINVAL;
  }
  sig.tcpm_keylen = uint16_t(keyLen);
  if (keyLen) std::memcpy(sig.tcpm_key, key, keyLen);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) == 0) return 0;
  // Removing a key that was never installed is not an error.
  return keyLen == 0 && errno == ENOENT ? 0 : errno;
}

int setTtlSecurity(int fd, unsigned hops) {
  if (hops > 255) return EINVAL;
  int af = socketFamily(fd);
  if (af != AF_INET && af != AF_INET6) return af < 0 ? errno : EAFNOSUPPORT;
  // RFC 5082 §3: TTL 255 out, at least 255 - (hops - 1) = 256 - hops in.
  int ttl = hops ? 255 : -1;  // -1: back to the route's / system default
  int minTtl = hops ? int(256 - hops) : 0;
  if (af == AF_INET6) {
    if (int e = setInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)) return e;
    if (int e = setInt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, minTtl)) return e;
    // A dual-stack socket (not IPV6_V6ONLY) also talks to IPv4 peers through
    // IPv4-mapped addresses; those segments are checked at the IPv4 level.
    int v6only = 0;
    socklen_t l = sizeof v6only;
    if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l) != 0 || v6only) return 0;
  }
  if (int e = setInt(fd, IPPROTO_IP, IP_TTL, ttl)) return e;
  return setInt(fd, IPPROTO_IP, IP_MINTTL, minTtl);
}

int setSaveSyn(int fd) { return setInt(fd, IPPROTO_TCP, TCP_SAVE_SYN, 1); }

int savedSynTtl(int fd) {
  // Network header (IPv4 up to 60 octets, IPv6 40 plus extension headers)
  // and the TCP header; the first octets are all that is read.
  uint8_t buf[512];
  socklen_t len = sizeof buf;
  if (getsockopt(fd, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len) != 0 || len < 1) return -1;
  uint8_t version = buf[0] >> 4;
  if (version == 4 && len >= 20) return buf[8];  // RFC 791: TTL
  if (version == 6 && len >= 40) return buf[7];  // RFC 8200: Hop Limit
  return -1;
}

}  // namespace evpn
