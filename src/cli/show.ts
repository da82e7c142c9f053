import type { PeerStatus } from '../bgp/session';
import { request } from '../control/client';
import { VTEP_VIEWS, type ControlRequest, type RouteFilter, type RouteRow, type ViewRow, type VtepView } from '../control/protocol';
import { DEFAULTS } from '../config/schema';
import { parseCommandArgs } from './args';

/**
 * `evpn-vtep show peers|routes [--type 2|3|5] [--vni N] [--json] [--socket PATH]`,
 * `show routes --vrf NAME` (a tenant's prefix table) and `show vrfs`:
 * asks a running speaker over its control socket and prints aligned tables
 * (colour only on a terminal) or the JSON it got.
 */

const USAGE = `usage: evpn-vtep show peers [--json] [--socket PATH]
       evpn-vtep show routes [--type 1..5] [--vni N] [--json] [--socket PATH]
       evpn-vtep show routes --vrf NAME [--json] [--socket PATH]              (a tenant's prefix table)
       evpn-vtep show macs|arp|vteps|vnis|counters [--vni N] [--json] [--socket PATH]   (a VTEP: evpn-vtep run)
       evpn-vtep show vrfs [--vrf NAME] [--json] [--socket PATH]
`;

/** Views the operator names on the command line (`vrf-routes` is reached as `routes --vrf NAME`). */
const CLI_VIEWS: readonly string[] = VTEP_VIEWS.filter((v) => v !== 'vrf-routes');

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

