import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runClear } from '../../../src/cli/clear';
import { parseClear, type ClearActions } from '../../../src/control/clear';
import { parseRequest } from '../../../src/control/protocol';
import { ControlServer } from '../../../src/control/server';
import { Rib } from '../../../src/rib/rib';
import { memoryLogger } from '../../../src/util/log';

/** `clear` requests: validation, the control socket handler, the read-only path refusing them, and `evpn-vtep clear`. */

class Out {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('clear request validation', () => {
  it('accepts the three forms and canonicalises the address', () => {
    expect(parseRequest({ cmd: 'clear', what: 'bgp', graceful: true })).toEqual({ cmd: 'clear', what: 'bgp', graceful: true });
    expect(parseRequest({ cmd: 'clear', what: 'bgp' })).toEqual({ cmd: 'clear', what: 'bgp' });
    expect(parseRequest({ cmd: 'clear', what: 'neighbor', address: '2001:DB8::0:2', soft: true })).toEqual({ cmd: 'clear', what: 'neighbor', address: '2001:db8::2', soft: true });
  });

  it('names what is wrong', () => {
    expect(parseClear({ what: 'bgp', graceful: true, soft: true })).toBe('"graceful" and "soft" exclude each other');
    expect(parseClear({ what: 'bgp', graceful: 'yes' })).toBe('"graceful" must be true or false');
    expect(parseClear({ what: 'neighbor', address: 'spine' })).toBe('"address" must be the IP address of a configured neighbor');
    expect(parseClear({ what: 'peers' })).toBe('unknown "what" "peers" for clear: bgp, neighbor');
  });
});

describe('clear on the control socket', () => {
  const dirs: string[] = [];
  const servers: ControlServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function serve(actions?: ClearActions): Promise<{ socket: string; server: ControlServer }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'rel-clear-'));
    dirs.push(dir);
    const socket = path.join(dir, 'ctl.sock');
    const rib = new Rib({ asn: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
    const server = new ControlServer(socket, { peers: () => [], rib, ...(actions ? { actions } : {}) }, memoryLogger());
    await server.start();
    servers.push(server);
    return { socket, server };
  }

  it('evpn-vtep clear reaches the speaker\'s actions and prints what was cleared', async () => {
    const calls: string[] = [];
    const { socket, server } = await serve({
      restartGracefully: () => {
        calls.push('graceful');
        return ['10.0.0.2', '10.0.0.3'];
      },
      clear: (a, soft) => {
        calls.push(`${a}${soft ? ' soft' : ''}`);
        if (a !== 'all' && a !== '10.0.0.2') return Promise.reject(new RangeError(`${a} is not a configured neighbor`));
        return Promise.resolve(a === 'all' ? ['10.0.0.2', '10.0.0.3'] : [a]);
      },
    });
    const out = new Out();
    const err = new Out();
    expect(await runClear(['bgp', '--graceful', '--socket', socket], out, err)).toBe(0);
    expect(out.text).toBe('restarted gracefully: 10.0.0.2, 10.0.0.3\n');
    expect(await runClear(['neighbor', '10.0.0.2', '--soft', '--json', '--socket', socket], out, err)).toBe(0);
    expect(out.text.split('\n')[1]).toBe('{"cleared":["10.0.0.2"]}');
    expect(await runClear(['bgp', '--socket', socket], out, err)).toBe(0);
    expect(await runClear(['neighbor', '10.9.9.9', '--socket', socket], out, err)).toBe(1);
    expect(err.text).toBe('evpn-vtep clear: 10.9.9.9 is not a configured neighbor\n');
    expect(calls).toEqual(['graceful', '10.0.0.2 soft', 'all', '10.9.9.9']);
    // The read-only path (the HTTP API's) refuses to clear.
    expect(server.answer(JSON.stringify({ cmd: 'clear', what: 'bgp' }))).toEqual({ ok: false, error: 'clear is accepted on the control socket only' });
  });

  it('a process without actions refuses; usage errors exit 2', async () => {
    const { socket } = await serve();
    const out = new Out();
    const err = new Out();
    expect(await runClear(['bgp', '--socket', socket], out, err)).toBe(1);
    expect(err.text).toBe('evpn-vtep clear: this process cannot clear sessions\n');
    expect(await runClear(['bgp', '--graceful', '--soft'], out, err)).toBe(2);
    expect(await runClear(['neighbor', 'spine'], out, err)).toBe(2);
    expect(await runClear(['neighbor', '10.0.0.2', '--graceful'], out, err)).toBe(2);
    expect(await runClear([], out, err)).toBe(2);
  });
});
