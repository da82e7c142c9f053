import { DecodeError } from '../util/errors';
import { Reader } from '../util/reader';

/**
 * Classic libpcap files (draft-ietf-opsawg-pcap §4–5). The reader accepts both
 * byte orders and the microsecond (a1b2c3d4) and nanosecond (a1b23c4d) magics;
 * the writer emits microsecond, host-independent little-endian files.
 */

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_GLOBAL_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
const DEFAULT_SNAPLEN = 262144;

export interface PcapRecord {
  tsSec: number;
  /** Sub-second part in microseconds (truncated from nanosecond files). */
  tsUsec: number;
  /** Sub-second part in nanoseconds (µs × 1000 for microsecond files). */
  tsNsec?: number;
  /** Octets captured (= data.length). */
  caplen: number;
  /** Octets on the wire. */
  origLen: number;
  data: Uint8Array;
}

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

export interface PcapFile extends PcapHeader {
  records: PcapRecord[];
  /** Set when the file ends inside a record: the records before it are still returned. */
  error?: DecodeError;
}

/*
 * Global header:  magic(4) major(2) minor(2) thiszone(4) sigfigs(4) snaplen(4) linktype(4)
 * Record header:  ts_sec(4) ts_frac(4) incl_len(4) orig_len(4), then incl_len octets
 * All fields in the writer's byte order, which the magic reveals.
 */

function u32(r: Reader, le: boolean, what: string): number {
  const v = r.u32(what);
  return le ? ((v & 0xff) * 0x1000000 + ((v >>> 8) & 0xff) * 0x10000 + ((v >>> 16) & 0xff) * 0x100 + (v >>> 24)) : v;
}

function u16(r: Reader, le: boolean, what: string): number {
  const v = r.u16(what);
  return le ? ((v & 0xff) << 8) | (v >>> 8) : v;
}

export function decodeHeader(r: Reader): PcapHeader {
  const magic = r.u32('pcap magic');
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) {
    littleEndian = false;
    nanosecond = magic === PCAP_MAGIC_NS;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    littleEndian = true;
    nanosecond = magic === 0x4d3cb2a1;
  } else {
    throw new DecodeError(`not a classic pcap file (magic 0x${magic.toString(16).padStart(8, '0')})`, 0);
  }
  const versionMajor = u16(r, littleEndian, 'pcap version');
  const versionMinor = u16(r, littleEndian, 'pcap version');
  r.skip(8, 'pcap thiszone/sigfigs');
  const snaplen = u32(r, littleEndian, 'pcap snaplen');
  // The upper bits of the link-type field carry FCS information (§5.2); the type is the low 16.
  const linkType = u32(r, littleEndian, 'pcap link type') & 0xffff;
  return { littleEndian, nanosecond, versionMajor, versionMinor, snaplen, linkType };
}

/** Decodes one record; `hdr` gives the byte order and time resolution. */
export function decodeRecord(r: Reader, hdr: PcapHeader): PcapRecord {
  const le = hdr.littleEndian;
  const tsSec = u32(r, le, 'record timestamp');
  const frac = u32(r, le, 'record timestamp');
  const caplen = u32(r, le, 'record captured length');
  const origLen = u32(r, le, 'record original length');
  const data = r.bytes(caplen, 'record data');
  return hdr.nanosecond
    ? { tsSec, tsUsec: Math.floor(frac / 1000), tsNsec: frac, caplen, origLen, data }
    : { tsSec, tsUsec: frac, tsNsec: frac * 1000, caplen, origLen, data };
}

/**
 * Reads a whole file. A bad global header throws DecodeError; a file cut
 * short inside a record returns the complete records and `error`.
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  // A Node Buffer's slice() is a view, not a copy: read through a plain Uint8Array so records own their bytes.
  const r = new Reader(Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const hdr = decodeHeader(r);
  const records: PcapRecord[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    try {
      records.push(decodeRecord(r, hdr));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { ...hdr, records, error: new DecodeError(`pcap record ${records.length + 1}: ${e.message}`, at) };
    }
  }
  return { ...hdr, records };
}

export interface PcapWriteOptions {
  linkType?: number;
  snaplen?: number;
}

export function encodingLength(records: readonly Pick<PcapRecord, 'data'>[]): number {
  let n = PCAP_GLOBAL_HEADER_LENGTH;
  for (const rec of records) n += PCAP_RECORD_HEADER_LENGTH + rec.data.length;
  return n;
}

function le32(buf: Uint8Array, o: number, v: number): number {
  buf[o] = v & 0xff;
  buf[o + 1] = (v >>> 8) & 0xff;
  buf[o + 2] = (v >>> 16) & 0xff;
  buf[o + 3] = (v >>> 24) & 0xff;
  return o + 4;
}

/** Record fields the writer needs; missing timestamps are zero, origLen defaults to the data length. */
export type PcapWriteRecord = Pick<PcapRecord, 'data'> & Partial<Pick<PcapRecord, 'tsSec' | 'tsUsec' | 'origLen'>>;

function checkU32(v: number, name: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new RangeError(`pcap ${name} out of range: ${v}`);
}

export function encode(records: readonly PcapWriteRecord[], buf: Uint8Array, offset: number, opts: PcapWriteOptions = {}): number {
  let o = le32(buf, offset, PCAP_MAGIC_US);
  buf[o++] = 2;
  buf[o++] = 0;
  buf[o++] = 4;
  buf[o++] = 0;
  o = le32(buf, o, 0);
  o = le32(buf, o, 0);
  o = le32(buf, o, opts.snaplen ?? DEFAULT_SNAPLEN);
  o = le32(buf, o, opts.linkType ?? LINKTYPE_ETHERNET);
  for (const rec of records) {
    const tsSec = rec.tsSec ?? 0;
    const tsUsec = rec.tsUsec ?? 0;
    const origLen = rec.origLen ?? rec.data.length;
    checkU32(tsSec, 'timestamp');
    if (!(Number.isInteger(tsUsec) && tsUsec >= 0 && tsUsec < 1_000_000)) throw new RangeError(`pcap µs out of range: ${tsUsec}`);
    checkU32(origLen, 'original length');
    o = le32(buf, o, tsSec);
    o = le32(buf, o, tsUsec);
    o = le32(buf, o, rec.data.length);
    o = le32(buf, o, origLen);
    buf.set(rec.data, o);
    o += rec.data.length;
  }
  return o;
}

/** A complete little-endian microsecond pcap file (link type Ethernet unless told). */
export function writePcap(records: readonly PcapWriteRecord[], opts: PcapWriteOptions = {}): Uint8Array {
  const buf = new Uint8Array(encodingLength(records));
  encode(records, buf, 0, opts);
  return buf;
}

/** The contract's decode: a whole file from a reader. */
export function decode(r: Reader): PcapFile {
  return readPcap(r.bytes(r.remaining));
}
