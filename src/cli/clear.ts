import { request } from '../control/client';
import type { ClearRequest } from '../control/clear';
import { DEFAULTS } from '../config/schema';
import { canonicalIp, isIpv4, isIpv6 } from '../util/ip';
import { parseCommandArgs } from './args';

/**
 * `evpn-vtep clear bgp [--graceful|--soft]` and `evpn-vtep clear neighbor
 * ADDR [--soft]`: session resets on a running speaker through its control
 * socket.
 *  - `clear bgp --graceful`: our BGP side restarts (RFC 4724 §4.1): every
 *    session closes without a NOTIFICATION and comes back with the Restart
 *    State bit; the data plane keeps forwarding on its tables, what was
 *    learned stays (stale) until each peer's End-of-RIB.
 *  - `clear bgp` / `clear neighbor ADDR`: Cease / Administrative Reset, then
 *    the session starts again.
 *  - `--soft`: no reset: ROUTE-REFRESH to the peer and our routes sent again.
 */

const USAGE = `usage: evpn-vtep clear bgp [--graceful | --soft] [--json] [--socket PATH]
       evpn-vtep clear neighbor ADDR [--soft] [--json] [--socket PATH]
`;

interface Out {
  write(s: string): unknown;
}

export async function runClear(argv: string[], out: Out, err: Out): Promise<number> {
  const parsed = parseCommandArgs(
    'clear',
    {
      args: argv,
      allowPositionals: true,
      options: {
        graceful: { type: 'boolean', default: false },
        soft: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        socket: { type: 'string' },
      },
    },
    err,
    USAGE,
  );
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  let req: ClearRequest;
  if (positionals[0] === 'bgp' && positionals.length === 1) {
    if (values.graceful && values.soft) {
      err.write(`evpn-vtep clear: --graceful and --soft exclude each other\n${USAGE}`);
      return 2;
    }
    req = { cmd: 'clear', what: 'bgp', ...(values.graceful ? { graceful: true } : {}), ...(values.soft ? { soft: true } : {}) };
  } else if (positionals[0] === 'neighbor' && positionals.length === 2) {
    const a = positionals[1]!;
    if (!isIpv4(a) && !isIpv6(a)) {
      err.write(`evpn-vtep clear: "${a}" is not an IP address\n${USAGE}`);
      return 2;
    }
    if (values.graceful) {
      err.write(`evpn-vtep clear: --graceful restarts the whole BGP side: use "clear bgp --graceful"\n${USAGE}`);
      return 2;
    }
    req = { cmd: 'clear', what: 'neighbor', address: canonicalIp(a), ...(values.soft ? { soft: true } : {}) };
  } else {
    err.write(USAGE);
    return 2;
  }
  const socketPath = values.socket ?? process.env.EVPN_VTEP_SOCKET ?? DEFAULTS.controlSocket;
  let res;
  try {
    res = await request(socketPath, req, 10_000);
  } catch (e) {
    err.write(`evpn-vtep clear: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (!res.ok) {
    err.write(`evpn-vtep clear: ${res.error}\n`);
    return 1;
  }
  const cleared = 'cleared' in res && Array.isArray(res.cleared) ? (res.cleared as string[]) : [];
  if (values.json) out.write(JSON.stringify({ cleared }) + '\n');
  else out.write(cleared.length ? `${values.graceful ? 'restarted gracefully' : values.soft ? 'soft-cleared' : 'cleared'}: ${cleared.join(', ')}\n` : 'no session cleared\n');
  return 0;
}
