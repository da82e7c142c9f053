/**
 * A raw BGP test peer, run inside a namespace with
 * `ip netns exec NS node --import tsx raw-peer.ts --listen PORT --as N --router-id IP`.
 * It accepts connections (the speaker under test is the active side, so it
 * reconnects by itself after a fault), answers the OPEN with MP-BGP L2VPN
 * EVPN and 4-octet AS, and then does what stdin tells it, one JSON command
 * per line, on the current session:
 *
 *   {"cmd":"announce","routes":[ROUTE...],"attrs":ATTRS}   one UPDATE
 *   {"cmd":"withdraw","routes":[ROUTE...]}                 one UPDATE, MP_UNREACH only
 *   {"cmd":"half-update-rst","routes":[...],"attrs":...}   the first half of an UPDATE, then TCP RST
 *   {"cmd":"exit"}
 *
 * ROUTE: {"type":2,"rd","mac","ip"?,"label1","label2"?} | {"type":3,"rd","originatorIp"}
 *      | {"type":5,"rd","prefix":"P/LEN","label","gatewayIp"?}
 * ATTRS: {"nextHop","rts":[..],"encap"?:8,"routerMac"?,"mobility"?,"pmsi"?:{"label","tunnelId"}}
 *
 * Every event goes to stdout as one JSON line with a wall-clock `t` (ms).
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { Framer } from '../../../src/bgp/framer';
import { macIpRoute, imetRoute, ipPrefixRoute } from '../../../src/bgp/wire/evpn/builders';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { routeTarget, type ExtCommunity } from '../../../src/bgp/wire/ext-community';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { keepaliveBytes } from '../../../src/bgp/wire/keepalive';
import * as open from '../../../src/bgp/wire/open';
import { decodeMessage } from '../../../src/bgp/wire/message';
import { buildUpdate, encode, encodingLength, evpnReach, evpnUnreach, type AttrInit } from '../../../src/bgp/wire/update';
import { DEFAULT_CTX } from '../../../src/bgp/wire/context';

interface RouteSpec {
  type: number;
  rd: string;
  mac?: string;
  ip?: string;
  label1?: number;
  label2?: number;
  originatorIp?: string;
  prefix?: string;
  label?: number;
  gatewayIp?: string;
}

interface AttrSpec {
  nextHop: string;
  rts: string[];
  encap?: number;
  routerMac?: string;
  mobility?: number;
  pmsi?: { label: number; tunnelId: string };
}

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '179' },
    as: { type: 'string' },
    'router-id': { type: 'string' },
    'hold-time': { type: 'string', default: '30' },
  },
});
const myAs = Number(values.as);
const routerId = values['router-id']!;
const holdTime = Number(values['hold-time']);

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, t: performance.timeOrigin + performance.now(), ...fields }) + '\n');
}

function route(s: RouteSpec): EvpnRoute {
  switch (s.type) {
    case 2:
      return macIpRoute({ rd: s.rd, mac: s.mac!, ...(s.ip ? { ip: s.ip } : {}), label1: s.label1!, ...(s.label2 !== undefined ? { label2: s.label2 } : {}) });
    case 3:
      return imetRoute({ rd: s.rd, originatorIp: s.originatorIp! });
    case 5:
      return ipPrefixRoute({ rd: s.rd, prefix: s.prefix!, label: s.label!, ...(s.gatewayIp ? { gatewayIp: s.gatewayIp } : {}) });
    default:
      throw new RangeError(`route type ${s.type} not supported by the raw peer`);
  }
}

function bytes(u: ReturnType<typeof buildUpdate>): Uint8Array {
  const b = new Uint8Array(encodingLength(u, DEFAULT_CTX));
  encode(u, b, 0, DEFAULT_CTX);
  return b;
}

function announce(routes: RouteSpec[], a: AttrSpec): Uint8Array {
  const communities: ExtCommunity[] = a.rts.map((rt) => routeTarget(rt));
  if (a.encap !== undefined) communities.push({ kind: 'encapsulation', tunnelType: a.encap });
  if (a.routerMac) communities.push({ kind: 'router-mac', mac: a.routerMac });
  if (a.mobility !== undefined) communities.push({ kind: 'mac-mobility', flags: 0, seq: a.mobility });
  const attrs: AttrInit[] = [
    { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: [a.nextHop], reserved: 0, nlri: { kind: 'evpn', routes: routes.map((r) => ({ route: route(r) })) } },
    { type: AttrType.ORIGIN, origin: 0 },
    { type: AttrType.AS_PATH, segments: [{ type: 2, asns: [myAs] }] },
    { type: AttrType.EXTENDED_COMMUNITIES, communities },
  ];
  if (a.pmsi) attrs.push({ type: AttrType.PMSI_TUNNEL, tunnelFlags: 0, tunnelType: 6, label: a.pmsi.label, tunnelId: a.pmsi.tunnelId });
  return bytes(buildUpdate({ attributes: attrs }));
}

function withdraw(routes: RouteSpec[]): Uint8Array {
  return bytes(buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: 25, safi: 70, nlri: { kind: 'evpn', routes: routes.map((r) => ({ route: route(r) })) } }] }));
}

let current: net.Socket | null = null;
let conns = 0;

const server = net.createServer((sock) => {
  const conn = ++conns;
  if (current) {
    // One session at a time: a second connection is a collision the test does not need.
    sock.destroy();
    return;
  }
  current = sock;
  sock.setNoDelay(true);
  const framer = new Framer();
  let established = false;
  let ka: NodeJS.Timeout | undefined;
  emit('connected', { conn, remote: sock.remoteAddress });
  const openMsg: open.OpenMessage = {
    version: 4,
    myAs: open.twoOctetAs(myAs),
    holdTime,
    bgpId: routerId,
    capabilities: [{ kind: 'multiprotocol', afi: 25, safi: 70 }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: myAs }],
  };
  const ob = new Uint8Array(open.encodingLength(openMsg));
  open.encode(openMsg, ob, 0);
  sock.write(ob);
  sock.on('data', (chunk: Buffer) => {
    const b = framer.frames(chunk);
    if (b.error) {
      emit('framing-error', { conn, error: b.error.message });
      sock.destroy();
      return;
    }
    for (const m of b.messages) {
      const msg = decodeMessage(m, { ...DEFAULT_CTX, ibgp: false });
      if (msg.type === MsgType.OPEN) {
        sock.write(keepaliveBytes());
        emit('open', { conn, bgpId: msg.open.bgpId, holdTime: msg.open.holdTime });
      } else if (msg.type === MsgType.KEEPALIVE && !established) {
        established = true;
        if (holdTime > 0) ka = setInterval(() => sock.write(keepaliveBytes()), (holdTime / 3) * 1000);
        emit('established', { conn });
      } else if (msg.type === MsgType.UPDATE) {
        emit('update', { conn, reach: evpnReach(msg.update).length, unreach: evpnUnreach(msg.update).length });
      } else if (msg.type === MsgType.NOTIFICATION) {
        emit('notification', { conn, code: msg.notification.code, subcode: msg.notification.subcode });
      }
    }
  });
  const done = (why: string): void => {
    clearInterval(ka);
    if (current === sock) current = null;
    emit('closed', { conn, why });
  };
  sock.on('error', (e) => done(e.message));
  sock.on('close', () => done('close'));
});

server.listen(Number(values.listen), () => emit('listening', { port: Number(values.listen) }));

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const c = JSON.parse(line) as { cmd: string; routes?: RouteSpec[]; attrs?: AttrSpec };
  if (c.cmd === 'exit') {
    current?.destroy();
    server.close();
    emit('exit');
    process.exit(0);
  }
  const sock = current;
  if (!sock) {
    emit('error', { cmd: c.cmd, error: 'no session' });
    return;
  }
  if (c.cmd === 'announce') {
    sock.write(announce(c.routes!, c.attrs!));
    emit('sent', { cmd: c.cmd, routes: c.routes!.length });
  } else if (c.cmd === 'withdraw') {
    sock.write(withdraw(c.routes!));
    emit('sent', { cmd: c.cmd, routes: c.routes!.length });
  } else if (c.cmd === 'half-update-rst') {
    const u = announce(c.routes!, c.attrs!);
    const half = u.subarray(0, Math.floor(u.length / 2));
    sock.write(half, () => {
      emit('sent', { cmd: c.cmd, octets: half.length, of: u.length });
      // Let the half message reach the peer before the reset: RST discards unsent data.
      setTimeout(() => {
        sock.resetAndDestroy();
        emit('reset');
      }, 200);
    });
  } else {
    emit('error', { cmd: c.cmd, error: 'unknown command' });
  }
});
