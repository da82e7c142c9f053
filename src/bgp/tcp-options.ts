import net from 'node:net';
import { loadAddon } from '../dataplane/native';
import { isIpv4, type Ip } from '../util/ip';

/**
 * BGP transport security that Node's net module cannot express, set through
 * the native addon (native/src/tcp_options.cc) on the descriptors Node owns:
 *
 * - TCP MD5 signatures (RFC 2385): TCP_MD5SIG with the neighbor's key, on the
 *   listening socket (one key per configured peer; accepted connections
 *   inherit it) and on each outgoing socket before its SYN. net.connect()
 *   offers no hook between socket() and connect(), so outgoing sockets are
 *   made natively (socket, bind to the local address, options) and handed
 *   to `new net.Socket({ fd, manualStart: true })`, whose connect() then
 *   reuses that handle: the usual 'connect'/'error' events follow.
 * - GTSM (RFC 5082): TTL 255 out and IP_MINTTL / IPV6_MINHOPCOUNT of
 *   256 - hops in. The listener is shared by all peers, so it only sends
 *   with TTL 255 (its SYN-ACKs must pass the peer's own check) and saves each
 *   SYN (TCP_SAVE_SYN); an accepted connection whose SYN arrived with too
 *   low a TTL is refused at once, and the minimum is set on the connection so
 *   that no later segment from farther away is accepted either.
 *
 * The listening descriptor is `server._handle.fd`: Node's TCP handle exposes
 * the libuv descriptor as `fd` on POSIX systems (undocumented but stable;
 * net.Socket({ fd }) is its documented counterpart). It is read once the
 * server is bound, and is absent (-1 or undefined) on other platforms, where
 * these options are reported as unavailable.
 */

/** The security settings of one neighbor (from NeighborConfig). */
export interface TcpSecurity {
  /** RFC 2385 key. */
  password?: string;
  /** RFC 5082 hop count 1..254. */
  ttlSecurityHops?: number;
}

interface TcpAddon {
  tcpSocket(family: 4 | 6, localIp?: string): number;
  setTcpMd5(fd: number, peerIp: string, key: string): void;
  setTtlSecurity(fd: number, hops: number): void;
  setSaveSyn(fd: number): void;
  savedSynTtl(fd: number): number;
}

let addon: TcpAddon | undefined;

function tcpAddon(): TcpAddon {
  if (addon) return addon;
  const a = loadAddon() as unknown as Partial<TcpAddon>;
  for (const f of ['tcpSocket', 'setTcpMd5', 'setTtlSecurity', 'setSaveSyn', 'savedSynTtl'] as const) {
    if (typeof a[f] !== 'function') throw new Error(`native addon lacks ${f}: rebuild with npm ci`);
  }
  addon = a as TcpAddon;
  return addon;
}

/** Why TCP MD5 / GTSM cannot be used here, or null when they can. */
export function tcpOptionsUnavailable(): string | null {
  try {
    tcpAddon();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Whether a neighbor needs native socket options at all. */
export function needsNative(sec: TcpSecurity): boolean {
  return sec.password !== undefined || sec.ttlSecurityHops !== undefined;
}

/** The descriptor of a bound server or a connected socket (see above). */
function handleFd(h: net.Server | net.Socket): number {
  const fd = (h as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no socket descriptor (not bound, or not a POSIX platform)');
  return fd;
}

/**
 * Opens an outbound connection with the neighbor's MD5 key and GTSM set
 * before the SYN. Errors (no addon, bind failure) come as the socket's
 * 'error' event, like any failed connect.
 */
export function connectSecure(host: Ip, port: number, localAddress: Ip | undefined, sec: TcpSecurity): net.Socket {
  let a: TcpAddon;
  let fd: number;
  try {
    a = tcpAddon();
    fd = a.tcpSocket(isIpv4(host) ? 4 : 6, localAddress);
  } catch (e) {
    return failedSocket(e as Error);
  }
  try {
    if (sec.password !== undefined) a.setTcpMd5(fd, host, sec.password);
    if (sec.ttlSecurityHops !== undefined) a.setTtlSecurity(fd, sec.ttlSecurityHops);
  } catch (e) {
    // Not yet owned by a Socket: close it through one so the descriptor is not leaked.
    new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts).destroy();
    return failedSocket(e as Error);
  }
  const sock = new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  return sock.connect({ host, port });
}

function failedSocket(e: Error): net.Socket {
  const sock = new net.Socket();
  process.nextTick(() => sock.destroy(e));
  return sock;
}

/**
 * Prepares the shared listening socket for the configured neighbors: one
 * MD5 key per neighbor with a password, TTL 255 and saved SYNs when any
 * neighbor uses GTSM. Returns the addresses whose key is in place; a
 * neighbor with a password that is not in it must be refused (its
 * connections would arrive unauthenticated), and the reason of each failure.
 */
export function secureListener(server: net.Server, neighbors: ReadonlyArray<TcpSecurity & { address: Ip }>): { keyed: Set<Ip>; errors: { address: Ip; error: string }[] } {
  const keyed = new Set<Ip>();
  const errors: { address: Ip; error: string }[] = [];
  if (!neighbors.some(needsNative)) return { keyed, errors };
  let a: TcpAddon;
  let fd: number;
  try {
    a = tcpAddon();
    fd = handleFd(server);
  } catch (e) {
    for (const n of neighbors) if (needsNative(n)) errors.push({ address: n.address, error: (e as Error).message });
    return { keyed, errors };
  }
  for (const n of neighbors) {
    if (n.password === undefined) continue;
    try {
      a.setTcpMd5(fd, n.address, n.password);
      keyed.add(n.address);
    } catch (e) {
      errors.push({ address: n.address, error: (e as Error).message });
    }
  }
  if (neighbors.some((n) => n.ttlSecurityHops !== undefined)) {
    try {
      a.setTtlSecurity(fd, 255);
      a.setSaveSyn(fd);
    } catch (e) {
      for (const n of neighbors) if (n.ttlSecurityHops !== undefined) errors.push({ address: n.address, error: (e as Error).message });
    }
  }
  return { keyed, errors };
}

/** Removes a neighbor's key from the listener (neighbor deleted or password changed). */
export function unkeyListener(server: net.Server, address: Ip): void {
  tcpAddon().setTcpMd5(handleFd(server), address, '');
}

/**
 * GTSM on an accepted connection: refuses it when its SYN came with a TTL
 * below 256 - hops (RFC 5082 §3), else sets the minimum on the connection.
 * Returns the reason to refuse, or null.
 */
export function admitAccepted(sock: net.Socket, sec: TcpSecurity): string | null {
  const hops = sec.ttlSecurityHops;
  if (hops === undefined) return null;
  try {
    const a = tcpAddon();
    const fd = handleFd(sock);
    const min = 256 - hops;
    const ttl = a.savedSynTtl(fd);
    if (ttl >= 0 && ttl < min) return `ttl-security: SYN arrived with TTL ${ttl}, minimum ${min} (hops ${hops})`;
    a.setTtlSecurity(fd, hops);
    return null;
  } catch (e) {
    return `ttl-security: ${(e as Error).message}`;
  }
}
