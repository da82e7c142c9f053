import { close, mkdirSync, open, write } from 'node:fs';
import path from 'node:path';
import type { RecordedPeering, SessionRecorder } from '../bgp/session';
import type { FsmStateName } from '../bgp/fsm';
import type { MrtConfig } from '../config/schema';
import type { Logger } from '../util/log';
import { dumpRib, type DumpPath, type DumpPeer } from './dump';
import { Bgp4mpRecorder } from './recorder';

/*
 * MRT files written while the daemon runs (config key `mrt`): every UPDATE
 * received, as it arrives, in BGP4MP_MESSAGE_AS4 records (RFC 6396 §4.4.3),
 * optionally every message both ways and the FSM's state changes
 * (BGP4MP_STATE_CHANGE_AS4, §4.4.1); and a TABLE_DUMP_V2 snapshot (§4.3)
 * every so often. Sessions call the recorder synchronously with the
 * message's octets; the record is encoded at once (it must outlive the
 * framer's buffer) and queued, and the queue is written with asynchronous
 * write(2)s — one in flight at a time, at 64 KiB or every second — so the
 * event loop never waits for the disk. A disk slower than the sessions does
 * not grow the queue without end: past MAX_PENDING octets records are dropped
 * and counted, and the loss is logged once per file.
 */

/** Octets queued before a write starts at once. */
const WRITE_AT = 64 * 1024;
/** Octets queued at most; past this, records are dropped (counted in `dropped`). */
const MAX_PENDING = 16 * 1024 * 1024;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A file name from a pattern with strftime-like conversions of `at` (UTC): %Y %m %d %H %M %S and %%. */
export function mrtFileName(pattern: string, at: Date): string {
  return pattern.replace(/%([YmdHMS%])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return pad(at.getUTCFullYear(), 4);
      case 'm':
        return pad(at.getUTCMonth() + 1);
      case 'd':
        return pad(at.getUTCDate());
      case 'H':
        return pad(at.getUTCHours());
      case 'M':
        return pad(at.getUTCMinutes());
      case 'S':
        return pad(at.getUTCSeconds());
      default:
        return '%';
    }
  });
}

/** The start of the rotation period holding `ms` (periods aligned to the epoch, as bgpd's dump intervals). */
export function periodStart(ms: number, intervalSeconds: number): number {
  if (intervalSeconds <= 0) return 0;
  const p = intervalSeconds * 1000;
  return Math.floor(ms / p) * p;
}

/**
 * An append-only MRT file that rotates: records queue in memory and are
 * written by asynchronous writes; when a record's time falls into a new
 * period, the next file is opened (named from the pattern and the period's
 * start) once the old one's queue is written.
 */
export class RotatingMrtFile {
  private fd: number | null = null;
  private opening = false;
  private name: string | null = null;
  private period = -1;
  /** Records of the current file not written yet. */
  private queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly idle = new Set<() => void>();
  /** Files the writer was told to start, in order (what `files()` returns). */
  private readonly opened: string[] = [];
  /** Octets written, and records dropped because the disk did not keep up. */
  written = 0;
  dropped = 0;
  private droppedLogged = false;

  constructor(
    private readonly pattern: string,
    private readonly intervalSeconds: number,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
    /** Open files anew (a table dump) rather than appending (a stream of records). */
    private readonly truncate = false,
  ) {
    this.timer = setInterval(() => this.kick(), 1000);
    this.timer.unref();
  }

  files(): readonly string[] {
    return this.opened;
  }

