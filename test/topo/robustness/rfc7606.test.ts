import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpdateCtx } from '../../../src/bgp/wire/attributes/index';
import { Action, ACTION_NAMES } from '../../../src/bgp/wire/errors';
import { Afi, Safi } from '../../../src/bgp/wire/iana';
import { decode, evpnReach, evpnUnreach } from '../../../src/bgp/wire/update';
import { Reader } from '../../../src/util/reader';
import { EBGP, IBGP, OLD_IBGP, RFC7606_CASES, type Rfc7606Case } from '../../support/rfc7606-cases';
import { RawPeer } from '../../support/raw-peer';
import { requireRoot } from '../../support/root';
import { poll, VtepProcess } from '../../support/vtep-process';
import { CORPUS_IMET, LivePeer, macRoutes, printTally, routeKeyOf, RzLab, type Tally } from './support';

/*
 * RFC 7606 over a real session: every case of the shared corpus
 * (test/support/rfc7606-cases.ts) is sent by a raw peer to one running
 * `evpn-vtep bgp` process, and the action is checked from the outside only
 * (what the peer receives, `show peers`, `show routes`):
 *
 *   session-reset      NOTIFICATION 3/<subcode> arrives, the connection
 *                      closes, the peer's routes leave the RIB; the peer
 *                      reconnects and everything comes back;
 *   afi-safi-disable   as session.ts implements it (RFC 7606 §2 with RFC
 *                      4760 §7): the session stays up, the family leaves
 *                      `families` in show peers, the peer's routes are
 *                      dropped and ROUTE-REFRESH asks for the other families
 *                      (when the broken family is EVPN nothing comes back
 *                      until the session is restarted); RFC 7606 §5.3 allows
 *                      this or a session reset;
 *   treat-as-withdraw  the routes of that UPDATE are gone, every other route
 *                      stays, the session stays up;
 *   attribute-discard  the route is installed (new next hop) without the
 *                      attribute; none the same.
 *
 * Three peers cover the corpus' contexts: iBGP with 4-octet ASNs, eBGP, and
 * iBGP from a 2-octet-only speaker. IPv4 unicast cases run in their EVPN
 * form (`live`) so that their outcome is visible in the RIB; the few that
 * only exist as IPv4 (NEXT_HOP, IPv4 NLRI field faults) are checked with the
 * prefixesReceived/prefixesAccepted counters of show peers.
 */

const ROOT = requireRoot('robustness/rfc7606');
const PRE_NH = '10.77.0.1';
/** The next hop of MP_REACH_EVPN in the corpus. */
const CORPUS_NH = '10.98.0.1';
const EVPN_KEY = `${Afi.L2VPN}/${Safi.EVPN}`;

type Role = 'ibgp' | 'ebgp' | 'as2';

function roleOf(c: Rfc7606Case): Role | null {
  if (!c.ctx || c.ctx === IBGP) return 'ibgp';
  if (c.ctx === EBGP) return 'ebgp';
  if (c.ctx === OLD_IBGP) return 'as2';
  return null; // a confederation peer: not configurable here
}

const CTX: Record<Role, UpdateCtx> = { ibgp: IBGP, ebgp: EBGP, as2: OLD_IBGP };

