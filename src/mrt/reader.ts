import { readFileSync } from 'node:fs';
import { decodeMessage, type BgpMessage } from '../bgp/wire/message';
import type { UpdateCtx } from '../bgp/wire/attributes/attribute';
import { afiSafiKey } from '../bgp/wire/context';
import { Afi, Safi } from '../bgp/wire/iana';
import { DecodeError } from '../util/errors';
import { Reader } from '../util/reader';
import { isAddPathSubtype, isAs4Subtype, type Bgp4mpMessage } from './bgp4mp';
import * as header from './header';
import * as record from './record';
import type { MrtRecord } from './record';

/*
 * Reading MRT files: records one after the other (RFC 6396 §2). A record
 * whose body is malformed is reported and skipped: its Length still says
 * where the next one starts. A truncated header or a Length that runs past
 * the end of the input ends the file, since nothing after it can be trusted.
 */

export type MrtItem = { offset: number; record: MrtRecord } | { offset: number; error: DecodeError };

export function* readRecords(buf: Uint8Array): Generator<MrtItem> {
  const r = new Reader(buf);
  while (!r.atEnd) {
    const offset = r.pos;
    let h: header.MrtHeader;
    let body: Reader;
    try {
      h = header.decode(r);
      body = r.sub(h.bodyLength, 'MRT record body');
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      yield { offset, error: e };
      return;
    }
    try {
      const rec: MrtRecord = { timestamp: h.timestamp, type: h.type, subtype: h.subtype, body: record.decodeBody(body, h.type, h.subtype) };
      if (h.microseconds !== undefined) rec.microseconds = h.microseconds;
      yield { offset, record: rec };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      yield { offset, error: e };
    }
  }
}

export function readFile(path: string): Generator<MrtItem> {
  return readRecords(readFileSync(path));
}

const ADDPATH_FAMILIES: ReadonlySet<string> = new Set([
  afiSafiKey(Afi.IPV4, Safi.UNICAST),
  afiSafiKey(Afi.IPV4, Safi.MULTICAST),
  afiSafiKey(Afi.IPV6, Safi.UNICAST),
  afiSafiKey(Afi.IPV6, Safi.MULTICAST),
  afiSafiKey(Afi.L2VPN, Safi.EVPN),
]);

/**
 * The context to decode a BGP4MP message with. The record does not say what
 * the session negotiated; the usual reading (bgpdump's) is that the _AS4
 * subtypes carry 4-octet AS_PATHs, and the _ADDPATH ones path identifiers
 * in every family's NLRI (RFC 8050 §3).
 */
export function messageCtx(m: Bgp4mpMessage, subtype: number): UpdateCtx {
  return {
    fourOctetAs: isAs4Subtype(subtype),
    extendedMessage: true,
    addPathRx: isAddPathSubtype(subtype) ? ADDPATH_FAMILIES : new Set(),
    ibgp: m.peerAs === m.localAs,
  };
}

/** The BGP message of a BGP4MP message record, decoded. Throws BgpError/DecodeError when malformed. */
export function bgpMessageOf(m: Bgp4mpMessage, subtype: number, ctx: UpdateCtx = messageCtx(m, subtype)): BgpMessage {
  return decodeMessage(m.message, ctx);
}
