import { BgpError } from './wire/errors';
import { checkHeader } from './wire/header';
import { BGP_HEADER_LENGTH } from './wire/iana';

/**
 * Receives one whole BGP message: buf[start..end). When the message lay
 * entirely inside one fed chunk, `buf` IS that chunk (no copy); otherwise it
 * is a buffer the framer assembled the message in (a region of a slab, see
 * alloc). Either way the framer never writes to those octets again, so the
 * consumer may keep them as long as the chunk's owner does not reuse the chunk.
 */
export type FrameSink = (buf: Uint8Array, start: number, end: number) => void;

/** Straddling messages up to a quarter of this share a slab; larger ones get their own buffer. */
const SLAB_SIZE = 32 * 1024;

export interface FrameBatch {
  /** Whole messages, in stream order, found before any error. */
  messages: Uint8Array[];
  /** Set when the stream is broken (RFC 4271 §6.1); the session sends it as a NOTIFICATION. */
  error?: BgpError;
}

/**
 * Cuts a TCP byte stream into BGP messages (RFC 4271 §4.1: each message
 * starts with a 16-octet marker and a 2-octet length).
 *
 * - The 19-octet header is checked as soon as it is complete, before waiting
 *   for the body: a bad marker (1/1), length (1/2) or type (1/3) is reported
 *   at once instead of after buffering up to 64 KiB of garbage.
 * - Messages that lie wholly inside a chunk are handed out as ranges of that
 *   chunk (zero copy). Only a message that straddles chunk boundaries is
 *   copied, once, into a slab region of exactly its length.
 * - Memory held between chunks is bounded: one incomplete message (≤ 65535
 *   octets), a 19-octet header scratch and the current 32 KiB slab.
 * - After an error the framer stays failed: the stream cannot be resynchronised.
 */
export class Framer {
  /** RFC 8654: set once both sides advertised the Extended Message capability. */
  extendedMessage: boolean;

  private readonly hdr = new Uint8Array(BGP_HEADER_LENGTH);
  private hdrFill = 0;
  private msg: Uint8Array | null = null;
  private msgFill = 0;
  /** Stream offset of the first octet of the next chunk. */
  private consumed = 0;
  /** Stream offset of the header being checked or held, for error reports. */
  private at = 0;
  private failure: BgpError | null = null;
  /** Slab that straddling messages are carved from; regions are never reused. */
  private slab: Uint8Array = new Uint8Array(0);
  private slabPos = 0;

  constructor(opts: { extendedMessage?: boolean } = {}) {
    this.extendedMessage = opts.extendedMessage ?? false;
  }

  /** Octets held for an incomplete message. */
  get buffered(): number {
    return this.msg ? this.msgFill : this.hdrFill;
  }

  get failed(): BgpError | null {
    return this.failure;
  }

  /**
   * Feeds one chunk; `sink` is called for every message it completes, in
   * order. If the stream turns out to be broken, the messages before the
   * fault are delivered first, then the BgpError is thrown (and thrown again
   * on any later feed). `sink` must not throw.
   */
  feed(chunk: Uint8Array, sink: FrameSink): void {
    if (this.failure) throw this.failure;
    const n = chunk.length;
    let pos = 0;
    try {
      if (this.hdrFill > 0 || this.msg !== null) {
        pos = this.resume(chunk, sink);
        if (pos < 0) {
          this.consumed += n;
          return;
        }
      }
      const ext = this.extendedMessage;
      const base = this.consumed;
      while (n - pos >= BGP_HEADER_LENGTH) {
        this.at = base + pos;
        const len = checkHeader(chunk, pos, ext);
        if (n - pos < len) break;
        sink(chunk, pos, pos + len);
        pos += len;
      }
      const left = n - pos;
      this.at = base + pos;
      if (left >= BGP_HEADER_LENGTH) {
        // Header already validated by the loop; start the straddling message.
        const len = (chunk[pos + 16]! << 8) | chunk[pos + 17]!;
        const m = this.alloc(len);
        m.set(chunk.subarray(pos, n));
        this.msg = m;
        this.msgFill = left;
      } else if (left > 0) {
        this.hdr.set(chunk.subarray(pos, n));
        this.hdrFill = left;
      }
      this.consumed += n;
    } catch (e) {
      if (e instanceof BgpError) throw this.fail(e);
      throw e;
    }
  }

  /** Feeds one chunk and collects its messages as views (copies only for straddling ones). */
  frames(chunk: Uint8Array): FrameBatch {
    const messages: Uint8Array[] = [];
    try {
      this.feed(chunk, (buf, start, end) => {
        messages.push(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
      });
    } catch (e) {
      if (e instanceof BgpError) return { messages, error: e };
      throw e;
    }
    return { messages };
  }

  /**
   * Continues a message begun in an earlier chunk. Returns the position in
   * `chunk` after it, or -1 if the chunk was used up without completing it.
   */
  private resume(chunk: Uint8Array, sink: FrameSink): number {
    const n = chunk.length;
    let pos = 0;
    if (this.msg === null) {
      const take = Math.min(BGP_HEADER_LENGTH - this.hdrFill, n);
      this.hdr.set(take === n ? chunk : chunk.subarray(0, take), this.hdrFill);
      this.hdrFill += take;
      pos = take;
      if (this.hdrFill < BGP_HEADER_LENGTH) return -1;
      const len = checkHeader(this.hdr, 0, this.extendedMessage);
      const m = this.alloc(len);
      m.set(this.hdr);
      this.msg = m;
      this.msgFill = BGP_HEADER_LENGTH;
      this.hdrFill = 0;
    }
    const m = this.msg;
    const take = Math.min(m.length - this.msgFill, n - pos);
    if (take > 0) m.set(chunk.subarray(pos, pos + take), this.msgFill);
    this.msgFill += take;
    pos += take;
    if (this.msgFill < m.length) return -1;
    this.msg = null;
    this.msgFill = 0;
    sink(m, 0, m.length);
    return pos;
  }

  /**
   * Room for one straddling message. Carving from a slab instead of a new
   * ArrayBuffer per message saves an allocation per chunk on the hot path;
   * a region is handed out once and never written again after the message
   * is complete, so consumers may keep it (keeping it keeps the slab alive,
   * as with Node's Buffer pool).
   */
  private alloc(len: number): Uint8Array {
    if (len > SLAB_SIZE / 4) return new Uint8Array(len);
    if (this.slabPos + len > this.slab.length) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.slabPos = 0;
    }
    const m = this.slab.subarray(this.slabPos, this.slabPos + len);
    this.slabPos += len;
    return m;
  }

  /** Records the failure with the stream offset of the bad header. */
  private fail(e: BgpError): BgpError {
    const err = new BgpError(`${e.message} (stream offset ${this.at})`, e.code, e.subcode, e.data, this.at);
    this.failure = err;
    this.hdrFill = 0;
    this.msg = null;
    return err;
  }
}