export async function runShow(argv: string[], out: Out, err: Out): Promise<number> {
  const parsed = parseCommandArgs(
    'show',
    {
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        socket: { type: 'string' },
        type: { type: 'string' },
        vni: { type: 'string' },
        vrf: { type: 'string' },
      },
    },
    err,
    USAGE,
  );
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  const what = positionals[0];
  const isView = what !== undefined && CLI_VIEWS.includes(what);
  if ((what !== 'peers' && what !== 'routes' && !isView) || positionals.length > 1) {
    err.write(USAGE);
    return 2;
  }
  let req: ControlRequest;
  if (values.vrf !== undefined && (values.vrf.length === 0 || values.vrf.length > 64)) {
    err.write(`evpn-vtep show: --vrf needs a VRF name\n`);
    return 2;
  }
  if (values.vrf !== undefined && what !== 'routes' && what !== 'vrfs') {
    err.write(`evpn-vtep show: --vrf applies to routes and vrfs\n${USAGE}`);
    return 2;
  }
  if (what === 'routes' && values.vrf !== undefined) {
    if (values.type !== undefined || values.vni !== undefined) {
      err.write(`evpn-vtep show: --type and --vni do not apply to a VRF's routes\n${USAGE}`);
      return 2;
    }
    req = { cmd: 'show', what: 'vrf-routes', filters: { vrf: values.vrf } };
  } else if (isView) {
    if (values.type !== undefined) {
      err.write(`evpn-vtep show: --type applies to routes\n${USAGE}`);
      return 2;
    }
    const v = values.vni === undefined ? undefined : Number(values.vni);
    if (values.vni !== undefined && (!/^\d+$/.test(values.vni) || v! > 0xffffff)) {
      err.write(`evpn-vtep show: --vni must be 0..16777215, got "${values.vni}"\n`);
      return 2;
    }
    const filters = { ...(v === undefined ? {} : { vni: v }), ...(values.vrf === undefined ? {} : { vrf: values.vrf }) };
    req = { cmd: 'show', what: what as VtepView, ...(Object.keys(filters).length ? { filters } : {}) };
  } else if (what === 'peers') {
    if (values.type !== undefined || values.vni !== undefined) {
      err.write(`evpn-vtep show: --type and --vni apply to routes\n${USAGE}`);
      return 2;
    }
    req = { cmd: 'show', what: 'peers' };
  } else {
    const filters: RouteFilter = {};
    if (values.type !== undefined) {
      if (!/^[1-5]$/.test(values.type)) {
        err.write(`evpn-vtep show: --type must be an EVPN route type 1..5, got "${values.type}"\n`);
        return 2;
      }
      filters.type = Number(values.type);
    }
    if (values.vni !== undefined) {
      const v = Number(values.vni);
      if (!/^\d+$/.test(values.vni) || v > 0xffffff) {
        err.write(`evpn-vtep show: --vni must be 0..16777215, got "${values.vni}"\n`);
        return 2;
      }
      filters.vni = v;
    }
    req = { cmd: 'show', what: 'routes', filters };
  }
  const socketPath = values.socket ?? process.env.EVPN_VTEP_SOCKET ?? DEFAULTS.controlSocket;
  let res;
  try {
    res = await request(socketPath, req);
  } catch (e) {
    err.write(`evpn-vtep show: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (!res.ok) {
    err.write(`evpn-vtep show: ${res.error}\n`);
    return 1;
  }
  if (req.what === 'vrf-routes' || (req.what === 'vrfs' && values.vrf !== undefined)) {
    // An unknown VRF is an empty table to the server: say which names exist instead.
    const known = await knownVrfs(socketPath, req.what === 'vrfs' && 'rows' in res ? res.rows : null);
    if (known !== null && !known.includes(values.vrf!)) {
      err.write(`evpn-vtep show: no VRF "${values.vrf}"${known.length ? `; vrfs: ${known.join(', ')}` : ' (none configured)'}\n`);
      return 1;
    }
  }
  if (values.json) {
    out.write(JSON.stringify('peers' in res ? res.peers : 'routes' in res ? res.routes : res.rows, null, 2) + '\n');
    return 0;
  }
  const colour = out.isTTY === true;
  out.write('peers' in res ? peersTable(res.peers, colour) : 'routes' in res ? routesTable(res.routes, colour) : rowsTable(res.rows, colour));
  return 0;
}

/** The VRF names of the VTEP (from rows already fetched, or asked for); null if it cannot tell. */
async function knownVrfs(socketPath: string, rows: ViewRow[] | null): Promise<string[] | null> {
  if (rows !== null && rows.length > 0) return rows.map((r) => String(r.vrf));
  try {
    const all = await request(socketPath, { cmd: 'show', what: 'vrfs' });
    return all.ok && 'rows' in all ? all.rows.map((r) => String(r.vrf)) : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------ formatting

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

/** FRR-style elapsed time: 00:01:23 under a day, then 1d02h03m, then 3w2d04h. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const p = (n: number): string => String(n).padStart(2, '0');
  if (d === 0) return `${p(h)}:${p(m)}:${p(s % 60)}`;
  if (d < 7) return `${d}d${p(h)}h${p(m)}m`;
  return `${Math.floor(d / 7)}w${d % 7}d${p(h)}h`;
}

interface Cell {
  text: string;
  colour?: string;
}

/** Left-aligned columns separated by two spaces; numbers right-aligned. */
export function table(header: string[], rows: Cell[][], colour: boolean, numeric: ReadonlySet<number> = new Set()): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: Cell[]): string =>
    cells
      .map((c, i) => {
        const padded = numeric.has(i) ? c.text.padStart(width[i]!) : i === cells.length - 1 ? c.text : c.text.padEnd(width[i]!);
        return colour && c.colour ? `${c.colour}${padded}${RESET}` : padded;
      })
      .join('  ')
      .trimEnd() + '\n';
  return line(header.map((text) => ({ text }))) + rows.map(line).join('');
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

export function peersTable(peers: PeerStatus[], colour: boolean): string {
  if (peers.length === 0) return 'No neighbors configured.\n';
  const rows = peers.map((p): Cell[] => {
    const up = p.state === 'Established';
    const time = p.uptimeMs !== undefined ? formatDuration(p.uptimeMs) : p.downtimeMs !== undefined ? formatDuration(p.downtimeMs) : 'never';
    return [
      { text: p.address },
      { text: String(p.remoteAs) },
      { text: p.ibgp ? (p.routeReflectorClient ? 'iBGP-RRC' : 'iBGP') : 'eBGP' },
      { text: p.state + (p.passive && !up ? ' (passive)' : ''), colour: up ? GREEN : p.state === 'Idle' ? RED : YELLOW },
      { text: time },
      { text: String(sum(p.messagesIn)) },
      { text: String(sum(p.messagesOut)) },
      { text: String(p.prefixesReceived) },
      { text: String(p.prefixesSent) },
      { text: p.hostname ?? p.description ?? '' },
      { text: p.lastError ?? '', colour: RED },
    ];
  });
  return table(['Neighbor', 'AS', 'Type', 'State', 'Up/Down', 'MsgRcvd', 'MsgSent', 'PfxRcd', 'PfxSnt', 'Name', 'Last error'], rows, colour, new Set([1, 5, 6, 7, 8]));
}

/** A VTEP table: columns from the rows' keys, numbers right-aligned. */
export function rowsTable(rows: ViewRow[], colour: boolean): string {
  if (rows.length === 0) return 'Nothing to show.\n';
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const numeric = new Set(keys.map((k, i) => (rows.every((r) => typeof r[k] === 'number' || r[k] === undefined) ? i : -1)).filter((i) => i >= 0));
  const cells = rows.map((r): Cell[] => keys.map((k) => ({ text: r[k] === undefined || r[k] === null ? '' : String(r[k]) })));
  return table(keys, cells, colour, numeric) + `\n${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}\n`;
}

export function routesTable(routes: RouteRow[], colour: boolean): string {
  if (routes.length === 0) return 'No routes.\n';
  const rows = routes.map((r): Cell[] => [
    { text: r.best ? '*>' : '* ', colour: r.best ? GREEN : '' },
    { text: String(r.type) },
    { text: r.rd },
    { text: r.prefix },
    { text: r.vni === undefined ? '' : String(r.vni) },
    { text: r.nextHop ?? '' },
    { text: r.from },
    { text: r.mobilitySeq === undefined ? '' : `${r.mobilitySeq}${r.sticky ? ' sticky' : ''}` },
    { text: r.routeTargets.join(' ') },
  ]);
  const best = routes.filter((r) => r.best).length;
  return (
    table(['', 'Type', 'RD', 'Route', 'VNI', 'Next hop', 'From', 'Seq', 'Route targets'], rows, colour, new Set([1, 4])) +
    `\n${routes.length} path${routes.length === 1 ? '' : 's'}, ${best} best\n`
  );
}
