import { captureStreams } from '../../support/captures';

/*
 * TEST-ONLY extraction of EVPN NLRI fields from the shared captures:
 * classic pcap → Ethernet → IPv4 → TCP payload, reassembled per direction by
 * sequence number → BGP messages split by the header length → UPDATE →
 * MP_REACH_NLRI (14) / MP_UNREACH_NLRI (15) → the NLRI octets after
 * AFI/SAFI (and next hop + reserved octet for type 14).
 * Deliberately independent of the production BGP decoders.
 */

export { VECTORS } from '../../support/captures';

export interface CapturedNlriField {
  /** "src -> dst" addresses of the TCP stream. */
  dir: string;
  /** Index of the BGP message in its direction (0-based). */
  msgIndex: number;
  attr: 14 | 15;
  afi: number;
  safi: number;
  /** The NLRI octets (withdrawn routes for 15). */
  nlri: Uint8Array;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** TCP payloads per direction, in sequence order, in the order directions first appear. */
export function tcpStreams(file: string): { dir: string; data: Uint8Array }[] {
  return captureStreams(file).map((s) => ({ dir: `${s.src}:${s.srcPort} -> ${s.dst}:${s.dstPort}`, data: s.data }));
}

/** Every MP_REACH/MP_UNREACH NLRI field in the capture, in per-direction message order. */
export function capturedNlriFields(file: string): CapturedNlriField[] {
  const out: CapturedNlriField[] = [];
  for (const { dir, data } of tcpStreams(file)) {
    let off = 0;
    let msgIndex = 0;
    while (off + 19 <= data.length) {
      const len = u16(data, off + 16);
      const type = data[off + 18]!;
      if (len < 19 || off + len > data.length) throw new Error(`${file}: bad BGP length ${len} at ${off} in ${dir}`);
      if (type === 2) {
        const body = data.subarray(off + 19, off + len);
        const wLen = u16(body, 0);
        const aLen = u16(body, 2 + wLen);
        let a = 4 + wLen;
        const aEnd = a + aLen;
        while (a < aEnd) {
          const flags = body[a]!;
          const at = body[a + 1]!;
          const ext = (flags & 0x10) !== 0;
          const vLen = ext ? u16(body, a + 2) : body[a + 2]!;
          const v = body.subarray(a + (ext ? 4 : 3), a + (ext ? 4 : 3) + vLen);
          a += (ext ? 4 : 3) + vLen;
          if (at === 14) {
            const nhLen = v[3]!;
            out.push({ dir, msgIndex, attr: 14, afi: u16(v, 0), safi: v[2]!, nlri: v.slice(4 + nhLen + 1) });
          } else if (at === 15) {
            out.push({ dir, msgIndex, attr: 15, afi: u16(v, 0), safi: v[2]!, nlri: v.slice(3) });
          }
        }
      }
      off += len;
      msgIndex++;
    }
    if (off !== data.length) throw new Error(`${file}: ${data.length - off} trailing octets in ${dir}`);
  }
  return out;
}
