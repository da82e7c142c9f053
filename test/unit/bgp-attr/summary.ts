import { isUnknownAttr, type PathAttribute } from '../../../src/bgp/wire/attributes/index';
import { ORIGIN_NAMES } from '../../../src/bgp/wire/attributes/origin';
import { formatAsPath } from '../../../src/bgp/wire/attributes/as-path';
import { formatExtCommunity } from '../../../src/bgp/wire/ext-community';
import type { EvpnNlri, RouteDistinguisher } from '../../../src/bgp/wire/evpn/types';
import { AttrType } from '../../../src/bgp/wire/iana';
import { isEndOfRib, type Update } from '../../../src/bgp/wire/update';

/*
 * TEST-ONLY: renders a decoded UPDATE in the notation of the shared README's
 * message listing, so the golden test compares against the independent
 * decoder's output line by line. Written from the value types alone.
 */

function rd(r: RouteDistinguisher): string {
  return 'raw' in r ? `raw-${r.type}` : `${r.admin}:${r.assigned}`;
}

function esi(e: string): string {
  return /^[0:]+$/.test(e) ? '0' : e;
}

export function formatNlri(sign: '+' | '-', n: EvpnNlri): string {
  const r = n.route;
  if ('unknown' in r) return `${sign} type-${r.routeType} unknown`;
  switch (r.routeType) {
    case 1:
      return `${sign} type-1 EAD RD ${rd(r.rd)} ESI ${esi(r.esi)} etag ${r.ethTag} label ${r.label}`;
    case 2:
      return (
        `${sign} type-2 MAC/IP RD ${rd(r.rd)} ESI ${esi(r.esi)} etag ${r.ethTag} MAC ${r.mac} IP ${r.ip ?? '-'} label1 ${r.label1}` +
        (r.label2 === undefined ? '' : ` label2 ${r.label2}`)
      );
    case 3:
      return `${sign} type-3 IMET RD ${rd(r.rd)} etag ${r.ethTag} orig ${r.originatorIp}`;
    case 4:
      return `${sign} type-4 ES RD ${rd(r.rd)} ESI ${esi(r.esi)} orig ${r.originatorIp}`;
    case 5:
      return `${sign} type-5 IP-Prefix RD ${rd(r.rd)} ESI ${esi(r.esi)} etag ${r.ethTag} prefix ${r.prefix}/${r.prefixLength} gw ${r.gatewayIp} label ${r.label}`;
  }
}

function attr(a: PathAttribute): string {
  if (isUnknownAttr(a)) return `ATTR${a.type}`;
  switch (a.type) {
    case AttrType.MP_REACH_NLRI:
      return `MP_REACH(${a.afi}/${a.safi} nh ${Array.isArray(a.nextHop) ? a.nextHop.join(',') : 'raw'})`;
    case AttrType.MP_UNREACH_NLRI:
      return `MP_UNREACH(${a.afi}/${a.safi})`;
    case AttrType.ORIGIN:
      return `ORIGIN=${ORIGIN_NAMES[a.origin]}`;
    case AttrType.AS_PATH:
      return `AS_PATH=[${formatAsPath(a.segments)}]`;
    case AttrType.MULTI_EXIT_DISC:
      return `MED=${a.med}`;
    case AttrType.LOCAL_PREF:
      return `LOCAL_PREF=${a.localPref}`;
    case AttrType.EXTENDED_COMMUNITIES:
      return `EXTCOMM=${a.communities.map(formatExtCommunity).join(' ')}`;
    case AttrType.PMSI_TUNNEL:
      return `PMSI=flags ${a.tunnelFlags} type ${a.tunnelType} label ${a.label} id ${typeof a.tunnelId === 'string' ? a.tunnelId : 'raw'}`;
    default:
      return `ATTR${a.type}`;
  }
}

export function summarize(u: Update): { line: string; nlri: string[] } {
  const eor = isEndOfRib(u);
  if (eor) return { line: eor.afi === 25 && eor.safi === 70 ? 'UPDATE End-of-RIB (L2VPN EVPN)' : `UPDATE End-of-RIB (${eor.afi}/${eor.safi})`, nlri: [] };
  const nlri: string[] = [];
  for (const a of u.attributes) {
    if (isUnknownAttr(a)) continue;
    if (a.type === AttrType.MP_REACH_NLRI && a.nlri.kind === 'evpn') nlri.push(...a.nlri.routes.map((n) => formatNlri('+', n)));
    if (a.type === AttrType.MP_UNREACH_NLRI && a.nlri.kind === 'evpn') nlri.push(...a.nlri.routes.map((n) => formatNlri('-', n)));
  }
  return { line: `UPDATE ${u.attributes.map(attr).join(' ')}`, nlri };
}
