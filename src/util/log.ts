/**
 * Structured logging: one JSON object per line, or a readable line on a TTY.
 * Loggers carry context (peer, vni, …) so every record says where it came from.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): void;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(ctx: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: Level;
  sink?: LogSink;
  pretty?: boolean;
  now?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}, ctx: Record<string, unknown> = {}): Logger {
  const sink = opts.sink ?? process.stderr;
  const min = RANK[opts.level ?? 'info'];
  const pretty = opts.pretty ?? (process.stderr.isTTY === true && !opts.sink);
  const now = opts.now ?? (() => new Date());
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < min) return;
    const rec = { time: now().toISOString(), level, msg, ...ctx, ...fields };
    if (pretty) {
      const extra = Object.entries({ ...ctx, ...fields })
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      sink.write(`${rec.time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}\n`);
    } else {
      sink.write(JSON.stringify(rec, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (more) => createLogger(opts, { ...ctx, ...more }),
  };
}

/** A logger that keeps records in memory, for tests. */
export function memoryLogger(level: Level = 'debug'): Logger & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const l = createLogger({ level, pretty: false, sink: { write: (s) => records.push(JSON.parse(s) as Record<string, unknown>) } });
  return Object.assign(l, { records });
}
