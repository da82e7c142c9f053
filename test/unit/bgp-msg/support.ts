import { captureStreams, splitBgp } from '../../support/captures';

/** BGP byte streams of the shared captures, via the test-only reader in test/support/captures.ts. */

export { VECTORS } from '../../support/captures';

export interface TcpStream {
  /** "src:port>dst:port" */
  key: string;
  src: string;
  dst: string;
  bytes: Uint8Array;
}

export function readPcapStreams(file: string): TcpStream[] {
  return captureStreams(file).map((s) => ({ key: `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}`, src: s.src, dst: s.dst, bytes: s.data }));
}

/** Splits a stream by the header length field alone (independent of the framer under test). */
export function splitMessages(stream: Uint8Array): Uint8Array[] {
  return splitBgp(stream).map((m) => m.bytes);
}

export interface CapturedMessage {
  file: string;
  src: string;
  dst: string;
  type: number;
  bytes: Uint8Array;
}

export const CAPTURES = ['frr-frr-ibgp-evpn.pcap', 'gobgp-frr-ebgp-evpn.pcap'] as const;

/** Every BGP message of both captures with its direction. */
export function capturedMessages(): CapturedMessage[] {
  const out: CapturedMessage[] = [];
  for (const file of CAPTURES) {
    for (const s of readPcapStreams(file)) {
      for (const m of splitMessages(s.bytes)) out.push({ file, src: s.src, dst: s.dst, type: m[18]!, bytes: m });
    }
  }
  return out;
}

/** Whole TCP payload streams of both captures (one per direction). */
export function capturedStreams(): TcpStream[] {
  return CAPTURES.flatMap((f) => readPcapStreams(f));
}

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100000);
