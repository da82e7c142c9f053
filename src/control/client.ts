import net from 'node:net';
import type { ControlRequest, ControlResponse } from './protocol';

/** Sends one request to a control socket and returns its response (bounded in time). */
export function request(socketPath: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let buf = '';
    let settled = false;
    const finish = (err: Error | null, v?: ControlResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(v!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.once('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        finish(null, JSON.parse(buf.slice(0, nl)) as ControlResponse);
      } catch {
        finish(new Error(`malformed answer from ${socketPath}`));
      }
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `no speaker is listening on ${socketPath}` : e.message;
      finish(new Error(why));
    });
    sock.once('close', () => finish(new Error(`${socketPath} closed the connection without an answer`)));
  });
}
