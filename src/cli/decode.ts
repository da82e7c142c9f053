import { readFileSync } from 'node:fs';
import { Framer } from '../bgp/framer';
import type { UpdateCtx } from '../bgp/wire/attributes/attribute';
import { MsgType } from '../bgp/wire/iana';
import { decodeMessage, MSG_TYPE_NAMES } from '../bgp/wire/message';
import { negotiate } from '../bgp/wire/negotiate';
import { BgpError } from '../bgp/wire/errors';
import { notificationName } from '../bgp/wire/notification';
import { peerAs, type OpenMessage } from '../bgp/wire/open';
import { decodeFrame, describeFrame, findLayer, type DecodedFrame } from '../packet/frame';
import { readPcap } from '../packet/pcap';
import { frameAt, reassembleTcpStreams, tcpSegmentsOf, type TcpStream } from '../packet/tcp-stream';
import { DecodeError } from '../util/errors';
import { messageLine, messageView, type Json } from './views/bgp';
import { vxlanView } from './views/frame';
import { parseCommandArgs } from './args';

/**
 * `evpn-vtep decode FILE.pcap [--json]`: every BGP message (reassembled from
 * the TCP streams) and every VXLAN frame of a capture, one record each, in
 * frame order. A malformed message becomes a record with its error and
 * decoding goes on.
 */

export interface DecodeRecord {
  frame: number;
  time: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  kind: 'bgp' | 'vxlan' | 'error';
  /** Message or frame contents; `error` when it could not be decoded. */
  body: Record<string, Json>;
  /** Sort key within a frame: stream offset of BGP messages. */
  order: number;
  /** The human one-line form. */
  line: string;
}

interface Opts {
  bgpPorts: number[];
  vxlanPorts: number[];
}

/** The OPENs of one TCP connection, keyed without direction. */
interface Connection {
  opens: Map<string, OpenMessage>;
}

function dirKey(s: TcpStream): string {
  return `${s.src}|${s.srcPort}`;
}

