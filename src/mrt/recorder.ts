import { closeSync, openSync, writeSync } from 'node:fs';
import type { Ip } from '../util/ip';
import { messageSubtype } from './bgp4mp';
import { Bgp4mpSubtype, MrtType } from './constants';
import * as record from './record';
import type { MrtRecord } from './record';

/*
 * A BGP4MP recorder (RFC 6396 §4.4): sessions hand it every message they
 * receive (and, if wanted, send) and every FSM state change; it appends
 * BGP4MP_MESSAGE_AS4 / BGP4MP_STATE_CHANGE_AS4 records to a sink. With
 * `extendedTimestamp` the records are BGP4MP_ET with microseconds (§3),
 * which convergence analysis needs.
 *
 * The AS fields are always 4 octets (the _AS4 subtypes). Note that readers
 * such as bgpdump take _AS4 to mean the message's AS_PATH has 4-octet ASes
 * too; that holds for every session that negotiated RFC 6793, which is all
 * of evpn-vtep's peers in practice.
 */

export interface RecordedSide {
  address: Ip;
  asn: number;
}

export interface RecorderOptions {
  extendedTimestamp?: boolean;
  /** Interface index written in the records (RFC 6396 §4.4.1); default 0. */
  ifIndex?: number;
}

export type RecordSink = (bytes: Uint8Array) => void;

/** Milliseconds since the epoch (fractions allowed) → seconds and microseconds. */
function splitTime(ms: number): { timestamp: number; microseconds: number } {
  const us = Math.round(ms * 1000);
  const timestamp = Math.floor(us / 1_000_000);
  return { timestamp, microseconds: us - timestamp * 1_000_000 };
}

export class Bgp4mpRecorder {
  private readonly et: boolean;
  private readonly ifIndex: number;
  /** Records written. */
  count = 0;

  constructor(
    private readonly sink: RecordSink,
    opts: RecorderOptions = {},
  ) {
    this.et = opts.extendedTimestamp ?? false;
    this.ifIndex = opts.ifIndex ?? 0;
  }

  private emit(ts: number, subtype: number, body: MrtRecord['body']): void {
    const t = splitTime(ts);
    const rec: MrtRecord = { timestamp: t.timestamp, type: this.et ? MrtType.BGP4MP_ET : MrtType.BGP4MP, subtype, body };
    if (this.et) rec.microseconds = t.microseconds;
    this.sink(record.encodeToBytes(rec));
    this.count++;
  }

  /**
   * One whole BGP message (marker included). `ts` is milliseconds since the
   * epoch (Date.now(), or performance.timeOrigin + performance.now() for
   * sub-millisecond precision). `sent` records it as a _LOCAL subtype, a
   * message we sent (§4.4.6); `addPath` as an _ADDPATH one (RFC 8050).
   */
  recordMessage(peer: RecordedSide, local: RecordedSide, bytes: Uint8Array, ts: number = Date.now(), o: { sent?: boolean; addPath?: boolean } = {}): void {
    const subtype = messageSubtype({ as4: true, local: o.sent ?? false, addPath: o.addPath ?? false });
    this.emit(ts, subtype, {
      kind: 'bgp4mp-message',
      message: { peerAs: peer.asn, localAs: local.asn, ifIndex: this.ifIndex, peerIp: peer.address, localIp: local.address, message: bytes },
    });
  }

  /** An FSM transition, states numbered as in RFC 6396 §4.4.1 (see mrtStateNumber). */
  recordStateChange(peer: RecordedSide, local: RecordedSide, oldState: number, newState: number, ts: number = Date.now()): void {
    this.emit(ts, Bgp4mpSubtype.STATE_CHANGE_AS4, {
      kind: 'bgp4mp-state-change',
      change: { peerAs: peer.asn, localAs: local.asn, ifIndex: this.ifIndex, peerIp: peer.address, localIp: local.address, oldState, newState },
    });
  }
}

/**
 * An append-only MRT file with bounded buffering: records are collected and
 * written when 64 KiB are pending, every `flushMs` (1 s), and on close(), so
 * a busy session costs one write() per 64 KiB rather than one per message.
 */
export class MrtFileWriter {
  private fd: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly timer: NodeJS.Timeout;
  /** Octets written so far. */
  written = 0;

  constructor(
    readonly path: string,
    opts: { flushMs?: number; truncate?: boolean } = {},
  ) {
    this.fd = openSync(path, opts.truncate ? 'w' : 'a');
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? 1000);
    this.timer.unref();
  }

  /** The sink to give a Bgp4mpRecorder. */
  readonly sink: RecordSink = (bytes) => {
    if (this.fd < 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= 64 * 1024) this.flush();
  };

  flush(): void {
    if (this.fd < 0 || this.pendingBytes === 0) return;
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.written += buf.length;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    clearInterval(this.timer);
    closeSync(this.fd);
    this.fd = -1;
  }
}
