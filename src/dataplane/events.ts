/**
 * Events from the native data plane (native/src/events.h): fixed 40-octet
 * records, big-endian, drained from the event ring in one buffer.
 *
 *   0      1      2      3      4               8               12
 *   +------+------+------+------+---------------+---------------+---------------+
 *   | type |family| flags| rsvd |     VNI       |     port      |  old target   |
 *   +------+------+------+------+---------------+---------------+---------------+
 *   16                          22      24                                     40
 *   +---------------------------+-------+--------------------------------------+
 *   |            MAC            | rsvd  |  IP (IPv4 in the first 4 octets)     |
 *   +---------------------------+-------+--------------------------------------+
 */
import { DecodeError } from '../util/errors';
import { ipv4ToString, ipv6ToString, type Ip } from '../util/ip';
import { macToString, type Mac } from '../util/mac';
import { Reader } from '../util/reader';

export const EVENT_RECORD_SIZE = 40;

export const EventType = {
  MacLearned: 1,
  MacMoved: 2,
  IpBinding: 3,
  ProbeReply: 4,
  MacAged: 5,
} as const;

const WAS_REMOTE = 0x01;

/** Where a moved MAC was before: a local port, or a remote VTEP (a MAC mobility case, RFC 7432 §15). */
export type PreviousLocation = { kind: 'port'; port: number } | { kind: 'vtep'; vtepIdx: number };

export type DataplaneEvent =
  | { type: 'macLearned'; vni: number; port: number; mac: Mac }
  | { type: 'macMoved'; vni: number; port: number; mac: Mac; from: PreviousLocation }
  /** A local host announced ip → mac (ARP request/reply/gratuitous, NS source, NA target). */
  | { type: 'ipBinding'; vni: number; port: number; mac: Mac; ip: Ip }
  /** An ARP reply / NA addressed to the configured probe MAC. */
  | { type: 'probeReply'; vni: number; port: number; mac: Mac; ip: Ip }
  | { type: 'macAged'; vni: number; port: number; mac: Mac };

function readIp(r: Reader, family: number, at: number): Ip {
  const b = r.view(16, 'event IP');
  if (family === 4) return ipv4ToString(b, 0);
  if (family === 6) return ipv6ToString(b, 0);
  throw new DecodeError(`event without an IP family (${family})`, at);
}

/** Decodes one record. */
export function decode(r: Reader): DataplaneEvent {
  const at = r.pos;
  const e = r.sub(EVENT_RECORD_SIZE, 'event record');
  const type = e.u8();
  const family = e.u8();
  const flags = e.u8();
  e.skip(1);
  const vni = e.u32();
  const port = e.u32();
  const old = e.u32();
  const mac = macToString(e.view(6, 'event MAC'), 0);
  e.skip(2);
  switch (type) {
    case EventType.MacLearned:
      return { type: 'macLearned', vni, port, mac };
    case EventType.MacMoved:
      return {
        type: 'macMoved',
        vni,
        port,
        mac,
        from: flags & WAS_REMOTE ? { kind: 'vtep', vtepIdx: old } : { kind: 'port', port: old },
      };
    case EventType.IpBinding:
      return { type: 'ipBinding', vni, port, mac, ip: readIp(e, family, at) };
    case EventType.ProbeReply:
      return { type: 'probeReply', vni, port, mac, ip: readIp(e, family, at) };
    case EventType.MacAged:
      return { type: 'macAged', vni, port, mac };
    default:
      throw new DecodeError(`unknown event type ${type}`, at);
  }
}

/** Decodes a drained ring: a whole number of records. */
export function decodeEvents(buf: Uint8Array): DataplaneEvent[] {
  if (buf.length % EVENT_RECORD_SIZE !== 0) {
    throw new DecodeError(`event buffer of ${buf.length} octets is not a whole number of records`, 0);
  }
  const r = new Reader(buf);
  const out: DataplaneEvent[] = [];
  while (!r.atEnd) out.push(decode(r));
  return out;
}
