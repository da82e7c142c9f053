/**
 * A minimal VTEP for the flood tests, run inside a namespace with
 *   ip netns exec NS node --import tsx test/topo/security/flood-runner.ts '<json>'
 * The native data plane (one access port, one underlay) programmed with the
 * given ops (limits included) and, in the same process and event loop, a
 * BGP speaker that originates a type 2 route for every MAC the data plane
 * learns and withdraws it when it ages: the path by which a MAC flood could
 * starve the control plane. Prints {"ready":…}; then one JSON line per
 * command on stdin: `status` -> {counters, fdbLearned, routes, peers}.
 */
import { createInterface } from 'node:readline';

import { Speaker } from '../../../src/bgp/speaker';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { Dataplane } from '../../../src/dataplane/dataplane';
import type { DataplaneOp } from '../../../src/dataplane/ops';
import { Rib } from '../../../src/rib/rib';
import { createLogger } from '../../../src/util/log';
import { bgpConfig, neighbor } from '../../unit/session/support';

interface FloodRunnerConfig {
  access: string;
  underlay: string;
  localIp: string;
  routerId: string;
  as: number;
  peer: { address: string; remoteAs: number };
  vni: number;
  ops: DataplaneOp[];
}

function out(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '') as FloodRunnerConfig;
  const dp = await Dataplane.open({ underlay: { ifname: cfg.underlay, localIp: cfg.localIp }, ports: [{ index: 0, ifname: cfg.access }], maxMacs: 65536 });
  const rib = new Rib({ asn: cfg.as, routerId: cfg.routerId, clusterId: cfg.routerId, vtepIp: cfg.localIp });
  const log = createLogger({ level: 'warn' });
  const speaker = new Speaker({
    config: bgpConfig({
      routerId: cfg.routerId,
      as: cfg.as,
      listen: { address: '0.0.0.0', port: 179 },
      neighbors: [neighbor({ ...cfg.peer, holdTime: 3, keepalive: 1 })],
    }),
    rib,
    log,
  });
  const attrs: PathAttribute[] = [
    {
      type: AttrType.EXTENDED_COMMUNITIES,
      flags: 0xc0,
      communities: [
        { kind: 'route-target', form: 'as2', asn: cfg.as, local: cfg.vni },
        { kind: 'encapsulation', tunnelType: 8 },
      ],
    },
  ];
  const learned = new Set<string>();
  const route = (mac: string) => macIpRoute({ rd: `${cfg.routerId}:${cfg.vni}`, mac, label1: cfg.vni });
  dp.on('events', (evs) => {
    for (const e of evs) {
      if (e.type === 'macLearned' && !learned.has(e.mac)) {
        learned.add(e.mac);
        speaker.originate(route(e.mac), attrs);
      } else if (e.type === 'macAged' && learned.delete(e.mac)) {
        speaker.withdrawLocal(route(e.mac));
      }
    }
  });
  dp.start();
  const r = await dp.applyOps(cfg.ops);
  await speaker.start();
  out({ ready: r });
  const shutdown = async (): Promise<void> => {
    await speaker.stop();
    await dp.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() !== 'status') return out({ error: `unknown command ${line}` });
    const c = dp.counters();
    out({
      counters: { port0: c.ports.get(0), vni: c.vnis.get(cfg.vni), system: c.system },
      learned: learned.size,
      peers: speaker.peers(),
      lag: lagMs,
    });
  });
  rl.on('close', () => void shutdown());
  // Event-loop lag: how late a 100 ms timer fires, worst seen.
  let lagMs = 0;
  let due = Date.now() + 100;
  setInterval(() => {
    lagMs = Math.max(lagMs, Date.now() - due);
    due = Date.now() + 100;
  }, 100).unref();
}

main().catch((e: unknown) => {
  process.stderr.write(`flood-runner: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
