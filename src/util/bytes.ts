/** Big-endian stores used by every encoder. They return the offset after the field. */

export function put8(buf: Uint8Array, off: number, v: number): number {
  buf[off] = v & 0xff;
  return off + 1;
}

export function put16(buf: Uint8Array, off: number, v: number): number {
  buf[off] = (v >>> 8) & 0xff;
  buf[off + 1] = v & 0xff;
  return off + 2;
}

export function put24(buf: Uint8Array, off: number, v: number): number {
  buf[off] = (v >>> 16) & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = v & 0xff;
  return off + 3;
}

export function put32(buf: Uint8Array, off: number, v: number): number {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
  return off + 4;
}

export function putBytes(buf: Uint8Array, off: number, src: Uint8Array): number {
  buf.set(src, off);
  return off + src.length;
}

export function get16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

export function get32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) >>> 0) + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

export function toHex(b: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    if (i && sep) s += sep;
    s += b[i]!.toString(16).padStart(2, '0');
  }
  return s;
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  if (clean.length % 2) throw new RangeError(`odd hex string: ${s}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
