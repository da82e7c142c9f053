import { toHex } from '../../util/bytes';
import type { Capability } from '../../bgp/wire/capabilities';
import type { Json } from './bgp';

/** A capability as `{name, ...fields}` for JSON and a short name for one-line output. */
export function capabilityView(c: Capability): { name: string } & Record<string, Json> {
  switch (c.kind) {
    case 'multiprotocol':
      return { name: `MP(${c.afi}/${c.safi})`, afi: c.afi, safi: c.safi };
    case 'four-octet-as':
      return { name: `AS4(${c.asn})`, asn: c.asn };
    case 'graceful-restart':
      return {
        name: 'GR',
        restarting: c.restarting,
        notification: c.notification,
        restartTime: c.restartTime,
        families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingPreserved: f.forwardingPreserved })),
      };
    case 'add-path':
      return { name: 'ADD-PATH', families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, sendReceive: f.sendReceive })) };
    case 'llgr':
      return { name: 'LLGR', families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, staleTime: f.staleTime })) };
    case 'fqdn':
      return { name: `FQDN(${c.hostname})`, hostname: c.hostname, domainName: c.domainName };
    case 'extended-next-hop':
      return { name: 'ENH', entries: c.entries.map((e) => ({ afi: e.afi, safi: e.safi, nhAfi: e.nhAfi })) };
    case 'unknown':
      return { name: `cap${c.code}`, code: c.code, hex: toHex(c.value) };
    case 'route-refresh':
      return { name: 'RR' };
    case 'route-refresh-cisco':
      return { name: 'RR-Cisco' };
    case 'enhanced-route-refresh':
      return { name: 'ERR' };
    case 'extended-message':
      return { name: 'ExtMsg' };
  }
}
