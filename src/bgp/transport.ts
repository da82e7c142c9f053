import net from 'node:net';
import { canonicalIp, isIpv4, type Ip } from '../util/ip';
import { connectSecure, needsNative, type TcpSecurity } from './tcp-options';

/**
 * TCP plumbing shared by the session and the speaker: address spelling,
 * listening, and the socket options a BGP connection wants.
 */

/**
 * The canonical form of a socket address: a dual-stack listener reports IPv4
 * peers as IPv4-mapped IPv6 ("::ffff:10.0.0.1", RFC 4291 §2.5.5.2), which
 * must match a neighbor configured as "10.0.0.1".
 */
export function socketAddress(addr: string | undefined): Ip | null {
  if (!addr) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return mapped[1]!;
  try {
    return canonicalIp(addr.replace(/%.*$/, ''));
  } catch {
    return null;
  }
}

/** Socket options for a BGP connection: no Nagle delay (RFC 4271 messages are small and latency matters for KEEPALIVEs). */
export function tuneSocket(sock: net.Socket): void {
  sock.setNoDelay(true);
}

/**
 * Opens an outbound connection; the caller listens for 'connect' and 'error'.
 * With a TCP MD5 key or GTSM the socket is made natively so the options
 * precede the SYN (tcp-options.ts).
 */
export function connectTo(host: Ip, port: number, localAddress?: Ip, security?: TcpSecurity): net.Socket {
  if (security && needsNative(security)) return connectSecure(host, port, localAddress, security);
  const opts: net.TcpNetConnectOpts = { host, port, family: isIpv4(host) ? 4 : 6 };
  if (localAddress) opts.localAddress = localAddress;
  return net.connect(opts);
}

/**
 * Listens on address:port. "::" takes IPv4 too (dual stack); a specific
 * IPv6 address only IPv6. Resolves once bound, with the port actually bound
 * (useful with port 0).
 */
export function listen(address: Ip, port: number, onConnection: (sock: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: false }, onConnection);
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen({ host: address, port, ipv6Only: false, exclusive: true }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/** The local port a server is bound to. */
export function boundPort(server: net.Server): number {
  const a = server.address();
  return a && typeof a === 'object' ? a.port : 0;
}
