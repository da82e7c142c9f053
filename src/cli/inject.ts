import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { afiSafiKey } from '../bgp/wire/context';
import { Afi, Safi } from '../bgp/wire/iana';
import { buildEndOfRib, encodeToBytes } from '../bgp/wire/update';
import { formatErrors } from '../config';
import { buildAnnouncements, buildWithdrawals, type SessionFacts } from '../inject/build';
import { FAULTS } from '../inject/faults';
import { replayMessages } from '../inject/replay';
import { InjectorSession } from '../inject/session';
import { loadSpec, type InjectSpec } from '../inject/spec';
import { canonicalIp, isIpv4, isIpv6 } from '../util/ip';

/**
 * `evpn-vtep inject --peer ADDR[:PORT] [options] [FILE.yaml]`: opens a BGP
 * session to a peer and originates the EVPN routes of a route file (see
 * src/inject/spec.ts for the syntax), malformed ones on request, and/or the
 * UPDATEs of an MRT file (`--replay`). The session stays up until Ctrl-C,
 * SIGTERM or `--hold-seconds`, then ends with Cease/Administrative Shutdown.
 *
 * Progress goes to stderr; with --json, one JSON object per event on stdout
 * (established, sent, replayed, withdrawn, notification, closed).
 *
 * Exit status: 0 when we closed the session, 1 when the peer (or the
 * network) did, 2 for usage or route-file errors.
 */

const USAGE = `usage: evpn-vtep inject --peer ADDR[:PORT] [--local-as N] [--peer-as N] [--router-id IP]
         [--local-address IP] [--next-hop IP] [--hold-seconds N] [--replay FILE.mrt [--replay-sent]]
         [--json] [FILE.yaml]
`;

interface Out {
  write(s: string): unknown;
}

function parsePeer(s: string): { host: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  const host = m ? m[1]! : s;
  const port = m ? Number(m[2]) : 179;
  if (!isIpv4(host) && !isIpv6(host)) throw new Error(`--peer: not an IP address: ${host}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--peer: bad port ${port}`);
  return { host: canonicalIp(host), port };
}

function asNumber(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 0xffffffff) throw new Error(`${what}: not an AS number 1..4294967295: ${s}`);
  return Number(s);
}

