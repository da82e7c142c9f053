import type { ViewFilter, ViewRow, VtepView } from '../control/protocol';
import type { CounterSnapshot } from '../dataplane/native';
import { nonZero } from '../dataplane/counters';
import { rdToString } from '../bgp/wire/evpn/rd';
import { formatRouteTarget } from '../bgp/wire/ext-community';
import type { Vtep } from './vtep';

/**
 * The tables behind `evpn-vtep show macs|arp|vteps|vnis|counters|vrfs` and
 * `show routes --vrf NAME` (view `vrf-routes`): plain rows, the same for
 * `--json` and the human table.
 */
export function vtepView(vtep: Vtep, counters: () => CounterSnapshot, what: VtepView, filters: ViewFilter): ViewRow[] {
  const evis = [...vtep.importer.evis.values()].filter((e) => filters.vni === undefined || e.vni === filters.vni);
  switch (what) {
    case 'macs': {
      const local = new Map(vtep.l2.localHosts().map((h) => [`${h.vni}/${h.mac}`, h]));
      return evis.flatMap((e) =>
        e.macTable().map((m) => {
          const l = local.get(`${e.vni}/${m.mac}`);
          return {
            vni: e.vni,
            mac: m.mac,
            type: m.local ? 'local' : 'remote',
            where: m.local ? `port ${l?.port ?? '?'}` : m.vtep,
            seq: m.seq,
            sticky: m.sticky,
            claims: m.claims,
            ...(l ? { frozen: l.frozen, probing: l.probing } : {}),
          };
        }),
      );
    }
    case 'arp':
      return evis.flatMap((e) => [...e.arp].map(([ip, mac]) => ({ vni: e.vni, ip, mac, where: e.lookupMac(mac)?.local ? 'local' : (e.lookupMac(mac)?.vtep ?? '?') })));
    case 'vteps': {
      const idx = vtep.programmer.vteps();
      const rows: ViewRow[] = [];
      for (const e of evis) for (const ip of e.floodList()) rows.push({ vni: e.vni, vtep: ip, index: idx.get(ip) ?? null, flood: true, macs: e.macTable().filter((m) => !m.local && m.vtep === ip).length });
      return rows;
    }
    case 'vnis': {
      const c = counters();
      return vtep.l2.services().filter((s) => filters.vni === undefined || s.vni === filters.vni).map((s) => {
        const e = vtep.importer.evis.get(s.vni);
        const vc = c.vnis.get(s.vni);
        return {
          vni: s.vni,
          port: s.port,
          vlan: s.vid || null,
          rd: rdToString(s.origin.rd),
          export: s.origin.exportRts.map(formatRouteTarget).join(' '),
          import: (e?.importRts ?? []).join(' '),
          macs: e?.macCount ?? 0,
          arp: e?.arp.size ?? 0,
          vteps: e?.floodList().length ?? 0,
          arpSuppressed: vc?.arp_suppressed ?? 0,
        };
      });
    }
    case 'vrfs':
      return vtep.l3
        .list()
        .filter(({ tenant }) => filters.vrf === undefined || tenant.name === filters.vrf)
        .map(({ tenant, vrf, programmed }) => {
          const c = vrf.counts();
          return {
            vrf: tenant.name,
            l3vni: tenant.origin.l3vni,
            routerMac: tenant.origin.routerMac,
            rd: rdToString(tenant.origin.rd),
            export: tenant.origin.exportRts.map(formatRouteTarget).join(' '),
            import: tenant.importRts.join(' '),
            l2vnis: tenant.vnis.map((v) => v.vni).join(' '),
            advertised: tenant.prefixes.length,
            type5: c.type5,
            hosts: c.type2,
            usable: programmed,
          };
        });
    case 'vrf-routes': {
      // An unknown VRF has no routes; the CLI checks the name against `vrfs` first to say so.
      return vtep.l3.routes(filters.vrf ?? '').map((r) => ({
        vrf: r.vrf,
        prefix: r.prefix,
        nextHop: r.nextHop,
        routerMac: r.routerMac,
        l3vni: r.l3vni,
        source: r.source,
        best: r.best,
        usable: r.usable,
        ...(r.gatewayIp === undefined ? {} : { gatewayIp: r.gatewayIp }),
      }));
    }
    case 'counters': {
      const c = counters();
      const rows: ViewRow[] = [];
      const add = (scope: string, set: Record<string, number> | undefined): void => {
        if (!set) return;
        for (const [name, value] of Object.entries(nonZero(set as never))) rows.push({ scope, counter: name, value });
      };
      for (const [vni, set] of c.vnis) if (filters.vni === undefined || vni === filters.vni) add(`vni ${vni}`, set);
      if (filters.vni === undefined) {
        for (const [port, set] of c.ports) add(`port ${port}`, set);
        add('underlay', c.underlay);
        add('system', c.system);
        for (const [name, value] of Object.entries(vtep.l2.counters)) rows.push({ scope: 'evpn', counter: name, value });
        for (const [name, value] of Object.entries(vtep.l3.counters)) if (value) rows.push({ scope: 'l3', counter: name, value });
      }
      return rows;
    }
  }
}

