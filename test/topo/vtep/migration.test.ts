import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteRow } from '../../../src/control/protocol';
import type { MacRow } from '../../../src/lab/frr';
import type { LabHost } from '../../../src/lab/plan';
import { buildLab, canRun, garp, leftovers, pingUntil, until, type TestLab } from './support';

/**
 * VM migration in every direction (issue 5, test 4; RFC 7432 §15): one
 * host of VNI 100 moves leaf1 (evpn-vtep) → leaf2 (evpn-vtep) → leaf3 (FRR)
 * → leaf1, its link re-attached to the new leaf's access switch before the
 * old one is removed, and announces itself with a gratuitous ARP each time.
 * After each move: traffic from a host on the third leaf resumes, the new
 * VTEP advertises a MAC Mobility sequence number one higher than before (in
 * our routes and in FRR's JSON), and the old VTEP withdraws (ours after its
 * ARP probe went unanswered, FRR at once). Then a host present at two
 * leaves at once (same MAC and IP) is frozen by duplicate address detection.
 */

const ok = canRun('migration (evpn-vtep + FRR)', { frr: true });
const IP = ['', '10.255.0.1', '10.255.0.2', '10.255.0.3'];
const PROBE_MS = 500;

describe.skipIf(!ok)('migration: ours→ours, ours→FRR, FRR→ours, and a duplicate host', () => {
  let t: TestLab;
  let host: LabHost;

  beforeAll(async () => {
    t = await buildLab({ leaves: 3, frrLeaves: [3], timers: { probeTimeoutMs: PROBE_MS } });
    const { lab } = t;
    for (const h of lab.plan.hosts) garp(lab, h);
    // Everybody knows every host before anything moves.
    await until('every leaf to know every host', async () => {
      for (const l of lab.plan.leaves) {
        const macs = await lab.macs(l.index);
        if (!lab.plan.hosts.every((h) => macs.some((m) => m.mac === h.mac && m.vni === h.vni))) return false;
      }
      return true;
    }, 30_000);
    host = lab.host(1, 100);
  }, 120_000);

  afterAll(() => {
    const id = t?.lab.plan.id;
    t?.destroy();
    if (id) expect(leftovers(id)).toEqual([]);
  });

  const macAt = async (leaf: number, mac: string): Promise<MacRow | undefined> => (await t.lab.macs(leaf)).find((m) => m.mac === mac && m.vni === 100);
  const ourRoutes = async (leaf: number, mac: string): Promise<RouteRow[]> => (await t.lab.routes(leaf, { type: 2, vni: 100 })).filter((r) => r.mac === mac);
  const ourRoutes200 = async (leaf: number, mac: string): Promise<RouteRow[]> => (await t.lab.routes(leaf, { type: 2, vni: 200 })).filter((r) => r.mac === mac && r.ip === undefined);
  const evpnCounter = async (leaf: number, name: string): Promise<number> => Number((await t.lab.view(leaf, 'counters')).find((r) => r.scope === 'evpn' && r.counter === name)?.value ?? 0);

  /** Moves the host, announces it, and waits until a host on the third leaf reaches it again. */
  async function move(to: number, watcherLeaf: number): Promise<number> {
    const { lab } = t;
    host = lab.moveHost(host, to);
    garp(lab, host, 2);
    return pingUntil(lab, lab.host(watcherLeaf, 100), host, 15_000);
  }

  it('ours → ours: leaf2 advertises sequence 1, leaf1 probes, gets no answer and withdraws; traffic from leaf3 (FRR) follows', async () => {
    const { lab } = t;
    const probesBefore = await evpnCounter(1, 'probeTimeouts');
    const resumedMs = await move(2, 3);
    const adv = await until('leaf2 to advertise the host with sequence 1', async () => (await ourRoutes(2, host.mac)).find((r) => r.from === 'local' && r.mobilitySeq === 1), 10_000);
    expect(adv.nextHop).toBe(IP[2]);
    // FRR (leaf3) follows the higher sequence number.
    const atFrr = await until('FRR to point the MAC at leaf2 with sequence 1', async () => {
      const m = await macAt(3, host.mac);
      return m?.type === 'remote' && m.vtep === IP[2] && m;
    }, 10_000);
    expect(atFrr.seq).toBe(1);
    // The old VTEP withdraws after the unanswered probe.
    await until('leaf1 to withdraw its own route', async () => !(await ourRoutes(1, host.mac)).some((r) => r.from === 'local'), PROBE_MS + 5000);
    expect(await evpnCounter(1, 'probeTimeouts')).toBeGreaterThan(probesBefore);
    expect(lab.logOf('leaf1')).toMatch(/no answer to the probe within 500 ms/);
    expect(await macAt(1, host.mac)).toMatchObject({ type: 'remote', vtep: IP[2], seq: 1 });
    // Nobody still holds a route from leaf1 for it.
    await until('leaf2 to drop leaf1\'s route', async () => !(await ourRoutes(2, host.mac)).some((r) => r.nextHop === IP[1]), 5000);
    expect(resumedMs).toBeLessThan(15_000);
  }, 60_000);

  it('ours → FRR: FRR advertises sequence 2 (FRR JSON and our routes), leaf2 withdraws after its probe; traffic from leaf1 follows', async () => {
    const probesBefore = await evpnCounter(2, 'probeTimeouts');
    await move(3, 1);
    const local = await until('FRR to learn the host locally', async () => {
      const m = await macAt(3, host.mac);
      return m?.type === 'local' && m;
    }, 10_000);
    expect(local.seq).toBe(2);
    const fromFrr = await until('FRR\'s route with sequence 2 at leaf1', async () => (await ourRoutes(1, host.mac)).find((r) => r.nextHop === IP[3] && r.mobilitySeq === 2), 10_000);
    expect(fromFrr.best).toBe(true);
    await until('leaf2 to withdraw its own route', async () => !(await ourRoutes(2, host.mac)).some((r) => r.from === 'local'), PROBE_MS + 5000);
    expect(await evpnCounter(2, 'probeTimeouts')).toBeGreaterThan(probesBefore);
    expect(await macAt(1, host.mac)).toMatchObject({ type: 'remote', vtep: IP[3], seq: 2 });
    expect(await macAt(2, host.mac)).toMatchObject({ type: 'remote', vtep: IP[3], seq: 2 });
  }, 60_000);

  it('FRR → ours: leaf1 advertises sequence 3, FRR follows it and withdraws its own route; traffic from leaf2 follows', async () => {
    await move(1, 2);
    const adv = await until('leaf1 to advertise the host with sequence 3', async () => (await ourRoutes(1, host.mac)).find((r) => r.from === 'local' && r.mobilitySeq === 3), 10_000);
    expect(adv.nextHop).toBe(IP[1]);
    const atFrr = await until('FRR to point the MAC at leaf1', async () => {
      const m = await macAt(3, host.mac);
      return m?.type === 'remote' && m.vtep === IP[1] && m;
    }, 10_000);
    expect(atFrr.seq).toBe(3);
    // FRR's own advertisement is gone everywhere.
    await until('FRR\'s route to be withdrawn at leaf2', async () => !(await ourRoutes(2, host.mac)).some((r) => r.nextHop === IP[3]), 10_000);
    await until('FRR\'s route to be withdrawn at leaf1', async () => !(await ourRoutes(1, host.mac)).some((r) => r.nextHop === IP[3]), 10_000);
    expect(await macAt(2, host.mac)).toMatchObject({ type: 'remote', vtep: IP[1], seq: 3 });
  }, 60_000);

  let clone: LabHost;

  it('a host still at its old port answers the probe: the old VTEP re-advertises with a higher sequence and logs it', async () => {
    const { lab } = t;
    const orig = lab.host(1, 200);
    const peer = lab.host(3, 200);
    expect((await ourRoutes200(1, orig.mac)).find((r) => r.from === 'local')?.mobilitySeq ?? 0).toBe(0);
    const repliesBefore = await evpnCounter(1, 'probeReplies');
    const movesBefore = await evpnCounter(1, 'moves');
    // The same MAC and IP appear behind leaf2 while the original still lives behind leaf1. The copy
    // talks unicast only (a static neighbour entry, no ARP broadcast), so leaf1's access switch keeps
    // the original's port and leaf1's unicast probe reaches it.
    clone = lab.cloneHost(orig, 2);
    lab.exec(clone.ns, ['ip', 'neigh', 'replace', peer.ip, 'lladdr', peer.mac, 'dev', clone.ifname, 'nud', 'permanent']);
    lab.exec(clone.ns, ['ping', '-c', '1', '-W', '1', peer.ip], 5000);
    await until('leaf1 to get an answer to its probe', async () => (await evpnCounter(1, 'probeReplies')) > repliesBefore, 10_000);
    // leaf2 claimed it with sequence 1; leaf1 reclaims it with exactly one more (RFC 7432 §15.1), as one move.
    const readv = await until('leaf1 to re-advertise with sequence 2', async () => (await ourRoutes200(1, orig.mac)).find((r) => r.from === 'local' && r.mobilitySeq === 2), 10_000).catch(async (e: unknown) => {
      throw new Error(`${String(e)}\nleaf1 routes: ${JSON.stringify((await t.lab.routes(1, { type: 2, vni: 200 })).filter((r) => r.mac === orig.mac).map((r) => [r.ip, r.from, r.nextHop, r.mobilitySeq, r.best]))}\nleaf1 log:\n${lab.logOf('leaf1').split('\n').filter((l) => l.includes(orig.mac)).slice(-10).join('\n')}`);
    });
    expect(readv.best).toBe(true);
    // leaf2 learned no IP for its copy, so it trusts the newer advertisement and withdraws.
    await until('leaf2 to withdraw its claim', async () => !(await ourRoutes200(1, orig.mac)).some((r) => r.nextHop === IP[2]), 10_000);
    expect(await evpnCounter(1, 'probeReplies')).toBe(repliesBefore + 1);
    expect(await evpnCounter(1, 'moves')).toBe(movesBefore + 1);
    expect(lab.logOf('leaf1')).toMatch(/host answered the probe at its old port: it is present at two VTEPs/);
  }, 60_000);

  it('a host present at two leaves at once is frozen by duplicate address detection', async () => {
    const { lab } = t;
    const orig = lab.host(1, 200);
    // Both copies keep announcing themselves: each announcement reclaims the MAC (a move).
    const talkers = [orig, clone].map((h) =>
      spawn('ip', ['netns', 'exec', h.ns, 'arping', '-q', '-U', '-c', '120', '-W', '0.25', '-i', h.ifname, '-S', h.ip, h.ip], { stdio: 'ignore' }),
    );
    const frozen = await until('a leaf to freeze the MAC', async () => {
      for (const leaf of [1, 2]) {
        const row = (await lab.view(leaf, 'macs')).find((r) => r.mac === orig.mac && r.vni === 200 && r.frozen === true);
        if (row) return { leaf, row };
      }
      return undefined;
    }, 30_000, 200).catch(async (e: unknown) => {
      const diag = [];
      for (const leaf of [1, 2]) {
        diag.push(`leaf${leaf} macs: ${JSON.stringify((await lab.view(leaf, 'macs')).filter((r) => r.mac === orig.mac))}`);
        diag.push(`leaf${leaf} evpn counters: ${JSON.stringify((await lab.view(leaf, 'counters')).filter((r) => r.scope === 'evpn'))}`);
        diag.push(`leaf${leaf} log:\n${lab.logOf(`leaf${leaf}`).split('\n').filter((l) => l.includes(orig.mac)).slice(-15).join('\n')}`);
      }
      for (const c of talkers) c.kill('SIGKILL');
      throw new Error(`${String(e)}\n${diag.join('\n')}`);
    });
    for (const c of talkers) c.kill('SIGKILL');
    expect(frozen.row).toMatchObject({ frozen: true });
    expect(lab.logOf(`leaf${frozen.leaf}`)).toMatch(/duplicate address detected: MAC frozen/);
    expect(await evpnCounter(frozen.leaf, 'frozen')).toBeGreaterThanOrEqual(1);
    expect(await evpnCounter(frozen.leaf, 'moves')).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
