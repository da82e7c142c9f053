import { DecodeError } from '../util/errors';
import { type Ip, readIpv4, writeIpv4 } from '../util/ip';
import { type Mac, ZERO_MAC, readMac, writeMac } from '../util/mac';
import { put16, put8 } from '../util/bytes';
import type { Reader } from '../util/reader';
import { EtherType } from './ethernet';

export const ArpOp = { REQUEST: 1, REPLY: 2 } as const;
/** ar$hrd for Ethernet (RFC 826; IANA ARP hardware types). */
export const ARP_HTYPE_ETHERNET = 1;
/** Length of an Ethernet/IPv4 ARP packet; frames carrying it are padded to 60 octets by the NIC. */
export const ARP_LENGTH = 28;
const ZERO_IP = '0.0.0.0';

/** An ARP packet for Ethernet/IPv4 (the only combination this project speaks). */
export interface ArpPacket {
  /** 1 = request, 2 = reply; other values (RARP 3/4, InARP 8/9) are decoded but not built here. */
  op: number;
  senderMac: Mac;
  senderIp: Ip;
  targetMac: Mac;
  targetIp: Ip;
}

/*
 * RFC 826 packet for hrd=1 (Ethernet), pro=0x0800 (IPv4):
 *  +-----+-----+-----+-----+----+--------+--------+--------+--------+
 *  | hrd | pro | hln | pln | op |  sha 6 |  spa 4 |  tha 6 |  tpa 4 |
 *  |  2  |  2  |  1  |  1  |  2 |        |        |        |        |
 *  +-----+-----+-----+-----+----+--------+--------+--------+--------+
 */

export function encodingLength(_a: ArpPacket): number {
  return ARP_LENGTH;
}

export function encode(a: ArpPacket, buf: Uint8Array, offset: number): number {
  if (!(a.op >= 0 && a.op <= 0xffff && Number.isInteger(a.op))) throw new RangeError(`bad ARP op ${a.op}`);
  let o = put16(buf, offset, ARP_HTYPE_ETHERNET);
  o = put16(buf, o, EtherType.IPV4);
  o = put8(buf, o, 6);
  o = put8(buf, o, 4);
  o = put16(buf, o, a.op);
  o = writeMac(buf, o, a.senderMac);
  o = writeIpv4(buf, o, a.senderIp);
  o = writeMac(buf, o, a.targetMac);
  return writeIpv4(buf, o, a.targetIp);
}

/** Decodes 28 octets; anything after them (Ethernet padding) is left in the reader. */
export function decode(r: Reader): ArpPacket {
  const start = r.pos;
  const hrd = r.u16('ARP hardware type');
  const pro = r.u16('ARP protocol type');
  const hln = r.u8('ARP hardware length');
  const pln = r.u8('ARP protocol length');
  if (hrd !== ARP_HTYPE_ETHERNET || pro !== EtherType.IPV4 || hln !== 6 || pln !== 4) {
    throw new DecodeError(
      `ARP: only Ethernet/IPv4 is supported (hrd ${hrd}, pro 0x${pro.toString(16)}, hln ${hln}, pln ${pln})`,
      start,
    );
  }
  const op = r.u16('ARP op');
  const senderMac = readMac(r, 'ARP sender MAC');
  const senderIp = readIpv4(r, 'ARP sender IP');
  const targetMac = readMac(r, 'ARP target MAC');
  const targetIp = readIpv4(r, 'ARP target IP');
  return { op, senderMac, senderIp, targetMac, targetIp };
}

/** "Who has targetIp? Tell senderIp": the target MAC is unknown and sent as zero. */
export function arpRequest(senderMac: Mac, senderIp: Ip, targetIp: Ip): ArpPacket {
  return { op: ArpOp.REQUEST, senderMac, senderIp, targetMac: ZERO_MAC, targetIp };
}

/** "senderIp is at senderMac", sent to the requester. */
export function arpReply(senderMac: Mac, senderIp: Ip, targetMac: Mac, targetIp: Ip): ArpPacket {
  return { op: ArpOp.REPLY, senderMac, senderIp, targetMac, targetIp };
}

/**
 * Gratuitous ARP (RFC 5944 §4.6, RFC 5227 §3): sender and target IP are both
 * the announced address. As a reply the target MAC repeats the sender's, as a
 * request it is zero; both are broadcast, and receivers update their caches.
 */
export function gratuitousArp(mac: Mac, ip: Ip, op: 'request' | 'reply' = 'request'): ArpPacket {
  return op === 'reply'
    ? { op: ArpOp.REPLY, senderMac: mac, senderIp: ip, targetMac: mac, targetIp: ip }
    : { op: ArpOp.REQUEST, senderMac: mac, senderIp: ip, targetMac: ZERO_MAC, targetIp: ip };
}

/**
 * RFC 5227 §2.1.1 ARP Probe: a request with sender IP all zeros (so no cache
 * is polluted), target IP the address being checked, target MAC zero.
 */
export function arpProbe(mac: Mac, ip: Ip): ArpPacket {
  return { op: ArpOp.REQUEST, senderMac: mac, senderIp: ZERO_IP, targetMac: ZERO_MAC, targetIp: ip };
}

/** RFC 5227 §2.3 ARP Announcement: a probe-shaped request with sender IP = target IP = the claimed address. */
export function arpAnnouncement(mac: Mac, ip: Ip): ArpPacket {
  return { op: ArpOp.REQUEST, senderMac: mac, senderIp: ip, targetMac: ZERO_MAC, targetIp: ip };
}

/** RFC 5227 §2.1.1: a request whose sender IP is 0.0.0.0. */
export function isArpProbe(a: ArpPacket): boolean {
  return a.op === ArpOp.REQUEST && a.senderIp === ZERO_IP;
}

/** Sender IP = target IP (not 0.0.0.0), request or reply. */
export function isGratuitousArp(a: ArpPacket): boolean {
  return (a.op === ArpOp.REQUEST || a.op === ArpOp.REPLY) && a.senderIp === a.targetIp && a.senderIp !== ZERO_IP;
}

/** RFC 5227 §2.3: a gratuitous request. */
export function isArpAnnouncement(a: ArpPacket): boolean {
  return a.op === ArpOp.REQUEST && isGratuitousArp(a);
}

export type ArpKind = 'probe' | 'announcement' | 'gratuitous-reply' | 'request' | 'reply' | 'other';

/** Classifies an ARP packet, most specific first. */
export function classifyArp(a: ArpPacket): ArpKind {
  if (isArpProbe(a)) return 'probe';
  if (isArpAnnouncement(a)) return 'announcement';
  if (a.op === ArpOp.REPLY && isGratuitousArp(a)) return 'gratuitous-reply';
  if (a.op === ArpOp.REQUEST) return 'request';
  if (a.op === ArpOp.REPLY) return 'reply';
  return 'other';
}
