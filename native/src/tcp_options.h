// Socket options for BGP transport security that Node's net module cannot
// set: TCP MD5 signatures (RFC 2385) and the Generalized TTL Security
// Mechanism (RFC 5082). Plain POSIX/Linux calls on file descriptors that the
// JavaScript side owns (a net.Server's or net.Socket's handle fd, or one made
// by tcpSocket() below and handed to net.Socket({ fd })).
//
// Every function returns 0 or a positive errno value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace evpn {

// A non-blocking, close-on-exec TCP socket of family 4 or 6, bound to
// `localIp` when it is not null (port 0). The connect is left to the caller
// so that options that must precede the SYN (TCP_MD5SIG) can be set first.
int tcpSocket(int family, const char* localIp, int* fd);

// Installs (keyLen > 0) or removes (keyLen == 0) the RFC 2385 key for
// segments to and from `peerIp` on `fd`. On an IPv6 socket an IPv4 peer is
// given as an IPv4-mapped address, which Linux files as an IPv4 key: that is
// what a dual-stack listener sees for an IPv4 peer. Keys set on a listening
// socket are inherited by the connections it accepts.
int setTcpMd5(int fd, const char* peerIp, const uint8_t* key, size_t keyLen);

// RFC 5082 §3: send with TTL / hop limit 255 and discard segments whose TTL
// is below 256 - hops (IP_MINTTL, IPV6_MINHOPCOUNT). On an IPv6 socket both
// levels are set, as a dual-stack socket carries IPv4 peers too.
// hops == 0 restores the defaults (TTL from the route, no minimum).
int setTtlSecurity(int fd, unsigned hops);

// TCP_SAVE_SYN on a listener: accepted connections keep their SYN's headers.
int setSaveSyn(int fd);

// TTL (IPv4) or hop limit (IPv6) of the SYN that opened an accepted
// connection, from TCP_SAVED_SYN; -1 when none was saved. The kernel hands
// the SYN out once.
int savedSynTtl(int fd);

}  // namespace evpn