  /** Queues one record (its octets are kept, not copied: give it a buffer of its own). */
  add(bytes: Uint8Array): void {
    if (this.closed) return;
    const p = periodStart(this.now(), this.intervalSeconds);
    if (p !== this.period) {
      // A new period: whatever is queued belongs to the old file.
      this.rotate(p);
    }
    if (this.queued + bytes.length > MAX_PENDING) {
      this.dropped++;
      if (!this.droppedLogged) {
        this.droppedLogged = true;
        this.log?.warn('MRT file: the disk does not keep up, records dropped', { file: this.name });
      }
      return;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (this.queued >= WRITE_AT) this.kick();
  }

  /** The pending rotation: the queue of the old file, then the new name. */
  private pendingRotation: { period: number; name: string }[] = [];

  private rotate(p: number): void {
    this.period = p;
    const name = mrtFileName(this.pattern, new Date(p || this.now()));
    this.opened.push(name);
    // The old file's queue is written and the file closed before the new one opens (kick drains in order).
    this.pendingRotation.push({ period: p, name });
    this.queue.push(ROTATE);
    this.kick();
  }

  /** Starts the next write if none is in flight. */
  private kick(): void {
    if (this.writing || this.opening) return;
    if (this.queue.length === 0) {
      for (const w of [...this.idle]) w();
      return;
    }
    if (this.queue[0] === ROTATE) {
      this.queue.shift();
      const next = this.pendingRotation.shift()!;
      this.opening = true;
      const old = this.fd;
      this.fd = null;
      if (old !== null) close(old, () => {});
      try {
        mkdirSync(path.dirname(next.name), { recursive: true });
      } catch {
        /* open reports it */
      }
      open(next.name, this.truncate ? 'w' : 'a', 0o644, (err, fd) => {
        this.opening = false;
        if (err) {
          this.log?.error('cannot open the MRT file; its records are dropped', { file: next.name, error: err.message });
          this.fd = null;
        } else {
          this.fd = fd;
        }
        this.name = next.name;
        this.droppedLogged = false;
        this.kick();
      });
      return;
    }
    // Everything up to the next rotation mark goes out in one write.
    let n = 0;
    let k = 0;
    while (k < this.queue.length && this.queue[k] !== ROTATE) n += this.queue[k++]!.length;
    const parts = this.queue.splice(0, k);
    this.queued -= n;
    const fd = this.fd;
    if (fd === null) {
      this.dropped += parts.length;
      this.kick();
      return;
    }
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
    this.writing = true;
    const writeFrom = (off: number): void => {
      write(fd, buf, off, buf.length - off, null, (err, w) => {
        if (err) {
          this.writing = false;
          this.log?.error('MRT file write failed; records dropped', { file: this.name, error: err.message });
          this.kick();
          return;
        }
        this.written += w;
        if (off + w < buf.length) return writeFrom(off + w);
        this.writing = false;
        this.kick();
      });
    };
    writeFrom(0);
  }

  /** Resolves once everything queued so far is written. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.idle.delete(done);
        resolve();
      };
      this.idle.add(done);
      this.kick();
    });
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    clearInterval(this.timer);
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}

/** The rotation mark in a file's queue. */
const ROTATE = new Uint8Array(0);

/** RFC 6396 §4.4.1 state numbers. */
const MRT_STATE: Record<FsmStateName, number> = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 };

/** A session recorder (src/bgp/session.ts) writing BGP4MP_MESSAGE_AS4 / STATE_CHANGE_AS4 records to a rotating file. */
export class LiveBgp4mp implements SessionRecorder {
  readonly allMessages: boolean;
  readonly stateChanges: boolean;
  readonly file: RotatingMrtFile;
  private readonly rec: Bgp4mpRecorder;

  constructor(cfg: NonNullable<MrtConfig['updates']>, log?: Logger, now: () => number = Date.now) {
    this.allMessages = cfg.allMessages;
    this.stateChanges = cfg.stateChanges;
    this.file = new RotatingMrtFile(cfg.file, cfg.intervalSeconds, log, now);
    this.rec = new Bgp4mpRecorder((b) => this.file.add(b));
  }

  message(p: RecordedPeering, bytes: Uint8Array, sent: boolean): void {
    this.rec.recordMessage({ address: p.peerAddress, asn: p.peerAs }, { address: p.localAddress, asn: p.localAs }, bytes, Date.now(), { sent });
  }

  stateChange(p: RecordedPeering, from: FsmStateName, to: FsmStateName): void {
    this.rec.recordStateChange({ address: p.peerAddress, asn: p.peerAs }, { address: p.localAddress, asn: p.localAs }, MRT_STATE[from], MRT_STATE[to]);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** What a periodic table dump reads from the speaker. */
export interface TableSource {
  collectorBgpId: string;
  localAs: number;
  paths(): Iterable<DumpPath>;
  peers(): DumpPeer[];
}

/**
 * A TABLE_DUMP_V2 file of the Adj-RIBs-In every `intervalSeconds` (RFC
 * 6396 §4.3), each to a file named from the pattern and the time. The
 * snapshot is encoded in one go (the RIB must not change under it) and
 * written asynchronously.
 */
export class PeriodicTableDump {
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  /** Files written. */
  readonly written: string[] = [];

  constructor(
    private readonly cfg: NonNullable<MrtConfig['table']>,
    private readonly src: TableSource,
    private readonly log?: Logger,
  ) {
    this.timer = setInterval(() => void this.dumpNow(), cfg.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Writes one snapshot now; resolves with its file name. */
  dumpNow(at = new Date()): Promise<string> {
    const name = mrtFileName(this.cfg.file, at);
    const bytes = dumpRib(this.src.paths(), { collectorBgpId: this.src.collectorBgpId, localAs: this.src.localAs, peers: this.src.peers(), adjRibInOnly: true, timestamp: Math.floor(at.getTime() / 1000) });
    const f = new RotatingMrtFile(name.replace(/%/g, '%%'), 0, this.log, Date.now, true);
    f.add(bytes);
    const done = this.inFlight.then(() => f.close());
    this.inFlight = done;
    return done.then(() => {
      this.written.push(name);
      this.log?.debug('MRT table dump written', { file: name, octets: bytes.length });
      return name;
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }
}
