import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portableUnavailableReason } from '../../../src/dataplane/portable/io';
import { Lab } from '../../../src/lab/lab';
import type { LabHost } from '../../../src/lab/plan';
import { readPcap } from '../../../src/packet/pcap';
import { hasCommand, rootSkipReason } from '../../support/root';

/**
 * `evpn-vtep capture` (issue 8) against a running two-leaf lab (evpn-vtep
 * leaves, namespaces and links prefixed `dpf`): while a host pings across,
 * captures on leaf 1's access port and on its underlay are written by the real
 * CLI, then read back by tshark (no malformed packet; the ICMP echoes; VXLAN
 * with the VNI) and by our own pcap reader. Run on the native data plane and
 * on the portable one.
 */

const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
const pexec = promisify(execFile);

const why = rootSkipReason() ?? (!hasCommand('tshark') ? 'needs tshark' : null) ?? (!hasCommand('arping') ? 'needs arping' : null);
if (why) console.warn(`[skip] capture: ${why}`);

function tshark(file: string, fields: string[], filter?: string): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f]), ...(filter ? ['-Y', filter] : [])], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .filter((l) => l.length)
    .map((l) => l.split('\t'));
}

for (const dataplane of ['native', 'portable'] as const) {
  const skip = why ?? (dataplane === 'portable' ? portableUnavailableReason() : null);
  if (skip && !why) console.warn(`[skip] capture on the portable data plane: ${skip}`);
  describe.skipIf(skip !== null)(`capture on the ${dataplane} data plane`, () => {
    let lab: Lab;
    let dir: string;
    let a: LabHost;
    let b: LabHost;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'dpf-cap-'));
      const out = { write: () => true };
      lab = await Lab.up({ leaves: 2, dir, out, prefix: 'dpf', dataplane, macSalt: randomInt(1, 255) });
      a = lab.host(1, 100);
      b = lab.host(2, 100);
      for (const h of lab.plan.hosts) lab.exec(h.ns, ['arping', '-U', '-c', '1', '-w', '1', '-i', h.ifname, '-S', h.ip, h.ip], 5000);
      // Traffic flows before any capture starts.
      const deadline = Date.now() + 30_000;
      while (!lab.exec(a.ns, ['ping', '-c', '1', '-W', '1', b.ip], 5000).ok) {
        if (Date.now() > deadline) throw new Error(`${a.ip} cannot reach ${b.ip}`);
      }
    }, 120_000);

    afterAll(() => {
      const id = lab?.plan.id;
      lab?.down();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (id) {
        const left = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`dpf${id}`));
        expect(left).toEqual([]);
      }
    });

    /** Runs `evpn-vtep capture` on leaf 1 while host a pings host b `count` times. */
    async function captureWhilePinging(port: string, file: string, extra: string[] = []): Promise<string> {
      const leaf = lab.plan.leaves[0]!;
      const cap = pexec(process.execPath, ['--import', 'tsx', MAIN, 'capture', '--port', port, '-w', file, '--duration', '4', '--socket', leaf.socket, ...extra], {
        cwd: REPO,
        timeout: 30_000,
      });
      // The tap is on once the client said so; give it a moment, then ping.
      await new Promise((r) => setTimeout(r, 1500));
      const p = lab.exec(a.ns, ['ping', '-c', '5', '-i', '0.2', '-W', '1', b.ip], 10_000);
      expect(p.ok).toBe(true);
      const r = await cap;
      return r.stderr;
    }

    it('the access port: the echoes both ways, well-formed', async () => {
      const file = path.join(dir, 'access.pcap');
      const port = lab.plan.leaves[0]!.access[100]!;
      const said = await captureWhilePinging(port, file);
      expect(said).toMatch(/frames? written to/);
      expect(existsSync(file)).toBe(true);
      // Our reader: a whole file, Ethernet.
      const pf = readPcap(new Uint8Array(readFileSync(file)));
      expect(pf.error).toBeUndefined();
      expect(pf.linkType).toBe(1);
      expect(pf.records.length).toBeGreaterThanOrEqual(10);
      expect(tshark(file, ['frame.number'], '_ws.malformed || _ws.expert.severity == error')).toEqual([]);
      const icmp = tshark(file, ['ip.src', 'ip.dst', 'icmp.type'], 'icmp');
      // RX: a's requests; TX: b's replies going back to a.
      expect(icmp.filter(([s, d, t]) => s === a.ip && d === b.ip && t === '8').length).toBeGreaterThanOrEqual(5);
      expect(icmp.filter(([s, d, t]) => s === b.ip && d === a.ip && t === '0').length).toBeGreaterThanOrEqual(5);
    }, 60_000);

    it('the underlay: VXLAN with the VNI, the echoes inside, filtered by VNI', async () => {
      const file = path.join(dir, 'underlay.pcap');
      await captureWhilePinging('underlay', file, ['--vni', '100']);
      expect(tshark(file, ['frame.number'], '_ws.malformed || _ws.expert.severity == error')).toEqual([]);
      const rows = tshark(file, ['vxlan.vni', 'ip.src', 'ip.dst', 'icmp.type'], 'vxlan && icmp');
      expect(rows.length).toBeGreaterThanOrEqual(10);
      expect(rows.every(([vni]) => vni === '100')).toBe(true);
      const leaf1 = lab.plan.leaves[0]!.underlayIp;
      const leaf2 = lab.plan.leaves[1]!.underlayIp;
      // Outer addresses: leaf1 → leaf2 (sent, the requests) and leaf2 → leaf1 (received, the replies).
      expect(rows.some(([, s, d, t]) => s?.startsWith(`${leaf1},`) && d?.startsWith(`${leaf2},`) && t === '8')).toBe(true);
      expect(rows.some(([, s, d, t]) => s?.startsWith(`${leaf2},`) && d?.startsWith(`${leaf1},`) && t === '0')).toBe(true);
      // A filter on another VNI sees none of it.
      const other = path.join(dir, 'other.pcap');
      await captureWhilePinging('underlay', other, ['--vni', '4242']);
      expect(readPcap(new Uint8Array(readFileSync(other))).records.length).toBe(0);
    }, 60_000);

    it('--count stops after N frames; a second client while one runs is refused; an unknown port is an error', async () => {
      const leaf = lab.plan.leaves[0]!;
      const port = leaf.access[100]!;
      const file = path.join(dir, 'count.pcap');
      const first = pexec(process.execPath, ['--import', 'tsx', MAIN, 'capture', '--port', port, '-w', file, '--count', '3', '--duration', '10', '--socket', leaf.socket], {
        cwd: REPO,
        timeout: 30_000,
      });
      await new Promise((r) => setTimeout(r, 1500));
      const second = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'capture', '--port', 'underlay', '-w', path.join(dir, 'x.pcap'), '--socket', leaf.socket], {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/already running/);
      lab.exec(a.ns, ['ping', '-c', '5', '-i', '0.2', '-W', '1', b.ip], 10_000);
      await first;
      expect(readPcap(new Uint8Array(readFileSync(file))).records.length).toBe(3);
      // The tap was released when the client went away: a new capture starts.
      const bad = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'capture', '--port', 'nosuchif', '-w', path.join(dir, 'y.pcap'), '--socket', leaf.socket], {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/no access port nosuchif/);
      const again = await captureWhilePinging('underlay', path.join(dir, 'again.pcap'));
      expect(again).toMatch(/frames? written to/);
    }, 90_000);
  });
}