describe.skipIf(!ROOT)('RFC 7606 on a live session (raw peer → evpn-vtep bgp)', () => {
  const lab = new RzLab();
  let raw: RawPeer;
  let vtep: VtepProcess;
  const peers = {} as Record<Role, LivePeer>;
  const tally: Tally = { cases: 0, faults: 0, routesLost: 0, crashes: 0 };
  const byAction: Record<string, number> = {};
  /** EVPN withdrawals the other peers received while a negotiated non-EVPN family was disabled: collateral churn. */
  let collateralWithdrawals = 0;
  const withdrawalsSeen = (except: LivePeer): number =>
    Object.values(peers)
      .filter((q) => q !== except && q.conn)
      .reduce((n, q) => n + q.conn!.updates().reduce((m, u) => m + evpnUnreach(u).length, 0), 0);

  beforeAll(async () => {
    lab.build(3);
    vtep = new VtepProcess(lab.vtepNs, {
      routerId: '10.255.0.1',
      as: 65100,
      neighbors: [
        { address: lab.peerAddress(0), remoteAs: 65100, passive: true, addressFamilies: ['l2vpn-evpn', 'ipv4-unicast'] },
        { address: lab.peerAddress(1), remoteAs: 65200, passive: true, addressFamilies: ['l2vpn-evpn', 'ipv4-unicast'] },
        { address: lab.peerAddress(2), remoteAs: 65100, passive: true, addressFamilies: ['l2vpn-evpn', 'ipv4-unicast'] },
      ],
    });
    raw = new RawPeer(lab.peerNs);
    await Promise.all([vtep.start(), raw.start()]);
    peers.ibgp = new LivePeer(raw, vtep, lab.vtepAddress, { address: lab.peerAddress(0), as: 65100, holdTime: 30 });
    peers.ebgp = new LivePeer(raw, vtep, lab.vtepAddress, { address: lab.peerAddress(1), as: 65200, ebgp: true, holdTime: 30 });
    peers.as2 = new LivePeer(raw, vtep, lab.vtepAddress, { address: lab.peerAddress(2), as: 65100, twoOctetOnly: true, holdTime: 30 });
    for (const p of Object.values(peers)) for (const r of macRoutes(p.address, 4)) p.table.set(routeKeyOf(r), { route: r, nextHop: p.address });
    await Promise.all(Object.values(peers).map((p) => p.connect()));
    for (const p of Object.values(peers)) expect(await p.settle()).toEqual({ missing: [], extra: [], wrong: [] });
  }, 90_000);

  afterAll(async () => {
    printTally('rfc7606 live matrix', tally, { ...byAction, collateralWithdrawals });
    raw?.stop();
    await vtep?.destroy();
    lab.destroy();
  });

  it('every live form keeps the action of its corpus case (decoder check)', () => {
    for (const c of RFC7606_CASES) {
      if (!c.live) continue;
      const u = decode(new Reader(c.live), c.ctx ?? IBGP);
      expect(ACTION_NAMES[u.action], c.name).toBe(ACTION_NAMES[c.action]);
    }
  });

  /** Brings a peer back: our side hangs up if needed, then reconnects and resends its table. */
  async function restore(p: LivePeer): Promise<void> {
    await p.hangUp();
    await p.connect();
  }

  const live = RFC7606_CASES.filter((c) => roleOf(c) !== null);

  it.each(live.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const role = roleOf(c)!;
    const p = peers[role];
    const msg = c.live ?? c.msg;
    const decoded = decode(new Reader(msg), CTX[role]);
    const reaches = evpnReach(decoded).some((n) => routeKeyOf(n.route) === routeKeyOf(CORPUS_IMET));
    const unreaches = evpnUnreach(decoded).some((n) => routeKeyOf(n.route) === routeKeyOf(CORPUS_IMET));
    const v4n = { announced: decoded.nlri.length, withdrawn: decoded.withdrawn.length };
    tally.cases++;
    tally.faults += c.action === Action.NONE ? 0 : 1;
    byAction[ACTION_NAMES[c.action]] = (byAction[ACTION_NAMES[c.action]] ?? 0) + 1;

    // 1. A good route the malformed UPDATE will reach, on an established session.
    if (!p.conn || p.conn.closed) await p.connect();
    p.announce([CORPUS_IMET], PRE_NH);
    await p.sync();
    const before = await p.status();
    const conn = p.conn!;
    const othersBefore = withdrawalsSeen(p);

    // 2. The fault.
    conn.write(msg);

    // 3. The action, as seen from outside.
    if (c.action === Action.SESSION_RESET) {
      const n = await conn.notification(5000);
      expect([n.code, n.subcode], 'NOTIFICATION').toEqual([3, c.subcode ?? n.subcode]);
      await conn.waitClosed(5000);
      // No graceful restart was negotiated: the peer's routes go at once.
      await poll('routes of the reset peer removed', async () => (await p.rows()).length === 0, 5000);
      const after = await p.status();
      expect(after.lastError ?? '').toMatch(/sent .*UPDATE/i);
      await p.connect();
    } else if (c.action === Action.AFI_SAFI_DISABLE) {
      const fam = c.family ? `${c.family[0]}/${c.family[1]}` : `${Afi.IPV4}/${Safi.UNICAST}`;
      const negotiated = before.families.includes(fam);
      if (negotiated) await poll(`ROUTE-REFRESH after disabling ${fam}`, async () => p.refreshes.length > 0 || conn.closed, 5000).catch(() => undefined);
      expect(conn.notifications(), 'no NOTIFICATION: the session survives an AFI/SAFI disable').toEqual([]);
      const st = await p.status();
      expect(st.state).toBe('Established');
      expect(st.establishedCount).toBe(before.establishedCount);
      expect(st.families).not.toContain(fam);
      if (fam === EVPN_KEY) {
        // The family is ignored for the rest of the session: all EVPN routes of the peer are gone.
        await poll('EVPN routes of the peer withdrawn', async () => (await p.rows()).length === 0, 5000);
        expect(p.refreshes).not.toContain(EVPN_KEY);
      } else if (negotiated) {
        // The speaker dropped the peer's routes and asked for the other families again.
        expect(p.refreshes).toContain(EVPN_KEY);
        await p.sync();
        await new Promise((r) => setTimeout(r, 200));
        collateralWithdrawals += withdrawalsSeen(p) - othersBefore;
      } else {
        // A family never negotiated has no routes to delete (RFC 4760 §7): the EVPN routes are not touched.
        await p.sync();
        expect(p.refreshes, 'no ROUTE-REFRESH for a family that was never negotiated').toEqual([]);
      }
      p.refreshes.length = 0;
      // A disabled family stays off until the session restarts: restart it for the next cases.
      await restore(p);
    } else {
      await p.sync();
      expect(conn.notifications(), 'no NOTIFICATION').toEqual([]);
      const st = await p.status();
      expect(st.state).toBe('Established');
      expect(st.establishedCount).toBe(before.establishedCount);
      const rows = await p.rows();
      const imet = rows.find((r) => r.type === 3 && r.rd === '10.98.0.1:2');
      if (c.action === Action.TREAT_AS_WITHDRAW) {
        if (reaches || unreaches) {
          expect(imet, 'treat-as-withdraw removes the route').toBeUndefined();
          p.table.delete(routeKeyOf(CORPUS_IMET));
        }
        if (v4n.announced) {
          // p.sync() announced one more prefix, the barrier, which is accepted.
          expect(st.prefixesReceived - before.prefixesReceived).toBe(v4n.announced + 1);
          expect(st.prefixesAccepted - before.prefixesAccepted, 'IPv4 NLRI not accepted').toBe(1);
        }
      } else {
        if (reaches) {
          expect(imet?.nextHop, 'the UPDATE is applied').toBe(CORPUS_NH);
          p.table.set(routeKeyOf(CORPUS_IMET), { route: CORPUS_IMET, nextHop: CORPUS_NH });
          if (c.action === Action.ATTRIBUTE_DISCARD) {
            expect(imet?.localPref, 'discarded LOCAL_PREF').toBeUndefined();
            expect(imet?.originatorId, 'discarded ORIGINATOR_ID').toBeUndefined();
            expect(imet?.clusterList, 'discarded CLUSTER_LIST').toBeUndefined();
          }
        } else if (unreaches) {
          expect(imet, 'withdrawn').toBeUndefined();
          p.table.delete(routeKeyOf(CORPUS_IMET));
        }
        if (v4n.announced) {
          expect(st.prefixesAccepted - before.prefixesAccepted, 'IPv4 NLRI accepted').toBe(v4n.announced + 1);
        }
      }
    }

    // 4. Nothing else lost, on this peer or the others; the process is alive.
    for (const q of Object.values(peers)) {
      const d = await q.settle(5000);
      tally.routesLost += d.missing.length + d.wrong.length;
      expect(d, `RIB of ${q.address} after "${c.name}"`).toEqual({ missing: [], extra: [], wrong: [] });
    }
    if (!vtep.running) tally.crashes++;
    expect(vtep.running).toBe(true);
  }, 30_000);

  it('show peers through the CLI still answers, and no internal error was logged', () => {
    const ps = vtep.showCli<{ address: string; state: string }[]>(['peers']);
    expect(ps.map((x) => x.state)).toEqual(['Established', 'Established', 'Established']);
    expect(vtep.internalErrors()).toEqual([]);
    expect(tally.routesLost).toBe(0);
    expect(tally.crashes).toBe(0);
  }, 60_000);
});
