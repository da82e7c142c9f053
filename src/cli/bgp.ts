import { loadDaemonConfig, untilStopped, type Out } from './daemon';
import { Speaker } from '../bgp/speaker';
import { ControlServer } from '../control/server';
import { loadObserve } from './observe-modules';
import { Rib } from '../rib/rib';
import { createLogger } from '../util/log';

/**
 * `evpn-vtep bgp --config FILE`: the BGP speaker alone, as a route reflector
 * or route server, with its control socket for `evpn-vtep show`. A config
 * error prints `file:line:col: reason` lines and exits with status 2 before
 * anything starts. SIGINT/SIGTERM shut down gracefully (Cease/Administrative
 * Shutdown to every peer) and exit 0.
 */


export async function runBgp(argv: string[], err: Out, signal?: AbortSignal): Promise<number> {
  const cfg = loadDaemonConfig('bgp', argv, err);
  if (cfg === 2) return 2;
  const log = createLogger({ level: cfg.log.level });
  const rib = new Rib({ asn: cfg.as, routerId: cfg.routerId, clusterId: cfg.routeReflector?.clusterId ?? cfg.routerId });
  // `metrics:` in the config: the speaker gets an instrumented view of the RIB and /metrics + /api/* are served.
  const obs = cfg.metrics ? loadObserve() : null;
  const metrics = obs ? new obs.Metrics() : null;
  const speaker = new Speaker({ config: cfg, rib: obs && metrics ? obs.instrumentRib(rib, metrics) : rib, log });
  const control = new ControlServer(cfg.controlSocket, { peers: () => speaker.peers(), rib, actions: speaker }, log);
  metrics?.setPeers(() => speaker.peers());
  const observe = cfg.metrics && obs && metrics ? new obs.ObserveServer({ listen: cfg.metrics.listen, metrics, show: (req) => control.answer(JSON.stringify(req)), log }) : null;
  try {
    await control.start();
    await observe?.start();
    await speaker.start();
  } catch (e) {
    err.write(`evpn-vtep bgp: ${e instanceof Error ? e.message : String(e)}\n`);
    await speaker.stop('startup failed');
    await control.stop();
    await observe?.stop();
    return 1;
  }
  await untilStopped(signal);
  log.info('shutting down');
  await speaker.stop();
  await control.stop();
  await observe?.stop();
  return 0;
}
