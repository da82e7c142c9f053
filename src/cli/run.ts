import { loadDaemonConfig, untilStopped, type Out } from './daemon';
import type { VtepConfig } from '../config';
import { ControlServer } from '../control/server';
import { createLogger } from '../util/log';
import { openBackend, type BackendKind, type DataplaneBackend } from '../vtep/backend';
import { Vtep } from '../vtep/vtep';
import { vtepView } from '../vtep/views';
import { vtepMetricsSource } from '../vtep/metrics';
import { loadObserve } from './observe-modules';
import type { Rib } from '../rib/rib';

/**
 * `evpn-vtep run --config FILE`: turns this host (or network namespace)
 * into an EVPN VTEP. A config error prints `file:line:col: reason` lines and
 * exits 2 before anything starts. SIGINT/SIGTERM withdraw our routes, send
 * Cease to every peer, stop the packet thread and exit 0.
 */


/** Port index per access interface, in the order the config names them. */
export function accessPorts(cfg: VtepConfig): Map<string, number> {
  const m = new Map<string, number>();
  for (const l2 of cfg.l2vnis) if (!m.has(l2.interface)) m.set(l2.interface, m.size);
  return m;
}

/** `--dataplane native|portable|auto` (default auto: native where the addon loads). */
function takeBackend(argv: string[]): { backend: BackendKind | 'auto'; rest: string[] } | string {
  const i = argv.indexOf('--dataplane');
  if (i < 0) return { backend: 'auto', rest: argv };
  const v = argv[i + 1];
  if (v !== 'native' && v !== 'portable' && v !== 'auto') return `--dataplane takes native, portable or auto, got ${JSON.stringify(v ?? '')}`;
  return { backend: v, rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
}

export async function runVtep(argv: string[], err: Out, signal?: AbortSignal): Promise<number> {
  const b = takeBackend(argv);
  if (typeof b === 'string') {
    err.write(`evpn-vtep run: ${b}\n`);
    return 2;
  }
  const backend = b.backend;
  argv = b.rest;
  const cfg = loadDaemonConfig('run', argv, err);
  if (cfg === 2) return 2;
  const log = createLogger({ level: cfg.log.level });
  const ports = accessPorts(cfg);
  let dp: DataplaneBackend;
  try {
    dp = await openBackend(backend, cfg, ports, log);
  } catch (e) {
    err.write(`evpn-vtep run: data plane: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  // `metrics:` in the config: /metrics and /api/* (the same documents as `show --json`).
  const obs = cfg.metrics ? loadObserve() : null;
  const metrics = obs ? new obs.Metrics() : null;
  const vtep = new Vtep({
    config: cfg,
    dataplane: dp.driver,
    portOf: (i) => ports.get(i)!,
    log,
    ...(obs && metrics ? { instrument: (rib: Rib) => obs.instrumentRib(rib, metrics) } : {}),
  });
  const control = new ControlServer(
    cfg.controlSocket,
    {
      peers: () => vtep.speaker.peers(),
      rib: vtep.rib,
      view: (what, filters) => vtepView(vtep, () => dp.counters(), what, filters),
      capture: (req, sink) => {
        const port = req.port === 'underlay' ? 'underlay' : ports.get(req.port);
        if (port === undefined) throw new Error(`no access port ${req.port}: ${[...ports.keys(), 'underlay'].join(', ')}`);
        return dp.startCapture({ port, ...(req.vni === undefined ? {} : { vni: req.vni }), ...(req.snaplen === undefined ? {} : { snaplen: req.snaplen }) }, sink);
      },
      actions: vtep.speaker,
    },
    log,
  );
  metrics?.setPeers(() => vtep.speaker.peers());
  metrics?.setDataplane(vtepMetricsSource(vtep, () => dp.counters()));
  const observe = cfg.metrics && obs && metrics ? new obs.ObserveServer({ listen: cfg.metrics.listen, metrics, show: (req) => control.answer(JSON.stringify(req)), log }) : null;
  try {
    await dp.start();
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
  log.info('VTEP running', { dataplane: dp.kind, vtep: cfg.underlay.address, vnis: cfg.l2vnis.map((v) => v.vni), ports: Object.fromEntries(ports) });
  await untilStopped(signal);
  log.info('shutting down');
  vtep.l2.stop();
  await vtep.stop();
  await control.stop();
  await observe?.stop();
  await dp.stop();
  return 0;
}
