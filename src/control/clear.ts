import { canonicalIp, isIpv4, isIpv6, type Ip } from '../util/ip';
import type { Logger } from '../util/log';

/**
 * The control socket's only requests that change anything: resets of BGP
 * sessions (`evpn-vtep clear`). Kept apart from the read-only `show`
 * requests: the HTTP API (src/observe/http.ts) answers `show` only.
 *
 *   → {"cmd":"clear","what":"bgp","graceful":true}     restart our BGP side gracefully (RFC 4724)
 *   → {"cmd":"clear","what":"bgp"}                     reset every session (Cease/Administrative Reset)
 *   → {"cmd":"clear","what":"neighbor","address":"10.0.0.2","soft":true}
 *   ← {"ok":true,"cleared":["10.0.0.2"]}
 */

export type ClearRequest =
  | { cmd: 'clear'; what: 'bgp'; graceful?: boolean; soft?: boolean }
  | { cmd: 'clear'; what: 'neighbor'; address: Ip; soft?: boolean };

/** What a clear needs of the speaker (Speaker has both). */
export interface ClearActions {
  restartGracefully(): Ip[];
  clear(address: Ip | 'all', soft: boolean): Promise<Ip[]>;
}

export type ClearResponse = { ok: true; cleared: Ip[] } | { ok: false; error: string };

function flag(o: Record<string, unknown>, k: string): boolean | string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  return typeof v === 'boolean' ? v : `"${k}" must be true or false`;
}

/** Validates a parsed `clear` request; returns an error text or the request. */
export function parseClear(o: Record<string, unknown>): ClearRequest | string {
  const soft = flag(o, 'soft');
  if (typeof soft === 'string') return soft;
  if (o.what === 'bgp') {
    const graceful = flag(o, 'graceful');
    if (typeof graceful === 'string') return graceful;
    if (graceful && soft) return '"graceful" and "soft" exclude each other';
    return { cmd: 'clear', what: 'bgp', ...(graceful !== undefined ? { graceful } : {}), ...(soft !== undefined ? { soft } : {}) };
  }
  if (o.what === 'neighbor') {
    const a = o.address;
    if (typeof a !== 'string' || (!isIpv4(a) && !isIpv6(a))) return '"address" must be the IP address of a configured neighbor';
    return { cmd: 'clear', what: 'neighbor', address: canonicalIp(a), ...(soft !== undefined ? { soft } : {}) };
  }
  return `unknown "what" ${JSON.stringify(o.what)} for clear: bgp, neighbor`;
}

/** Carries out a clear request; every failure is an error response, never an exception. */
export async function answerClear(req: ClearRequest, actions: ClearActions | undefined, log: Logger): Promise<ClearResponse> {
  if (!actions) return { ok: false, error: 'this process cannot clear sessions' };
  try {
    log.info('clear requested on the control socket', { ...req });
    if (req.what === 'bgp' && req.graceful) return { ok: true, cleared: actions.restartGracefully() };
    const target = req.what === 'bgp' ? 'all' : req.address;
    return { ok: true, cleared: await actions.clear(target, req.soft ?? false) };
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, error: e.message };
    log.error('clear failed', { error: e instanceof Error ? e.message : String(e) });
    return { ok: false, error: 'internal error' };
  }
}
