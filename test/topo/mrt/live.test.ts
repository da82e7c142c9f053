import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Afi, AttrType, MsgType, Safi } from '../../../src/bgp/wire/iana';
import { Lab, ask } from '../../../src/lab/lab';
import { SPINE_IP } from '../../../src/lab/plan';
import { leafTable } from '../../../src/lab/scale';
import { Bgp4mpSubtype, MrtType } from '../../../src/mrt/constants';
import { encodeRecords } from '../../../src/mrt/dump';
import { bgpMessageOf, readFile } from '../../../src/mrt/reader';
import type { MrtRecord } from '../../../src/mrt/record';
import { waitFor } from '../../support/peers';
import { rootSkipReason } from '../../support/root';

/**
 * Live MRT recording by a real `evpn-vtep bgp` route reflector (the lab's
 * spine, config key `mrt:`) while two `evpn-vtep run` leaves come up and
 * exchange their hosts' routes: every UPDATE the spine received is in the
 * BGP4MP file as it was on the wire (our reader decodes each one, re-encoding
 * the records gives the file back), the sessions' state changes are there,
 * and bgpdump reads the same records.
 */

const skip = rootSkipReason() ?? (spawnSync('bgpdump', ['-T'], { stdio: 'ignore' }).error ? 'needs bgpdump' : null);
if (skip) console.warn(`[skip] live MRT recording: ${skip}`);

const PREFIX = process.env.EVPN_VTEP_LAB_PREFIX || 'mr';

describe.skipIf(skip !== null)('a route reflector recording its sessions as MRT', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mrt-topo-'));
  const mrtDir = path.join(dir, 'mrt');
  let lab: Lab | undefined;

  afterAll(() => {
    lab?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it('BGP4MP: every UPDATE received and the state changes, read back by our reader and bgpdump', async () => {
    let log = '';
    lab = await Lab.up({
      leaves: 2,
      dir: path.join(dir, 'lab'),
      prefix: PREFIX,
      out: { write: (s: string) => (log += s) },
      timers: { logLevel: 'warn', metrics: false },
      spineExtra: ['mrt:', `  updates: { file: ${mrtDir}/updates.%Y%m%d.mrt }`].join('\n'),
    });
    // Each host announces itself; both leaves then hold both hosts of each VNI.
    for (const h of lab.plan.hosts) lab.exec(h.ns, ['arping', '-q', '-U', '-c', '3', '-w', '2', '-W', '0.2', '-i', h.ifname, '-S', h.ip, h.ip], 10_000);
    const all = lab.plan.hosts.length;
    await waitFor('every leaf holds every host', async () => {
      for (const l of lab!.plan.leaves) if ((await leafTable(lab!, l.index)).size < all) return false;
      return true;
    }, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${log}`);
    });
    const peers = await ask(lab.plan.spine.socket, { cmd: 'show', what: 'peers' });
    const updatesIn = 'peers' in peers ? peers.peers.map((p) => ({ address: p.address, updates: p.messagesIn.UPDATE ?? 0 })) : [];
    // SIGTERM: the spine stops its sessions and writes what is queued.
    await lab.stopDaemon('spine', 'SIGTERM');

    const files = readdirSync(mrtDir);
    const updatesFile = files.find((f) => f.startsWith('updates.'));
    expect(updatesFile, files.join(', ')).toBeDefined();
    const file = path.join(mrtDir, updatesFile!);
    const recs: MrtRecord[] = [...readFile(file)].map((it) => {
      if ('error' in it) throw it.error;
      return it.record;
    });
    expect(Buffer.from(encodeRecords(recs)).equals(readFileSync(file))).toBe(true);

    // Per leaf: as many UPDATE records as the spine counted, each an EVPN UPDATE from that leaf to the spine.
    for (const { address, updates } of updatesIn) {
      const mine = recs.filter((r) => r.body.kind === 'bgp4mp-message' && r.body.message.peerIp === address);
      expect(updates).toBeGreaterThan(0);
      expect(mine.length, address).toBe(updates);
      for (const r of mine) {
        expect(r.type).toBe(MrtType.BGP4MP);
        expect(r.subtype).toBe(Bgp4mpSubtype.MESSAGE_AS4);
        if (r.body.kind !== 'bgp4mp-message') continue;
        expect(r.body.message.localIp).toBe(SPINE_IP);
        const m = bgpMessageOf(r.body.message, r.subtype);
        expect(m.type).toBe(MsgType.UPDATE);
        if (m.type !== MsgType.UPDATE) continue;
        const mp = m.update.attributes.find((a) => a.type === AttrType.MP_REACH_NLRI || a.type === AttrType.MP_UNREACH_NLRI);
        expect(mp && 'afi' in mp ? `${mp.afi}/${mp.safi}` : 'none').toBe(`${Afi.L2VPN}/${Safi.EVPN}`);
      }
      const states = recs.filter((r) => r.body.kind === 'bgp4mp-state-change' && r.body.change.peerIp === address);
      expect(states.some((r) => r.body.kind === 'bgp4mp-state-change' && r.body.change.newState === 6), `${address} Established`).toBe(true);
    }

    const lines = execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('|STATE|')).length).toBe(recs.filter((r) => r.body.kind === 'bgp4mp-state-change').length);
    const verbose = execFileSync('bgpdump', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(verbose.match(/^TYPE: BGP4MP\/MESSAGE\/Update$/gm)?.length ?? 0).toBe(recs.filter((r) => r.body.kind === 'bgp4mp-message').length);
  }, 120_000);
});
