import type { Reader } from './reader';

/**
 * IP addresses are strings at API boundaries: dotted quad for IPv4 and the
 * RFC 5952 canonical form for IPv6, so that equal addresses compare equal.
 */
export type Ip = string;

export function ipv4ToString(buf: Uint8Array, off: number): Ip {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

export function readIpv4(r: Reader, what = 'IPv4 address'): Ip {
  const v = r.view(4, what);
  return ipv4ToString(v, 0);
}

export function readIpv6(r: Reader, what = 'IPv6 address'): Ip {
  const v = r.view(16, what);
  return ipv6ToString(v, 0);
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpv4(s: string): boolean {
  const m = V4_RE.exec(s);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}

export function isIpv6(s: string): boolean {
  try {
    parseIpv6(s);
    return true;
  } catch {
    return false;
  }
}

export function writeIpv4(buf: Uint8Array, off: number, ip: Ip): number {
  const m = V4_RE.exec(ip);
  if (!m) throw new RangeError(`not an IPv4 address: ${ip}`);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) throw new RangeError(`not an IPv4 address: ${ip}`);
    buf[off + i] = n;
  }
  return off + 4;
}

export function ipv4ToU32(ip: Ip): number {
  const b = new Uint8Array(4);
  writeIpv4(b, 0, ip);
  return ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
}

export function u32ToIpv4(n: number): Ip {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 §4: lower case, longest run (≥ 2) of zero groups as "::", first run on ties. */
export function ipv6ToString(buf: Uint8Array, off: number): Ip {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted tail.
  if (bestStart === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(buf, off + 12)}`;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

function parseIpv6(ip: string): number[] {
  let s = ip;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = s.slice(lastColon + 1);
    if (!isIpv4(v4)) throw new RangeError(`not an IPv6 address: ${ip}`);
    const b = new Uint8Array(4);
    writeIpv4(b, 0, v4);
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    s = s.slice(0, lastColon + 1) + (s.endsWith('::' + v4) ? '' : '0');
    if (s.endsWith(':0')) s = s.slice(0, -2);
  }
  const parts = s.split('::');
  if (parts.length > 2) throw new RangeError(`not an IPv6 address: ${ip}`);
  const parse = (x: string): number[] =>
    x === ''
      ? []
      : x.split(':').map((h) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(h)) throw new RangeError(`not an IPv6 address: ${ip}`);
          return parseInt(h, 16);
        });
  const head = parse(parts[0]!);
  const rest = parts.length === 2 ? parse(parts[1]!) : [];
  const want = 8 - tail.length;
  let groups: number[];
  if (parts.length === 2) {
    const fill = want - head.length - rest.length;
    if (fill < 1) throw new RangeError(`not an IPv6 address: ${ip}`);
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = head;
    if (groups.length !== want) throw new RangeError(`not an IPv6 address: ${ip}`);
  }
  return [...groups, ...tail];
}

export function writeIpv6(buf: Uint8Array, off: number, ip: Ip): number {
  const g = parseIpv6(ip);
  for (let i = 0; i < 8; i++) {
    buf[off + 2 * i] = g[i]! >>> 8;
    buf[off + 2 * i + 1] = g[i]! & 0xff;
  }
  return off + 16;
}

export function ipFamily(ip: Ip): 4 | 6 {
  if (isIpv4(ip)) return 4;
  if (isIpv6(ip)) return 6;
  throw new RangeError(`not an IP address: ${ip}`);
}

/** Writes either family; returns the offset after it. */
export function writeIp(buf: Uint8Array, off: number, ip: Ip): number {
  return ip.includes(':') ? writeIpv6(buf, off, ip) : writeIpv4(buf, off, ip);
}

export function ipLength(ip: Ip): 4 | 16 {
  return ip.includes(':') ? 16 : 4;
}

export function ipBytes(ip: Ip): Uint8Array {
  const b = new Uint8Array(ipLength(ip));
  writeIp(b, 0, ip);
  return b;
}

/** Normalises any accepted spelling to the canonical one. */
export function canonicalIp(ip: Ip): Ip {
  const b = ipBytes(ip);
  return b.length === 4 ? ipv4ToString(b, 0) : ipv6ToString(b, 0);
}
