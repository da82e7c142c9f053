import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultFlags, type PathAttribute } from '../bgp/wire/attributes/index';
import { formatPrefix } from '../bgp/wire/prefix';
import { AttrType, MsgType } from '../bgp/wire/iana';
import { BgpError } from '../bgp/wire/errors';
import { isLocalSubtype } from '../mrt/bgp4mp';
import { MRT_STATE_NAMES, recordTypeName } from '../mrt/constants';
import { bgpMessageOf, readRecords } from '../mrt/reader';
import type { MrtRecord } from '../mrt/record';
import { toHex } from '../util/bytes';
import { DecodeError } from '../util/errors';
import { messageLine, messageView, routeLine, updateView, type EvpnRouteView, type Json } from './views/bgp';

/**
 * `evpn-vtep mrt FILE.mrt [--json]`: every record of an MRT file (RFC 6396),
 * one per line (or one JSON object per line), BGP messages and RIB entries
 * shown with the same views as `decode`. A malformed record is reported
 * and reading goes on at the next one; the exit status is then 1.
 */

const USAGE = 'usage: evpn-vtep mrt FILE.mrt [--json]\n';

interface Out {
  write(s: string): unknown;
}

function time(rec: MrtRecord): string {
  const iso = new Date(rec.timestamp * 1000).toISOString().replace('.000Z', '');
  return rec.microseconds === undefined ? `${iso}Z` : `${iso}.${String(rec.microseconds).padStart(6, '0')}Z`;
}

/** A RIB entry shown as an UPDATE announcing the record's route, so the UPDATE views apply. */
function entryView(rec: MrtRecord, attrs: PathAttribute[]): Record<string, Json> {
  if (rec.body.kind !== 'rib') return {};
  const rib = rec.body.rib;
  const withRoute = attrs.map((a) => {
    if (a.type !== AttrType.MP_REACH_NLRI || !('nlri' in a) || rib.nlri.kind !== 'evpn') return a;
    return { ...a, nlri: { kind: 'evpn' as const, routes: [{ route: rib.nlri.route }] } };
  });
  if (rib.nlri.kind === 'evpn' && !withRoute.some((a) => a.type === AttrType.MP_REACH_NLRI)) {
    withRoute.unshift({ type: AttrType.MP_REACH_NLRI, flags: defaultFlags(14), afi: 25, safi: 70, nextHop: [], reserved: 0, nlri: { kind: 'evpn', routes: [{ route: rib.nlri.route }] } } as PathAttribute);
  }
  return updateView({ withdrawn: [], attributes: withRoute, nlri: [], faults: [], action: 0 });
}

export function recordView(rec: MrtRecord): { json: Record<string, Json>; line: string } {
  const head = { time: time(rec), type: recordTypeName(rec.type, rec.subtype) };
  const b = rec.body;
  switch (b.kind) {
    case 'peer-index-table': {
      const peers = b.table.peers.map((p, i) => ({ index: i, bgpId: p.bgpId, address: p.address, as: p.asn }));
      return {
        json: { ...head, collectorBgpId: b.table.collectorBgpId, viewName: b.table.viewName, peers },
        line: `collector ${b.table.collectorBgpId}${b.table.viewName ? ` view "${b.table.viewName}"` : ''}, ${peers.length} peer(s): ${peers.map((p) => `#${p.index} ${p.address} AS ${p.as}`).join(', ')}`,
      };
    }
    case 'rib': {
      const r = b.rib;
      const entries = r.entries.map((e) => {
        const v = entryView(rec, e.attributes);
        const o: Record<string, Json> = { peerIndex: e.peerIndex, originatedTime: e.originatedTime, ...v };
        if (e.pathId !== undefined) o.pathId = e.pathId;
        if (e.faults) o.faults = e.faults;
        return o;
      });
      const what = r.nlri.kind === 'prefix' ? formatPrefix(r.nlri.prefix) : r.nlri.kind === 'raw' ? `AFI ${r.afi} SAFI ${r.safi} (not interpreted)` : '';
      const routes = entries.map((e) => {
        const rv = ((e.routes ?? []) as unknown as EvpnRouteView[])[0];
        const nh = rv?.nextHop ? ` nh ${rv.nextHop}` : '';
        return `\n        peer #${String(e.peerIndex)}${nh} ${rv ? routeLine(rv) : what} ${rv?.routeTargets?.length ? `RT ${rv.routeTargets.join(',')}` : ''}`.trimEnd();
      });
      return { json: { ...head, sequence: r.sequence, afi: r.afi, safi: r.safi, ...(what ? { prefix: what } : {}), entries }, line: `#${r.sequence} ${r.entries.length} path(s) ${what}${routes.join('')}` };
    }
    case 'bgp4mp-state-change': {
      const c = b.change;
      const from = MRT_STATE_NAMES[c.oldState] ?? String(c.oldState);
      const to = MRT_STATE_NAMES[c.newState] ?? String(c.newState);
      return {
        json: { ...head, peer: c.peerIp, peerAs: c.peerAs, local: c.localIp, localAs: c.localAs, oldState: from, newState: to },
        line: `${c.peerIp} AS ${c.peerAs}: ${from} -> ${to}`,
      };
    }
    case 'bgp4mp-message': {
      const m = b.message;
      const dir = isLocalSubtype(rec.subtype) ? `${m.localIp} -> ${m.peerIp}` : `${m.peerIp} -> ${m.localIp}`;
      const base = { ...head, peer: m.peerIp, peerAs: m.peerAs, local: m.localIp, localAs: m.localAs };
      try {
        const msg = bgpMessageOf(m, rec.subtype);
        return { json: { ...base, message: messageView(msg) }, line: `${dir}  ${messageLine(msg)}` };
      } catch (e) {
        if (!(e instanceof BgpError) && !(e instanceof DecodeError)) throw e;
        const type = m.message[18] ?? -1;
        return { json: { ...base, error: e.message, bytes: toHex(m.message) }, line: `${dir}  ${type === MsgType.UPDATE ? 'UPDATE' : 'message'} error: ${e.message}` };
      }
    }
    case 'raw':
      return { json: { ...head, bytes: toHex(b.raw) }, line: `${b.raw.length} octet(s), not interpreted` };
  }
}

export async function runMrt(argv: string[], out: Out, err: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  } catch (e) {
    err.write(`evpn-vtep mrt: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    err.write(USAGE);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    err.write(`evpn-vtep mrt: ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  let bad = 0;
  for (const item of readRecords(bytes)) {
    if ('error' in item) {
      bad++;
      if (parsed.values.json) out.write(JSON.stringify({ offset: item.offset, error: item.error.message }) + '\n');
      else out.write(`${String(item.offset).padStart(8)} error: ${item.error.message}\n`);
      continue;
    }
    const v = recordView(item.record);
    if (parsed.values.json) out.write(JSON.stringify({ offset: item.offset, ...v.json }) + '\n');
    else out.write(`${String(item.offset).padStart(8)} ${String(v.json.time)} ${String(v.json.type)}  ${v.line}\n`);
  }
  return bad ? 1 : 0;
}