export async function runInject(argv: string[], out: Out, err: Out, signal?: AbortSignal): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        peer: { type: 'string' },
        'local-as': { type: 'string' },
        'peer-as': { type: 'string' },
        'router-id': { type: 'string' },
        'local-address': { type: 'string' },
        'next-hop': { type: 'string' },
        'hold-seconds': { type: 'string' },
        replay: { type: 'string' },
        'replay-sent': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    err.write(`evpn-vtep inject: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const v = a.values;
  const file = a.positionals[0];
  if (!v.peer || a.positionals.length > 1 || (!file && !v.replay)) {
    err.write(USAGE);
    return 2;
  }
  let peer: { host: string; port: number };
  let localAs: number;
  let peerAs: number | undefined;
  let holdSeconds: number | undefined;
  try {
    peer = parsePeer(v.peer);
    localAs = asNumber(v['local-as'], '--local-as') ?? 65000;
    peerAs = asNumber(v['peer-as'], '--peer-as');
    for (const k of ['router-id', 'local-address', 'next-hop'] as const) {
      const x = v[k];
      if (x !== undefined && !(isIpv4(x) || (k !== 'router-id' && isIpv6(x)))) throw new Error(`--${k}: not an ${k === 'router-id' ? 'IPv4' : 'IP'} address: ${x}`);
    }
    if (v['hold-seconds'] !== undefined) {
      if (!/^\d+(\.\d+)?$/.test(v['hold-seconds'])) throw new Error(`--hold-seconds: not a number: ${v['hold-seconds']}`);
      holdSeconds = Number(v['hold-seconds']);
    }
  } catch (e) {
    err.write(`evpn-vtep inject: ${(e as Error).message}\n`);
    return 2;
  }

  let spec: InjectSpec = { routes: [], malformed: [] };
  if (file) {
    const loaded = loadSpec(file);
    if (!loaded.ok) {
      err.write(formatErrors(loaded.errors) + '\n');
      return 2;
    }
    spec = loaded.config;
  }
  let replayBytes: Uint8Array | undefined;
  if (v.replay) {
    try {
      replayBytes = readFileSync(v.replay);
    } catch (e) {
      err.write(`evpn-vtep inject: ${v.replay}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  const event = (name: string, fields: Record<string, unknown>, text: string): void => {
    if (v.json) out.write(JSON.stringify({ event: name, ...fields }) + '\n');
    err.write(`inject: ${text}\n`);
  };

  // Offer IPv4 unicast too when replaying: a dump may hold it. The peer keeps only what it has configured.
  const families = [{ afi: Afi.L2VPN, safi: Safi.EVPN }, ...(replayBytes ? [{ afi: Afi.IPV4, safi: Safi.UNICAST }] : [])];
  const routerId = v['router-id'];
  const session = new InjectorSession({
    host: peer.host,
    port: peer.port,
    localAs,
    routerId: routerId ?? (v['local-address'] && isIpv4(v['local-address']) ? v['local-address'] : '192.0.2.255'),
    families,
    ...(v['local-address'] ? { localAddress: v['local-address'] } : {}),
  });
  session.on('notification', (n: { code: number; subcode: number; name: string; data: string }) =>
    event('notification', n, `peer sent NOTIFICATION ${n.code}/${n.subcode} (${n.name})${n.data ? ` data ${n.data}` : ''}`),
  );
  let closedByPeer: string | null = null;
  const closed = new Promise<void>((resolve) =>
    session.once('closed', (why: string) => {
      if (why !== 'closed by us') closedByPeer = why;
      resolve();
    }),
  );

  let neg;
  try {
    neg = await session.connect();
  } catch (e) {
    event('closed', { reason: (e as Error).message }, (e as Error).message);
    return 1;
  }
  if (peerAs !== undefined && neg.peerAs !== peerAs) {
    session.close(`expected AS ${peerAs}`);
    event('closed', { reason: `peer AS ${neg.peerAs}, expected ${peerAs}` }, `peer AS is ${neg.peerAs}, not ${peerAs}: closing`);
    return 1;
  }
  const fams = new Set(neg.families.map((f) => afiSafiKey(f.afi, f.safi)));
  event(
    'established',
    { peer: peer.host, peerAs: neg.peerAs, peerBgpId: neg.peerBgpId, localAddress: session.localAddress, families: [...fams], holdTime: neg.holdTime },
    `established with ${peer.host} AS ${neg.peerAs} (${[...fams].join(', ')}) from ${session.localAddress}`,
  );
  const facts: SessionFacts = {
    localAs,
    peerAs: neg.peerAs,
    defaultNextHop: v['next-hop'] ?? session.localAddress,
    ctx: { fourOctetAs: neg.fourOctetAs, extendedMessage: neg.extendedMessage, addPathRx: new Set() },
  };

  const stop = new Promise<string>((resolve) => {
    const done = (why: string) => (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(why);
    };
    const onInt = done('interrupted');
    const onTerm = done('terminated');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    signal?.addEventListener('abort', done('aborted'), { once: true });
    if (holdSeconds !== undefined) setTimeout(done(`held ${holdSeconds} s`), holdSeconds * 1000).unref();
    void closed.then(done('session closed'));
  });

  try {
    if (spec.routes.length && !fams.has(afiSafiKey(Afi.L2VPN, Safi.EVPN))) throw new Error('the peer did not negotiate L2VPN EVPN: nothing to send');
    const msgs = spec.routes.length ? buildAnnouncements(spec, facts) : [];
    await session.send(msgs.map((m) => m.bytes));
    if (spec.routes.length) {
      const malformed = spec.malformed.map((f) => ({ route: f.route, line: spec.routes[f.route]?.line, fault: f.fault, rfc: FAULTS[f.fault].rfc, expect: FAULTS[f.fault].action }));
      event(
        'sent',
        { updates: msgs.length, routes: spec.routes.length, malformed },
        `sent ${spec.routes.length} route(s) in ${msgs.length} UPDATE(s)${malformed.length ? `, ${malformed.length} malformed: ${malformed.map((m) => `#${m.route} ${m.fault} (${m.rfc}: ${m.expect})`).join(', ')}` : ''}`,
      );
    }
    if (replayBytes) {
      const r = replayMessages(replayBytes, facts, { families: fams, includeSent: v['replay-sent'] });
      await session.send(r.messages);
      event('replayed', { records: r.records, updates: r.messages.length, skipped: r.skipped }, `replayed ${r.messages.length} UPDATE(s) from ${r.records} MRT record(s), ${r.skipped.length} skipped`);
      for (const s of r.skipped.slice(0, 10)) err.write(`inject:   skipped record at offset ${s.offset}: ${s.reason}\n`);
    }
    // RFC 4724 §2: the initial update is complete.
    await session.send(neg.families.map((f) => encodeToBytes(buildEndOfRib(f.afi, f.safi), facts.ctx)));
    if (spec.withdrawAfterMs !== undefined && spec.routes.length) {
      const ms = spec.withdrawAfterMs;
      const bad = new Set(spec.malformed.map((f) => f.route));
      const good = spec.routes.map((_, i) => i).filter((i) => !bad.has(i));
      const timer = setTimeout(() => {
        if (!session.established) return;
        const w = buildWithdrawals(spec, good, facts);
        void session.send(w.map((m) => m.bytes)).then(() => event('withdrawn', { routes: good.length, updates: w.length }, `withdrew ${good.length} route(s) after ${ms} ms`));
      }, ms);
      void stop.then(() => clearTimeout(timer));
    }
  } catch (e) {
    if (!closedByPeer) {
      session.close('inject failed');
      event('closed', { reason: (e as Error).message }, (e as Error).message);
      return 1;
    }
  }

  const why = await stop;
  if (closedByPeer) {
    event('closed', { reason: closedByPeer, updatesReceived: session.updatesReceived }, `session ended: ${closedByPeer}`);
    return 1;
  }
  session.close(`evpn-vtep inject: ${why}`);
  await closed;
  event('closed', { reason: why, updatesReceived: session.updatesReceived }, `closed (${why}); ${session.updatesReceived} UPDATE(s) received from the peer`);
  return 0;
}
