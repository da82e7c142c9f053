import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { measureFabric, pingPairs } from '../../../src/lab/scale';
import { hostIp, makePlan, MAX_LEAVES } from '../../../src/lab/plan';
import { neighbourEntriesNeeded } from '../../../src/lab/kernel';
import { hasCommand, requireRoot } from '../../support/root';

/**
 * A fabric of 8 evpn-vtep leaves behind an evpn-vtep route reflector, built
 * by the lab builder and measured by src/lab/scale.ts: every leaf holds
 * every host (local or at the right VTEP), every host pings every other host
 * of its VNI, a killed leaf's hosts leave every other leaf's table and come
 * back when it starts again. Daemons run from source (tsx), as the lab does.
 */

const canRun = requireRoot('fabric at scale') && hasCommand('arping');
const LEAVES = 8;

describe('lab plan at scale', () => {
  it('names and addresses fit up to MAX_LEAVES leaves', () => {
    const p = makePlan('ffff', MAX_LEAVES, '/nonexistent', 'evl');
    const names = [p.spine.ns, ...p.leaves.flatMap((l) => [l.ns, l.accessNs, l.uplink, ...Object.values(l.access)]), ...p.hosts.map((h) => h.ns)];
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(p.hosts.map((h) => h.ip)).size).toBe(p.hosts.length);
    expect(new Set(p.hosts.map((h) => h.mac)).size).toBe(p.hosts.length);
    expect(new Set(p.leaves.map((l) => l.underlayIp)).size).toBe(MAX_LEAVES);
    expect(hostIp(64, 200)).toBe('10.200.64.1');
    expect(() => makePlan('ffff', MAX_LEAVES + 1, '/nonexistent')).toThrow(RangeError);
    // 32 leaves resolving each other alone pass the kernel's default 1024 entries.
    expect(neighbourEntriesNeeded(32, 2)).toBeGreaterThan(32 * 33 + 2 * 32 * 32);
  });

  it('ping pairs stay within a VNI, across leaves, spread over all of them', () => {
    const p = makePlan('ffff', 8, '/nonexistent');
    const all = pingPairs(p.hosts, 'all');
    expect(all).toHaveLength(2 * 8 * 7);
    for (const [a, b] of all) {
      expect(a.vni).toBe(b.vni);
      expect(a.leaf).not.toBe(b.leaf);
    }
    const some = pingPairs(p.hosts, 20);
    expect(some).toHaveLength(20);
    expect(new Set(some.map(([a, b]) => `${a.ns}>${b.ns}`)).size).toBe(20);
    expect(new Set(some.flatMap(([a, b]) => [a.leaf, b.leaf])).size).toBe(8);
  });
});

/** Namespace prefix: EVPN_VTEP_LAB_PREFIX on a machine shared with other labs. */
const PREFIX = process.env.EVPN_VTEP_LAB_PREFIX || 'sc';

describe.skipIf(!canRun)(`fabric of ${LEAVES} evpn-vtep leaves`, () => {
  it('converges, every host reaches every other, a killed leaf leaves and comes back', async () => {
    let log = '';
    const r = await measureFabric({
      kind: 'evpn',
      leaves: LEAVES,
      prefix: PREFIX,
      out: { write: (s: string) => (log += s) },
      timers: { logLevel: 'warn' },
      convergeTimeoutMs: 40_000,
      pings: 'all',
      restartLeaf: 3,
    });
    const why = `${log}\n${JSON.stringify({ ...r, leafResources: undefined }, null, 1)}`;
    expect(r.hosts, why).toBe(2 * LEAVES);
    expect(r.convergeFromLastMs, why).toBeGreaterThan(0);
    expect(r.convergeFromFirstMs, why).toBeLessThan(30_000);
    expect(r.pings.failed, why).toEqual([]);
    expect(r.pings.pairs).toBe(2 * LEAVES * (LEAVES - 1));
    expect(r.killGoneMs, why).not.toBeNull();
    expect(r.killGoneMs!, why).toBeLessThan(10_000);
    expect(r.restartBackMs, why).not.toBeNull();
    expect(r.restartFullMs, why).not.toBeNull();
    for (const l of r.leafResources) {
      expect(l.pids.length, why).toBe(1);
      expect(l.rssMiB, why).toBeGreaterThan(1);
    }
    // Everything it made is gone.
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`${PREFIX}${r.labId}`);
  }, 90_000);
});
