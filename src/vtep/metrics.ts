import type { CounterSnapshot } from '../dataplane/native';
import { COUNTER_NAMES } from '../dataplane/counters';
import type { DataplaneSource, TrafficSample } from '../observe/metrics';
import type { Vtep } from './vtep';

/** The VTEP's data-plane families for /metrics, read at scrape time from the lock-free counters and the EVPN tables. */
export function vtepMetricsSource(vtep: Vtep, counters: () => CounterSnapshot): DataplaneSource {
  const evis = (): ReturnType<Vtep['importer']['evis']['values']> => vtep.importer.evis.values();
  return {
    traffic: () => {
      const c = counters();
      const out: TrafficSample[] = [];
      for (const [vni, s] of c.vnis) {
        out.push({ vni, port: 'all', direction: 'rx', packets: s.rx_packets, bytes: s.rx_bytes });
        out.push({ vni, port: 'all', direction: 'tx', packets: s.tx_packets, bytes: s.tx_bytes });
      }
      return out;
    },
    drops: () => {
      const c = counters();
      const sets = [...c.ports.values(), c.underlay, c.system];
      return COUNTER_NAMES.filter((n) => n.startsWith('drop_')).map((n) => ({ reason: n.slice(5), packets: sets.reduce((a, s) => a + s[n], 0) }));
    },
    arpAnswered: () => [...counters().vnis].map(([vni, s]) => ({ vni, count: s.arp_suppressed + s.nd_suppressed })),
    macTable: () =>
      [...evis()].map((e) => {
        const t = e.macTable();
        const local = t.filter((m) => m.local).length;
        return { vni: e.vni, local, remote: t.length - local };
      }),
    arpTable: () => [...evis()].map((e) => ({ vni: e.vni, entries: e.arp.size })),
    floodList: () => [...evis()].map((e) => ({ vni: e.vni, vteps: e.floodList().length })),
  };
}
