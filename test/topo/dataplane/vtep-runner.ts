/**
 * A VTEP process for topology tests and benchmarks: run inside a network
 * namespace with
 *   ip netns exec NS node --import tsx test/topo/dataplane/vtep-runner.ts '<json config>'
 * It opens a Dataplane (config: DataplaneConfig plus `ops`, the tables to
 * program), starts it, applies the ops and prints {"ready":…}. Then it
 * answers one JSON line per command line on stdin until killed or stdin ends:
 *   counters            -> {"counters": {ports, underlay, system, vnis}}
 *   events              -> {"events": [...]} (everything seen since the last call)
 *   ops <json array>    -> {"ops": ApplyOpsResult}
 * SIGTERM stops the packet thread and exits 0.
 */
import { createInterface } from 'node:readline';

import { Dataplane, type DataplaneConfig } from '../../../src/dataplane/dataplane';
import type { DataplaneEvent } from '../../../src/dataplane/events';
import type { CounterSnapshot } from '../../../src/dataplane/native';
import type { DataplaneOp } from '../../../src/dataplane/ops';

export type RunnerConfig = Omit<DataplaneConfig, 'log'> & { ops: DataplaneOp[] };

function out(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}

function plainCounters(c: CounterSnapshot): unknown {
  return {
    ports: Object.fromEntries(c.ports),
    underlay: c.underlay,
    system: c.system,
    vnis: Object.fromEntries(c.vnis),
  };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '') as RunnerConfig;
  const { ops, ...dcfg } = cfg;
  const dp = await Dataplane.open({ ...dcfg, log: (m) => process.stderr.write(m + '\n') });
  const seen: DataplaneEvent[] = [];
  dp.on('events', (evs) => seen.push(...evs));
  dp.start();
  const r = await dp.applyOps(ops);
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
    const [cmd, ...rest] = line.trim().split(' ');
    void (async () => {
      if (cmd === 'counters') out({ counters: plainCounters(dp.counters()) });
      else if (cmd === 'events') out({ events: seen.splice(0) });
      else if (cmd === 'ops') out({ ops: await dp.applyOps(JSON.parse(rest.join(' ')) as DataplaneOp[]) });
      else out({ error: `unknown command ${cmd}` });
    })().catch((e: unknown) => out({ error: String(e) }));
  });
  rl.on('close', () => void shutdown());
}

main().catch((e: unknown) => {
  process.stderr.write(`vtep-runner: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