function connKey(s: TcpStream): string {
  const a = `${s.src}|${s.srcPort}`;
  const b = `${s.dst}|${s.dstPort}`;
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** What the receiver of `s` would use to decode it, from the OPENs seen so far (RFC 6793, RFC 7911). */
function ctxFor(s: TcpStream, conn: Connection): UpdateCtx {
  const sender = conn.opens.get(dirKey(s));
  const receiver = conn.opens.get(`${s.dst}|${s.dstPort}`);
  if (sender && receiver) {
    const n = negotiate(receiver, sender);
    return { ...n, ibgp: peerAs(sender) === peerAs(receiver) };
  }
  // Before both OPENs are seen, assume what every current implementation negotiates.
  return { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: false };
}

export function decodeCapture(bytes: Uint8Array, opts: Opts = { bgpPorts: [179], vxlanPorts: [4789] }): DecodeRecord[] {
  const pcap = readPcap(bytes);
  const records: DecodeRecord[] = [];
  const frames: { frame: number; decoded: DecodedFrame }[] = [];
  const times = new Map<number, number>();
  pcap.records.forEach((rec, i) => {
    const frame = i + 1;
    times.set(frame, rec.tsSec + rec.tsUsec / 1e6);
    const decoded = decodeFrame(rec.data, { vxlanPorts: opts.vxlanPorts });
    frames.push({ frame, decoded });
    const vx = vxlanView(decoded);
    if (vx) {
      const ip4 = findLayer(decoded, 'ipv4');
      const ip6 = findLayer(decoded, 'ipv6');
      const udp = findLayer(decoded, 'udp');
      const ip = ip4?.value ?? ip6?.value;
      if (decoded.error) vx.error = decoded.error.message;
      records.push({
        frame,
        time: times.get(frame)!,
        src: ip?.src ?? '',
        dst: ip?.dst ?? '',
        srcPort: udp?.value.srcPort ?? 0,
        dstPort: udp?.value.dstPort ?? 0,
        kind: 'vxlan',
        body: vx,
        order: 0,
        line: `VXLAN VNI ${vx.vni as number}${vx.iFlag ? '' : ' [I flag clear]'} | ${String(vx.summary)}${decoded.error ? ` [malformed: ${decoded.error.message}]` : ''}`,
      });
    } else if (decoded.error && !findLayer(decoded, 'tcp')) {
      records.push({ frame, time: times.get(frame)!, src: '', dst: '', srcPort: 0, dstPort: 0, kind: 'error', body: { error: decoded.error.message, summary: describeFrame(decoded) }, order: 0, line: `ERROR ${describeFrame(decoded)}` });
    }
  });
  if (pcap.error) {
    records.push({ frame: pcap.records.length + 1, time: 0, src: '', dst: '', srcPort: 0, dstPort: 0, kind: 'error', body: { error: `pcap: ${pcap.error.message}` }, order: 0, line: `ERROR pcap: ${pcap.error.message}` });
  }

  const bgpSegments = tcpSegmentsOf(frames).filter((s) => opts.bgpPorts.includes(s.tcp.srcPort) || opts.bgpPorts.includes(s.tcp.dstPort));
  const streams = reassembleTcpStreams(bgpSegments);
  // Cut every stream into messages first, then decode all of them in capture
  // order, so both OPENs of a connection are known before its UPDATEs.
  const cut: { stream: TcpStream; start: number; end: number; frame: number; bytes: Uint8Array | null; error?: string }[] = [];
  for (const s of streams) {
    const framer = new Framer({ extendedMessage: true });
    let offset = 0;
    const batch = framer.frames(s.data);
    for (const m of batch.messages) {
      cut.push({ stream: s, start: offset, end: offset + m.length, frame: frameAt(s, offset + m.length - 1) ?? 0, bytes: m });
      offset += m.length;
    }
    if (batch.error) {
      cut.push({ stream: s, start: offset, end: s.data.length, frame: frameAt(s, offset) ?? 0, bytes: null, error: `stream broken: ${batch.error.message}` });
    }
  }
  cut.sort((a, b) => a.frame - b.frame || a.start - b.start);
  const conns = new Map<string, Connection>();
  for (const c of cut) {
    const key = connKey(c.stream);
    let conn = conns.get(key);
    if (!conn) conns.set(key, (conn = { opens: new Map() }));
    const base = { frame: c.frame, time: times.get(c.frame) ?? 0, src: c.stream.src, dst: c.stream.dst, srcPort: c.stream.srcPort, dstPort: c.stream.dstPort, order: c.start };
    if (!c.bytes) {
      records.push({ ...base, kind: 'error', body: { error: c.error ?? 'unknown' }, line: `ERROR ${c.error ?? 'unknown'}` });
      continue;
    }
    try {
      const m = decodeMessage(c.bytes, ctxFor(c.stream, conn));
      if (m.type === MsgType.OPEN) conn.opens.set(dirKey(c.stream), m.open);
      records.push({ ...base, kind: 'bgp', body: messageView(m), line: messageLine(m) });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      const type = c.bytes.length >= 19 ? (MSG_TYPE_NAMES[c.bytes[18]!] ?? String(c.bytes[18])) : 'truncated';
      const body: Record<string, Json> = { type, error: e.message };
      if (e instanceof BgpError) body.notification = `${e.code}/${e.subcode} ${notificationName(e.code, e.subcode)}`;
      records.push({ ...base, kind: 'error', body, line: `ERROR ${type}: ${e.message}` });
    }
  }
  records.sort((a, b) => a.frame - b.frame || a.order - b.order);
  return records;
}

function humanLine(r: DecodeRecord): string {
  return `${String(r.frame).padStart(5)} ${r.time.toFixed(6)} ${r.src} -> ${r.dst}  ${r.line}`;
}

export async function runDecode(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const parsed = parseCommandArgs(
    'decode',
    {
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'bgp-port': { type: 'string', multiple: true },
        'vxlan-port': { type: 'string', multiple: true },
      },
    },
    process.stderr,
  );
  if (!parsed) return 2;
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    process.stderr.write('usage: evpn-vtep decode FILE.pcap [--json] [--bgp-port N] [--vxlan-port N]\n');
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    process.stderr.write(`evpn-vtep decode: ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  const ports = (v: string[] | undefined, dflt: number): number[] => (v?.length ? v.map(Number) : [dflt]);
  let records: DecodeRecord[];
  try {
    records = decodeCapture(bytes, { bgpPorts: ports(parsed.values['bgp-port'], 179), vxlanPorts: ports(parsed.values['vxlan-port'], 4789) });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    process.stderr.write(`evpn-vtep decode: ${file}: not a readable pcap: ${e.message}\n`);
    return 1;
  }
  for (const r of records) {
    if (parsed.values.json) {
      const { order: _order, line: _line, body, ...rest } = r;
      out.write(JSON.stringify({ ...rest, ...body }) + '\n');
    } else {
      out.write(humanLine(r) + '\n');
    }
  }
  return records.some((r) => r.kind === 'error') ? 1 : 0;
}

