import { put16, put32, put8 } from '../util/bytes';
import { DecodeError } from '../util/errors';
import { ipFamily, ipLength, readIpv4, readIpv6, writeIp, writeIpv4, type Ip } from '../util/ip';
import type { Reader } from '../util/reader';

/*
 * TABLE_DUMP_V2 PEER_INDEX_TABLE (RFC 6396 §4.3.1): the peers that the RIB
 * records of the same dump refer to by index.
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Collector BGP ID                         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |       View Name Length        |     View Name (variable)      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Peer Count           |    Peer Entries (variable)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Peer entry (§4.3.1, Figure 7):
 *
 *   | Peer Type (1) | Peer BGP ID (4) | Peer IP Address (4 or 16) | Peer AS (2 or 4) |
 *
 * Peer Type bit 0 (0x01) says the address is IPv6, bit 1 (0x02) that the
 * AS is 4 octets. The view name is UTF-8 (§4.3.1); invalid UTF-8 is a
 * DecodeError, not a silent replacement.
 */

export const PEER_TYPE_IPV6 = 0x01;
export const PEER_TYPE_AS4 = 0x02;

export interface MrtPeer {
  bgpId: Ip;
  address: Ip;
  asn: number;
  /** The AS is written in 4 octets. Always true when asn > 65535. */
  as4: boolean;
}

export interface PeerIndexTable {
  collectorBgpId: Ip;
  viewName: string;
  peers: MrtPeer[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function peerEncodingLength(p: MrtPeer): number {
  return 1 + 4 + ipLength(p.address) + (p.as4 ? 4 : 2);
}

export function encodingLength(t: PeerIndexTable): number {
  let n = 4 + 2 + Buffer.byteLength(t.viewName, 'utf8') + 2;
  for (const p of t.peers) n += peerEncodingLength(p);
  return n;
}

export function encode(t: PeerIndexTable, buf: Uint8Array, off: number): number {
  const name = Buffer.from(t.viewName, 'utf8');
  if (name.length > 0xffff) throw new RangeError(`view name of ${name.length} octets does not fit`);
  if (t.peers.length > 0xffff) throw new RangeError(`${t.peers.length} peers do not fit in a PEER_INDEX_TABLE`);
  off = writeIpv4(buf, off, t.collectorBgpId);
  off = put16(buf, off, name.length);
  buf.set(name, off);
  off += name.length;
  off = put16(buf, off, t.peers.length);
  for (const p of t.peers) {
    if (!Number.isInteger(p.asn) || p.asn < 0 || p.asn > (p.as4 ? 0xffffffff : 0xffff)) {
      throw new RangeError(`peer AS ${p.asn} does not fit in ${p.as4 ? 4 : 2} octets`);
    }
    const v6 = ipFamily(p.address) === 6;
    off = put8(buf, off, (v6 ? PEER_TYPE_IPV6 : 0) | (p.as4 ? PEER_TYPE_AS4 : 0));
    off = writeIpv4(buf, off, p.bgpId);
    off = writeIp(buf, off, p.address);
    off = p.as4 ? put32(buf, off, p.asn) : put16(buf, off, p.asn);
  }
  return off;
}

export function decode(r: Reader): PeerIndexTable {
  const collectorBgpId = readIpv4(r, 'collector BGP ID');
  const nameLen = r.u16('view name length');
  const at = r.pos;
  const nameBytes = r.view(nameLen, 'view name');
  let viewName: string;
  try {
    viewName = utf8.decode(nameBytes);
  } catch {
    throw new DecodeError('PEER_INDEX_TABLE: view name is not valid UTF-8', at);
  }
  const count = r.u16('peer count');
  const peers: MrtPeer[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8('peer type');
    const bgpId = readIpv4(r, 'peer BGP ID');
    const address = type & PEER_TYPE_IPV6 ? readIpv6(r, 'peer IP address') : readIpv4(r, 'peer IP address');
    const as4 = (type & PEER_TYPE_AS4) !== 0;
    const asn = as4 ? r.u32('peer AS') : r.u16('peer AS');
    peers.push({ bgpId, address, asn, as4 });
  }
  return { collectorBgpId, viewName, peers };
}
