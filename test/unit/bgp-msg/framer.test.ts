import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer } from '../../../src/bgp/framer';
import { BgpError } from '../../../src/bgp/wire/errors';
import { toHex } from '../../../src/util/bytes';
import { capturedStreams, splitMessages, FUZZ_RUNS } from './support';

const streams = capturedStreams();
const all = new Uint8Array(streams.reduce((a, s) => a + s.bytes.length, 0));
{
  // All four directions back to back: still a valid message sequence.
  let o = 0;
  for (const s of streams) {
    all.set(s.bytes, o);
    o += s.bytes.length;
  }
}
const expected = splitMessages(all).map((m) => toHex(m));

function header(len: number, type: number): Uint8Array {
  const h = new Uint8Array(19).fill(0xff);
  h[16] = len >> 8;
  h[17] = len & 0xff;
  h[18] = type;
  return h;
}

function message(len: number, type: number, fill = 0): Uint8Array {
  const m = new Uint8Array(len).fill(fill);
  m.set(header(len, type));
  return m;
}

/**
 * Feeds `bytes` cut at `cuts` and returns the messages as hex. The views are
 * kept until the end, which also proves later chunks never overwrite them.
 */
function run(bytes: Uint8Array, cuts: number[]): string[] {
  const f = new Framer();
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    f.feed(bytes.slice(prev, c), (b, s, e) => out.push(b.subarray(s, e)));
    prev = c;
  }
  expect(f.buffered).toBe(0);
  return out.map((m) => toHex(m));
}

describe('Framer', () => {
  it('cuts the captured streams into the same messages as a plain length walk', () => {
    expect(expected.length).toBe(44);
    expect(run(all, [])).toEqual(expected);
  });

  it('gives the same messages for any chunking of the captures', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 60 }), (cuts) => {
        cuts.sort((a, b) => a - b);
        expect(run(all, cuts)).toEqual(expected);
      }),
      { numRuns: Math.max(50, Math.min(2000, FUZZ_RUNS / 50)) },
    );
  });

  it('copes with one octet at a time', () => {
    const cuts = Array.from({ length: all.length - 1 }, (_, i) => i + 1);
    expect(run(all, cuts)).toEqual(expected);
  });

  it('hands out whole-in-chunk messages without copying', () => {
    const f = new Framer();
    const seen: Uint8Array[] = [];
    f.feed(all, (b) => seen.push(b));
    expect(seen.length).toBe(expected.length);
    expect(seen.every((b) => b === all)).toBe(true);
  });

  it('frames() returns views, and a straddling message as its own buffer', () => {
    const f = new Framer();
    const a = f.frames(all.subarray(0, 200));
    const b = f.frames(all.subarray(200));
    expect([...a.messages, ...b.messages].map((m) => toHex(m))).toEqual(expected);
    expect(a.error).toBeUndefined();
    expect(b.messages[0]!.buffer).not.toBe(all.buffer);
  });

  it('reports a bad marker as soon as the header is complete (1/1)', () => {
    const f = new Framer();
    const bad = header(4096, 2);
    bad[3] = 0;
    expect(() => f.feed(bad, () => {})).toThrowError(expect.objectContaining({ code: 1, subcode: 1 }));
  });

  it('reports a garbage length before any body arrives (1/2 with the length as data)', () => {
    const f = new Framer();
    f.feed(header(65535, 2).subarray(0, 10), () => {});
    let err: unknown;
    try {
      f.feed(header(65535, 2).subarray(10), () => {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BgpError);
    expect((err as BgpError).code).toBe(1);
    expect((err as BgpError).subcode).toBe(2);
    expect(toHex((err as BgpError).data)).toBe('ffff');
    expect((err as BgpError).offset).toBe(0);
  });

  it('delivers the messages before a fault, then fails for good', () => {
    const f = new Framer();
    const ka = message(19, 4);
    const chunk = new Uint8Array(19 * 2 + 19);
    chunk.set(ka, 0);
    chunk.set(ka, 19);
    chunk.set(header(19, 9), 38);
    const got: number[] = [];
    expect(() => f.feed(chunk, (_b, s) => got.push(s))).toThrowError(expect.objectContaining({ code: 1, subcode: 3, offset: 38 }));
    expect(got).toEqual([0, 19]);
    expect(f.failed?.subcode).toBe(3);
    expect(() => f.feed(ka, () => {})).toThrow(BgpError);
    const batch = new Framer().frames(chunk);
    expect(batch.messages.length).toBe(2);
    expect(batch.error?.code).toBe(1);
  });

  it('validates the header of a message that straddles chunks', () => {
    const f = new Framer();
    f.feed(message(19, 4), () => {});
    const bad = header(20, 4); // KEEPALIVE must be 19
    f.feed(bad.subarray(0, 5), () => {});
    expect(() => f.feed(bad.subarray(5), () => {})).toThrowError(expect.objectContaining({ code: 1, subcode: 2, offset: 19 }));
  });

  it('applies the RFC 8654 limit only once extended messages are negotiated', () => {
    const big = message(5000, 2);
    expect(new Framer().frames(big).error?.subcode).toBe(2);
    const f = new Framer({ extendedMessage: true });
    const out: number[] = [];
    f.feed(big.subarray(0, 3000), (_b, s, e) => out.push(e - s));
    expect(f.buffered).toBe(3000);
    f.feed(big.subarray(3000), (_b, s, e) => out.push(e - s));
    expect(out).toEqual([5000]);
    // OPEN stays limited to 4096 (RFC 8654 §4).
    expect(new Framer({ extendedMessage: true }).frames(message(4097, 1)).error?.subcode).toBe(2);
  });

  it('keeps at most one message buffered', () => {
    const f = new Framer({ extendedMessage: true });
    const big = message(65535, 2);
    for (let o = 0; o < big.length; o += 1000) {
      f.feed(big.subarray(o, Math.min(o + 1000, big.length)), () => {});
      expect(f.buffered).toBeLessThanOrEqual(65535);
    }
    expect(f.buffered).toBe(0);
  });

  it('garbage gives messages or a BgpError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 64 }), (bytes, step) => {
        const f = new Framer();
        try {
          for (let o = 0; o < bytes.length; o += step) f.feed(bytes.subarray(o, o + step), () => {});
        } catch (e) {
          expect(e).toBeInstanceOf(BgpError);
        }
      }),
      { numRuns: Math.min(FUZZ_RUNS, 20000) },
    );
  });

  it('mutated capture streams give messages or a BgpError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, v) => {
        const b = all.slice();
        b[at] = v;
        const r = new Framer().frames(b);
        if (r.error) expect(r.error).toBeInstanceOf(BgpError);
        for (const m of r.messages) expect(m.length).toBe((m[16]! << 8) | m[17]!);
      }),
      { numRuns: Math.min(FUZZ_RUNS, 5000) },
    );
  });
});
