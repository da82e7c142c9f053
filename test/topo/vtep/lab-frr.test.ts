import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostIp } from '../../../src/lab/plan';
import { canRun, REPO } from './support';

/**
 * `evpn-vtep lab --with-frr`: leaf3 runs FRR (bgpd + zebra + Linux bridge +
 * kernel vxlan) next to two evpn-vtep leaves and an evpn-vtep route
 * reflector; the tour must show FRR's VTEP in discovery and reach the FRR
 * leaf's hosts both ways. Run as the operator runs it, in its own process.
 */

const ok = canRun('evpn-vtep lab --with-frr', { frr: true });

function runLab(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'lab', ...args], { cwd: REPO });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.skipIf(!ok)('evpn-vtep lab --with-frr', () => {
  it('tours a fabric whose leaf3 is FRR: discovery shows its VTEP, its hosts are reachable both ways', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vx-lab-frr-'));
    try {
      const { code, out } = await runLab(['--with-frr', '--dir', dir], 150_000);
      if (code !== 0) console.error(out);
      expect(out).toMatch(/FRR on leaf3/);
      // leaf1 (evpn-vtep) holds FRR's type-3 routes; FRR floods to both evpn-vtep leaves.
      expect(out).toMatch(/100 +10\.255\.0\.3 +10\.255\.0\.3 +type 6 id 10\.255\.0\.3/);
      expect(out).toMatch(/leaf3 \(FRR, show evpn vni\) floods to: VNI 100 → (10\.255\.0\.[12], 10\.255\.0\.[12]); VNI 200 → 10\.255\.0\.[12], 10\.255\.0\.[12]/);
      // Hosts are plan.ts's hostIp(leaf, vni): leaf1's first host ↔ leaf3's first host, both ways, 0 % loss.
      for (const v of [100, 200]) {
        const [h1, h3] = [hostIp(1, v).replaceAll('.', '\\.'), hostIp(3, v).replaceAll('.', '\\.')];
        expect(out).toMatch(new RegExp(`VNI ${v}: ${h1} → ${h3}: 0% loss.*\\(to the FRR leaf\\)`));
        expect(out).toMatch(new RegExp(`VNI ${v}: ${h3} → ${h1}: 0% loss.*\\(from the FRR leaf\\)`));
      }
      expect(out).toMatch(/ok +discovery/);
      expect(out).toMatch(/ok +reachability/);
      expect(out).toMatch(/ok +arp-suppression/);
      expect(out).toMatch(/ok +migration/);
      expect(code).toBe(0);
      // Nothing of this lab left behind (other labs may run in parallel: only this one's id).
      const id = /^lab ([0-9a-f]{4}):/m.exec(out)?.[1];
      expect(id).toBeDefined();
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(new RegExp(`^evl${id}`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses --with-frr with two leaves (leaf3 is the FRR leaf)', async () => {
    const { code, out } = await runLab(['--with-frr', '--leaves', '2', '--dir', '/nonexistent-vx'], 20_000);
    expect(code).toBe(2);
    expect(out).toMatch(/--with-frr/);
  }, 30_000);
});
