import { DecodeError } from './errors';

/**
 * A bounds-checked cursor over bytes. Every read checks `end`, so a
 * length-prefixed TLV decoded from `sub(n)` can never read its neighbour.
 * The reader never writes to the buffer it reads.
 */
export class Reader {
  readonly buf: Uint8Array;
  /** Absolute index of the next byte in `buf`. */
  pos: number;
  /** Absolute index one past the last readable byte. */
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError('Reader: bad window');
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeError(`truncated ${what}: need ${n} octet(s), ${this.end - this.pos} left`, this.pos);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** A copy of the next n bytes: safe to keep after the input buffer is reused. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    // Buffer#slice returns a view: copy through Uint8Array's own slice so the value never pins the input.
    const out = Uint8Array.prototype.slice.call(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A view of the next n bytes without copying: only for immediate use. */
  view(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A reader over the next n bytes; this reader moves past them. */
  sub(n: number, what = 'field'): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** The next byte without consuming it. */
  peek8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos]!;
  }

  /** Everything left, copied. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
}
