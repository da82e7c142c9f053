import { loadDaemonConfig, untilStopped, type Out } from './daemon';
import { execFileSync } from 'node:child_process';
import type { VtepConfig } from '../config';
import { ControlServer } from '../control/server';
import { Dataplane } from '../dataplane/dataplane';
import { createLogger } from '../util/log';
import { nativeDriver } from '../vtep/native-driver';
import { Vtep } from '../vtep/vtep';
import { vtepView } from '../vtep/views';
import { vtepMetricsSource } from '../vtep/metrics';
import { Metrics } from '../observe/metrics';
import { ObserveServer } from '../observe/http';
import { instrumentRib } from '../observe/instrument';
import type { Rib } from '../rib/rib';

/**
 * `evpn-vtep run --config FILE`: turns this host (or network namespace)
 * into an EVPN VTEP. A config error prints `file:line:col: reason` lines and
 * exits 2 before anything starts. SIGINT/SIGTERM withdraw our routes, send
 * Cease to every peer, stop the packet thread and exit 0.
 */


/** The interface that holds `address` in this namespace (the underlay, when the config names none). */
function interfaceOf(address: string): string {
  const links = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8' })) as { ifname: string; addr_info?: { local?: string }[] }[];
  const l = links.find((x) => x.addr_info?.some((a) => a.local === address));
  if (!l) throw new Error(`no interface has the underlay address ${address}`);
  return l.ifname;
}

/** Port index per access interface, in the order the config names them. */
export function accessPorts(cfg: VtepConfig): Map<string, number> {
  const m = new Map<string, number>();
  for (const l2 of cfg.l2vnis) if (!m.has(l2.interface)) m.set(l2.interface, m.size);
  return m;
}

export async function runVtep(argv: string[], err: Out, signal?: AbortSignal): Promise<number> {
  const cfg = loadDaemonConfig('run', argv, err);
  if (cfg === 2) return 2;
  const log = createLogger({ level: cfg.log.level });
  const ports = accessPorts(cfg);
  const aging = cfg.l2vnis.map((v) => v.macAgingSeconds).filter((s) => s > 0);
  let dp: Dataplane;
  try {
    dp = await Dataplane.open({
      underlay: { ifname: cfg.underlay.interface ?? interfaceOf(cfg.underlay.address), localIp: cfg.underlay.address, udpPort: cfg.underlay.udpPort },
      ports: [...ports].map(([ifname, index]) => ({ index, ifname })),
      // Probe answers come back to this MAC (locally administered, derived from nothing secret).
      probeMac: '02:00:5e:10:00:01',
      ...(aging.length ? { maxAge: Math.min(...aging) } : {}),
      log: (msg) => log.info(msg),
    });
  } catch (e) {
    err.write(`evpn-vtep run: data plane: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  // `metrics:` in the config: /metrics and /api/* (the same documents as `show --json`).
  const metrics = cfg.metrics ? new Metrics() : null;
  const vtep = new Vtep({
    config: cfg,
    dataplane: nativeDriver(dp, log.child({ part: 'dataplane' })),
    portOf: (i) => ports.get(i)!,
    log,
    ...(metrics ? { instrument: (rib: Rib) => instrumentRib(rib, metrics) } : {}),
  });
  const control = new ControlServer(
    cfg.controlSocket,
    { peers: () => vtep.speaker.peers(), rib: vtep.rib, view: (what, filters) => vtepView(vtep, () => dp.counters(), what, filters) },
    log,
  );
  metrics?.setPeers(() => vtep.speaker.peers());
  metrics?.setDataplane(vtepMetricsSource(vtep, () => dp.counters()));
  const observe = cfg.metrics && metrics ? new ObserveServer({ listen: cfg.metrics.listen, metrics, show: (req) => control.answer(JSON.stringify(req)), log }) : null;
  try {
    dp.start();
    await control.start();
    await observe?.start();
    await vtep.start();
  } catch (e) {
    err.write(`evpn-vtep run: ${e instanceof Error ? e.message : String(e)}\n`);
    await vtep.stop('startup failed');
    await control.stop();
    await observe?.stop();
    await dp.stop();
    return 1;
  }
  log.info('VTEP running', { vtep: cfg.underlay.address, vnis: cfg.l2vnis.map((v) => v.vni), ports: Object.fromEntries(ports) });
  await untilStopped(signal);
  log.info('shutting down');
  vtep.l2.stop();
  await vtep.stop();
  await control.stop();
  await observe?.stop();
  await dp.stop();
  return 0;
}
