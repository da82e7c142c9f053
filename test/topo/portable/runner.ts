/**
 * A VTEP on the portable data plane, for the namespace tests:
 *   ip netns exec NS node --import tsx test/topo/portable/runner.ts '<json config>'
 * The config is a PortableDataplaneConfig plus `ops` (the tables: VNIs,
 * ports, remote VTEPs, remote MACs, flood lists). It starts the data plane,
 * applies the ops and prints {"ready": ApplyOpsResult}; then it answers one
 * JSON line per command on stdin until killed or stdin ends:
 *   counters -> {"counters": {ports, underlay, system, vnis}}
 *   events   -> {"events": [...]} (everything seen since the last call)
 * SIGTERM stops it and exits 0.
 */
import { createInterface } from 'node:readline';

import type { DataplaneEvent } from '../../../src/dataplane/events';
import type { DataplaneOp } from '../../../src/dataplane/ops';
import { PortableDataplane, type PortableDataplaneConfig } from '../../../src/dataplane/portable/io';

export type PortableRunnerConfig = Omit<PortableDataplaneConfig, 'log'> & { ops: DataplaneOp[] };

function out(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}

async function main(): Promise<void> {
  const { ops, ...cfg } = JSON.parse(process.argv[2] ?? '') as PortableRunnerConfig;
  const dp = new PortableDataplane({ ...cfg, log: (m) => process.stderr.write(m + '\n') });
  const seen: DataplaneEvent[] = [];
  dp.onEvents((evs) => seen.push(...evs));
  await dp.start();
  const r = dp.tryApplyOps(ops);
  out({ ready: r });
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await dp.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'counters') {
      const c = dp.counters();
      out({ counters: { ports: Object.fromEntries(c.ports), underlay: c.underlay, system: c.system, vnis: Object.fromEntries(c.vnis) } });
    } else if (cmd === 'events') {
      out({ events: seen.splice(0) });
    } else {
      out({ error: `unknown command ${cmd}` });
    }
  });
  rl.on('close', () => void shutdown());
}

main().catch((e: unknown) => {
  process.stderr.write(`portable runner: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
