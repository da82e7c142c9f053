import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireRoot } from '../../support/root';

/**
 * The README's main command, end to end: `evpn-vtep lab` builds a spine
 * (route reflector) and three leaves running evpn-vtep with hosts in two
 * VNIs, tours discovery, reachability, ARP suppression and a migration, and
 * removes everything. Run from source through tsx, as a separate process.
 */

const ROOT = path.resolve(__dirname, '../../..');
const canRun = requireRoot('evpn-vtep lab');

function runLab(dir: string, timeoutMs: number, extra: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'lab', '--dir', dir, ...extra], { cwd: ROOT });
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

describe.skipIf(!canRun)('evpn-vtep lab', () => {
  for (const dataplane of ['native', 'portable'] as const) {
  it(`tours discovery, reachability, ARP suppression and migration on the ${dataplane} data plane, then removes everything`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'evpn-lab-test-'));
    try {
      const { code, out } = await runLab(dir, 150_000, ['--dataplane', dataplane]);
      if (code !== 0) console.error(out);
      expect(out).toMatch(/ok +discovery/);
      expect(out).toMatch(/ok +reachability/);
      expect(out).toMatch(/ARP requests for [\d.]+ on the underlay: none/);
      expect(out).toMatch(/ok +routing/);
      expect(out).toMatch(/MAC Mobility sequence [1-9]/);
      expect(out).toMatch(/ok +migration/);
      expect(code).toBe(0);
      // Nothing of this lab left behind (other labs may run in parallel: only ours is checked).
      const id = /^lab ([0-9a-f]{4}):/m.exec(out)?.[1];
      expect(id).toBeDefined();
      const { execFileSync } = await import('node:child_process');
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(new RegExp(`^evl${id}`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
  }
});
