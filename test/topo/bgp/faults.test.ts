import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/peers';
import { rootSkipReason } from '../../support/root';
import { explainVtep, Lab, RawPeer, Vtep } from './support';

/**
 * The TCP connection reset in the middle of an UPDATE: a raw peer (a node
 * script in its own namespace) sends one whole UPDATE, then the first half
 * of a second one, then a TCP RST. Afterwards evpn-vtep (`evpn-vtep bgp`
 * in another namespace) must hold none of the peer's routes (the session
 * went down: Adj-RIB-In flushed, and nothing of the half message was
 * applied), keep serving its other peer, and bring the session back by
 * itself; the routes re-announced then are exactly the ones held.
 */

const skip = rootSkipReason();
if (skip) console.warn(`[skip] BGP faults: ${skip}`);

const V_AS = 65001;
const R_AS = 65030;
const S_AS = 65040;
const R_VTEP = '10.255.3.30';

const A = [
  { type: 2, rd: `${R_VTEP}:1`, mac: '02:77:00:00:00:01', ip: '10.66.0.1', label1: 100 },
  { type: 3, rd: `${R_VTEP}:1`, originatorIp: R_VTEP },
];
const B = Array.from({ length: 40 }, (_, k) => ({ type: 2, rd: `${R_VTEP}:2`, mac: `02:77:00:00:01:${k.toString(16).padStart(2, '0')}`, ip: `10.66.1.${k + 1}`, label1: 200 }));
const ATTRS = { nextHop: R_VTEP, rts: [`${R_AS}:100`], encap: 8 };

describe.skipIf(skip !== null)('TCP reset in the middle of an UPDATE', () => {
  let lab: Lab;
  let v: Vtep;
  let r: RawPeer;
  let s: RawPeer;
  let rAddr: string;
  let sAddr: string;

  beforeAll(async () => {
    lab = new Lab();
    try {
      const vNs = lab.ns('v');
      const rNs = lab.ns('r');
      const sNs = lab.ns('s');
      [, rAddr] = lab.link(vNs, rNs, 'vr');
      [, sAddr] = lab.link(vNs, sNs, 'vs');
      r = new RawPeer(rNs, R_AS, R_VTEP);
      s = new RawPeer(sNs, S_AS, '10.255.3.40');
      v = new Vtep(vNs, {
        routerId: '10.255.3.1',
        as: V_AS,
        logLevel: 'debug',
        neighbors: [
          { address: rAddr, remoteAs: R_AS },
          { address: sAddr, remoteAs: S_AS },
        ],
      });
      await v.start();
    } catch (err) {
      await v?.destroy();
      r?.kill();
      s?.kill();
      lab.destroy();
      throw err;
    }
  }, 60_000);

  afterAll(async () => {
    try {
      await v?.destroy();
    } finally {
      r?.kill();
      s?.kill();
      lab?.destroy();
    }
  });

  const fromR = (): string[] => v.routes().filter((x) => x.from === rAddr).map((x) => x.prefix).sort();

  it('both sessions come up; a whole UPDATE from R is held and passed to S', async () => {
    await waitFor('sessions up', () => r.up && s.up && v.peers().every((p) => p.state === 'Established'), 30_000, 500).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${explainVtep(v)}\nR: ${r.lines.join('\n')}${r.errors}`);
    });
    r.send({ cmd: 'announce', routes: A, attrs: ATTRS });
    await waitFor('A held', () => fromR().length === 2, 10_000, 300);
    await waitFor('A passed to S', () => s.events<{ reach: number }>('update').reduce((n, u) => n + u.reach, 0) >= 2, 10_000, 300);
  }, 60_000);

  it('half an UPDATE then RST: the session goes down, R\'s routes are flushed, nothing of the half message is applied, S is untouched', async () => {
    const before = v.peer(rAddr)!;
    const sBefore = v.peer(sAddr)!;
    r.send({ cmd: 'half-update-rst', routes: B, attrs: ATTRS });
    await waitFor('reset sent', () => r.events('reset').length === 1, 10_000, 100);
    const sent = r.events<{ octets: number; of: number }>('sent').at(-1)!;
    expect(sent.octets).toBeLessThan(sent.of);
    const down = await waitFor('R down and flushed', () => {
      const p = v.peer(rAddr)!;
      return p.state !== 'Established' || p.establishedCount > before.establishedCount ? p : undefined;
    }, 10_000, 200);
    expect(down.lastError ?? '').toMatch(/ECONNRESET|reset|closed/i);
    expect(down.prefixesReceived).toBe(before.prefixesReceived);
    // No path of R survives, and none of the 40 routes of the half UPDATE was ever applied.
    const rows = v.routes();
    expect(rows.filter((x) => x.from === rAddr)).toEqual([]);
    expect(rows.some((x) => x.rd === `${R_VTEP}:2`)).toBe(false);
    // S was told: A withdrawn (two NLRIs in MP_UNREACH), and its session never moved.
    await waitFor('withdraw to S', () => s.events<{ unreach: number }>('update').reduce((n, u) => n + u.unreach, 0) >= 2, 10_000, 300);
    const sNow = v.peer(sAddr)!;
    expect(sNow.state).toBe('Established');
    expect(sNow.establishedCount).toBe(sBefore.establishedCount);
    expect(v.running).toBe(true);
    // The speaker sends no NOTIFICATION on a connection the peer reset.
    expect(v.notifications('sent')).toEqual([]);
  }, 60_000);

  it('the session comes back by itself (we reconnect) and holds exactly what R announces again', async () => {
    await waitFor('R back', () => v.peer(rAddr)!.state === 'Established' && r.up && r.established === 2, 30_000, 500).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${explainVtep(v)}\nR: ${r.lines.join('\n')}`);
    });
    expect(v.peer(rAddr)!.establishedCount).toBe(2);
    expect(fromR()).toEqual([]);
    r.send({ cmd: 'announce', routes: [...A, ...B.slice(0, 3)], attrs: ATTRS });
    await waitFor('5 routes held', () => fromR().length === 5, 10_000, 300);
    expect(v.routes().filter((x) => x.rd === `${R_VTEP}:2`).map((x) => x.mac)).toEqual(B.slice(0, 3).map((b) => b.mac));
    const st = v.peer(rAddr)!;
    expect(st.adjRibIn).toBe(5);
  }, 60_000);
});
