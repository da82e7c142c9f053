import type { Dataplane } from '../dataplane/dataplane';
import type { DataplaneEvent } from '../dataplane/events';
import type { DataplaneOp } from '../dataplane/ops';
import type { Logger } from '../util/log';
import type { VtepDataplaneDriver } from './vtep';

/**
 * Adapts the native Dataplane (promise-based, one batch per call) to what the
 * VTEP needs. Batches are chained so they reach the packet thread in the
 * order they were made even when one waits for a next-hop MAC to resolve;
 * rejected records are logged, never thrown into the control plane.
 */
export function nativeDriver(dp: Dataplane, log: Logger): VtepDataplaneDriver {
  let chain: Promise<unknown> = Promise.resolve();
  const submit = (ops: readonly DataplaneOp[], what: string): void => {
    chain = chain
      .then(() => dp.applyOps(ops))
      .then((r) => {
        if (r.rejected) log.warn('data plane rejected ops', { what, rejected: r.rejected, rejects: r.rejects.map((x) => `${ops[x.index]?.op ?? '?'}: ${x.status}`) });
      })
      .catch((e: unknown) => log.error('data plane ops failed', { what, error: e instanceof Error ? e.message : String(e) }));
  };
  return {
    applyOps: (ops) => submit(ops, 'table update'),
    sendArpProbe: (p) => submit([{ op: 'arpProbe', port: p.port, vni: p.vni, ip: p.ip, mac: p.mac }], 'ARP probe'),
    onEvents: (fn: (events: readonly DataplaneEvent[]) => void) => {
      dp.on('events', fn);
      return () => {
        dp.off('events', fn);
      };
    },
  };
}
