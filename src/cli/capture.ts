import { closeSync, openSync, writeSync } from 'node:fs';
import net from 'node:net';
import { parseCommandArgs } from './args';
import { DEFAULTS } from '../config/schema';
import type { CaptureAck, CaptureRequest, ControlResponse } from '../control/protocol';
import { pcapFileHeader } from '../dataplane/capture';
import { PCAP_RECORD_HEADER_LENGTH } from '../packet/pcap';

/**
 * `evpn-vtep capture --port NAME|underlay [--vni N] [--snaplen N] -w FILE.pcap
 * [--count N] [--duration S] [--socket PATH]`: asks a running VTEP to tap one
 * port of its fast path (frames it receives and sends there) and writes them
 * to a pcap file until Ctrl-C / SIGTERM, N frames or S seconds. The daemon
 * stops the tap when this connection closes.
 */

const USAGE = `usage: evpn-vtep capture --port NAME|underlay [--vni N] [--snaplen N] -w FILE.pcap
                           [--count N] [--duration S] [--socket PATH]
`;

interface Out {
  write(s: string): unknown;
}

function positiveInt(v: string | undefined, name: string, max: number): number | undefined | string {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) return `--${name} must be an integer 0..${max}`;
  return n;
}

export async function runCapture(argv: string[], err: Out, signal?: AbortSignal): Promise<number> {
  const parsed = parseCommandArgs(
    'capture',
    {
      args: argv,
      options: {
        port: { type: 'string' },
        vni: { type: 'string' },
        snaplen: { type: 'string' },
        write: { type: 'string', short: 'w' },
        count: { type: 'string', short: 'c' },
        duration: { type: 'string' },
        socket: { type: 'string' },
      },
    },
    err,
    USAGE,
  );
  if (!parsed) return 2;
  const { values } = parsed;
  if (!values.port || !values.write) {
    err.write(USAGE);
    return 2;
  }
  const vni = positiveInt(values.vni, 'vni', 0xffffff);
  const snaplen = positiveInt(values.snaplen, 'snaplen', 262144);
  const count = positiveInt(values.count, 'count', 2 ** 32);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  for (const v of [vni, snaplen, count]) {
    if (typeof v === 'string') {
      err.write(`evpn-vtep capture: ${v}\n`);
      return 2;
    }
  }
  if (duration !== undefined && !(duration > 0)) {
    err.write('evpn-vtep capture: --duration must be a positive number of seconds\n');
    return 2;
  }
  const req: CaptureRequest = { cmd: 'capture', port: values.port };
  if (typeof vni === 'number') req.vni = vni;
  if (typeof snaplen === 'number') req.snaplen = snaplen;
  const socketPath = values.socket ?? process.env.EVPN_VTEP_SOCKET ?? DEFAULTS.controlSocket;
  const file = values.write;
  const limit = typeof count === 'number' && count > 0 ? count : Infinity;

  return new Promise<number>((resolve) => {
    const sock = net.connect(socketPath);
    let fd: number | undefined;
    let pending: Buffer = Buffer.alloc(0);
    let header = '';
    let acked = false;
    let written = 0;
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onSignal = (): void => finish(0);
    const finish = (code: number, msg?: string): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      signal?.removeEventListener('abort', onSignal);
      sock.destroy();
      if (fd !== undefined) closeSync(fd);
      if (msg) err.write(msg);
      if (acked) err.write(`${written} frame${written === 1 ? '' : 's'} written to ${file}\n`);
      resolve(code);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    signal?.addEventListener('abort', onSignal);
    if (duration !== undefined) timer = setTimeout(() => finish(0), duration * 1000);

    /** Writes the whole records in `pending` (up to the count limit) and keeps a partial one. */
    const writeRecords = (): void => {
      let o = 0;
      let end = 0;
      while (written < limit && o + PCAP_RECORD_HEADER_LENGTH <= pending.length) {
        const size = PCAP_RECORD_HEADER_LENGTH + pending.readUInt32LE(o + 8);
        if (o + size > pending.length) break;
        o += size;
        end = o;
        written++;
      }
      if (end) writeSync(fd!, pending, 0, end);
      pending = pending.subarray(end);
      if (written >= limit) finish(0);
    };

    sock.once('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (chunk: Buffer) => {
      if (finished) return;
      if (!acked) {
        const nl = chunk.indexOf(0x0a);
        if (nl < 0) {
          header += chunk.toString('utf8');
          return;
        }
        header += chunk.subarray(0, nl).toString('utf8');
        let ack: CaptureAck | ControlResponse;
        try {
          ack = JSON.parse(header) as CaptureAck | ControlResponse;
        } catch {
          return finish(1, `evpn-vtep capture: malformed answer from ${socketPath}\n`);
        }
        if (!ack.ok) return finish(1, `evpn-vtep capture: ${ack.error}\n`);
        if (!('capture' in ack)) return finish(1, `evpn-vtep capture: unexpected answer from ${socketPath}\n`);
        try {
          fd = openSync(file, 'w');
          writeSync(fd, pcapFileHeader(ack.capture.snaplen));
        } catch (e) {
          return finish(1, `evpn-vtep capture: ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
        }
        acked = true;
        err.write(`capturing on ${ack.capture.port}${ack.capture.vni === undefined ? '' : ` (VNI ${ack.capture.vni})`} to ${file}; Ctrl-C stops\n`);
        chunk = chunk.subarray(nl + 1);
      }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      writeRecords();
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `no VTEP is listening on ${socketPath}` : e.message;
      finish(1, `evpn-vtep capture: ${why}\n`);
    });
    sock.once('close', () => finish(acked ? 0 : 1, acked ? undefined : `evpn-vtep capture: ${socketPath} closed the connection\n`));
  });
}
