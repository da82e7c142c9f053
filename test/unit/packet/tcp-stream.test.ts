import { describe, expect, it } from 'vitest';
import { type TcpSegmentRef, frameAt, reassembleTcpStreams } from '../../../src/packet/tcp-stream';
import { TcpFlag, type TcpSegment } from '../../../src/packet/tcp';

const A = '10.0.0.1';
const B = '10.0.0.2';

function seg(frame: number, seq: number, data: string, flags: number = TcpFlag.ACK, from = A): TcpSegmentRef {
  const t: TcpSegment = {
    srcPort: from === A ? 40000 : 179,
    dstPort: from === A ? 179 : 40000,
    seq: seq >>> 0,
    ack: 0,
    flags,
    window: 1000,
    urgentPointer: 0,
    options: new Uint8Array(0),
    payload: new TextEncoder().encode(data),
  };
  return { frame, src: from, dst: from === A ? B : A, tcp: t };
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('TCP stream reassembly', () => {
  it('orders by sequence number, drops retransmissions and attributes every byte to its frame', () => {
    const isn = 1000;
    const s = reassembleTcpStreams([
      seg(1, isn, '', TcpFlag.SYN),
      seg(2, 5000, '', TcpFlag.SYN | TcpFlag.ACK, B),
      seg(3, isn + 1 + 5, 'world', TcpFlag.ACK | TcpFlag.PSH),
      seg(4, isn + 1, 'hello', TcpFlag.ACK | TcpFlag.PSH),
      seg(5, isn + 1, 'hello'),
      seg(6, isn + 1 + 3, 'lowor'),
      seg(7, 5001, 'reply', TcpFlag.ACK, B),
      seg(8, isn + 11, '!', TcpFlag.FIN | TcpFlag.ACK),
    ]);
    expect(s).toHaveLength(2);
    const a = s[0]!;
    expect(text(a.data)).toBe('helloworld!');
    expect([a.synSeen, a.finSeen, a.baseSeq, a.gaps]).toEqual([true, true, isn + 1, []]);
    expect(a.chunks).toEqual([
      { start: 0, end: 5, frame: 4 },
      { start: 5, end: 10, frame: 3 },
      { start: 10, end: 11, frame: 8 },
    ]);
    expect(a.duplicateFrames).toEqual([5, 6]);
    expect([frameAt(a, 0), frameAt(a, 4), frameAt(a, 9), frameAt(a, 10), frameAt(a, 11)]).toEqual([4, 4, 3, 8, undefined]);
    expect(text(s[1]!.data)).toBe('reply');
  });

  it('handles sequence wrap-around and a missing SYN, and reports gaps', () => {
    const base = 0xfffffffe;
    const s = reassembleTcpStreams([seg(1, base + 4, 'EF'), seg(2, base, 'AB'), seg(3, base + 7, 'H')])[0]!;
    expect(s.synSeen).toBe(false);
    expect(s.baseSeq).toBe(base);
    expect(text(s.data.subarray(0, 2))).toBe('AB');
    expect(s.gaps).toEqual([
      { start: 2, end: 4 },
      { start: 6, end: 7 },
    ]);
    expect(frameAt(s, 2)).toBeUndefined();
    expect(frameAt(s, 4)).toBe(1);
  });

  it('a new SYN on the same 4-tuple starts a new stream; RST payloads are not data', () => {
    const s = reassembleTcpStreams([
      seg(1, 100, '', TcpFlag.SYN),
      seg(2, 101, 'one'),
      seg(3, 104, 'junk', TcpFlag.RST),
      seg(4, 9000, '', TcpFlag.SYN),
      seg(5, 9001, 'two'),
    ]);
    expect(s.map((x) => text(x.data))).toEqual(['one', 'two']);
  });
});
