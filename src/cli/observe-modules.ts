import type * as HttpModule from '../observe/http';
import type * as InstrumentModule from '../observe/instrument';
import type * as MetricsModule from '../observe/metrics';

/**
 * The observability modules (Prometheus metrics, the HTTP endpoint, the RIB
 * instrumentation), loaded only when the config has `metrics:`: prom-client
 * alone is ~90 modules and ~10 MiB of a daemon's resident memory, which a
 * VTEP without the endpoint should not carry.
 */
export interface ObserveModules {
  Metrics: typeof MetricsModule.Metrics;
  ObserveServer: typeof HttpModule.ObserveServer;
  instrumentRib: typeof InstrumentModule.instrumentRib;
}

export function loadObserve(): ObserveModules {
  const m = require('../observe/metrics') as typeof MetricsModule;
  const h = require('../observe/http') as typeof HttpModule;
  const i = require('../observe/instrument') as typeof InstrumentModule;
  return { Metrics: m.Metrics, ObserveServer: h.ObserveServer, instrumentRib: i.instrumentRib };
}
