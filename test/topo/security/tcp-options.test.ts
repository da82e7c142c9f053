import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { admitAccepted, connectSecure, secureListener, tcpOptionsUnavailable } from '../../../src/bgp/tcp-options';

/**
 * src/bgp/tcp-options.ts over loopback (127.0.0.1 and ::1), no namespaces:
 * RFC 2385 keys on a dual-stack listener and on native outgoing sockets, for
 * IPv4 (IPv4-mapped on the listener) and IPv6; RFC 5082 checks of accepted
 * connections from their saved SYN. Bounded: each refused attempt is given
 * 1.5 s.
 */
const skip = tcpOptionsUnavailable();
if (skip) console.warn(`[skip] TCP MD5 / GTSM over loopback: ${skip}`);

const open: (net.Server | net.Socket)[] = [];
afterEach(() => {
  for (const h of open.splice(0)) {
    if (h instanceof net.Server) h.close();
    else h.destroy();
  }
});

async function listener(onConn: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer(onConn);
  open.push(srv);
  await new Promise<void>((resolve) => srv.listen({ host: '::', port: 0, ipv6Only: false }, resolve));
  return srv;
}

/** Connects and reports 'connected' once data flows, or 'timeout' / the error. */
function attempt(host: string, port: number, sec: { password?: string; ttlSecurityHops?: number }): Promise<string> {
  return new Promise((resolve) => {
    const s = sec.password !== undefined || sec.ttlSecurityHops !== undefined ? connectSecure(host, port, undefined, sec) : net.connect({ host, port });
    open.push(s);
    const t = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, 1500);
    s.once('data', () => {
      clearTimeout(t);
      resolve('connected');
    });
    s.once('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
    s.on('error', () => undefined);
  });
}

describe.skipIf(skip !== null)('TCP MD5 and GTSM socket options', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`MD5 over ${host}: the right key connects, a wrong key or none does not`, async () => {
      const srv = await listener((s) => s.end('hi'));
      const { keyed, errors } = secureListener(srv, [{ address: host, password: 'k-0123456789' }]);
      expect(errors).toEqual([]);
      expect([...keyed]).toEqual([host]);
      const port = (srv.address() as net.AddressInfo).port;
      expect(await attempt(host, port, { password: 'k-0123456789' })).toBe('connected');
      expect(await attempt(host, port, { password: 'wrong' })).toBe('timeout');
      expect(await attempt(host, port, {})).toBe('timeout');
    });

    it(`GTSM over ${host}: a SYN with the default TTL is refused for hops 1, one with TTL 255 admitted`, async () => {
      const verdicts: (string | null)[] = [];
      const srv = await listener((s) => {
        const why = admitAccepted(s, { ttlSecurityHops: 1 });
        verdicts.push(why);
        if (why) s.destroy();
        else s.end('hi');
      });
      expect(secureListener(srv, [{ address: host, ttlSecurityHops: 1 }]).errors).toEqual([]);
      const port = (srv.address() as net.AddressInfo).port;
      // A plain socket sends with the system's default TTL (64 on Linux): refused at accept.
      expect(await attempt(host, port, {})).toBe('closed');
      expect(verdicts[0]).toMatch(/^ttl-security: SYN arrived with TTL \d+, minimum 255 \(hops 1\)$/);
      // Ours sends with 255, and the listener's SYN-ACK carries 255 too (our own minimum is 255).
      expect(await attempt(host, port, { ttlSecurityHops: 1 })).toBe('connected');
      expect(verdicts[1]).toBeNull();
    });
  }
});
