import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { imetRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { runMrt } from '../../../src/cli/mrt';
import { buildAnnouncements } from '../../../src/inject/build';
import { parseSpec } from '../../../src/inject/spec';
import { dumpRib } from '../../../src/mrt/dump';
import { Bgp4mpRecorder } from '../../../src/mrt/recorder';

function sink(): { write(s: string): boolean; text: string } {
  return {
    text: '',
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

describe('evpn-vtep mrt', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mt-cli-'));
  const attrs: PathAttribute[] = [
    { type: 1, flags: 0x40, origin: 0 },
    { type: 2, flags: 0x40, segments: [{ type: 2, asns: [65001] }] },
    { type: 16, flags: 0xc0, communities: [{ kind: 'route-target', form: 'as2', asn: 65001, local: 100 }] },
  ];
  const table = path.join(dir, 't.mrt');
  writeFileSync(
    table,
    dumpRib(
      [
        { route: macIpRoute({ rd: '10.0.0.1:100', mac: '02:aa:bb:cc:dd:01', ip: '10.100.0.77', label1: 100 }), attrs, nextHop: '10.0.0.1', from: '10.0.0.1', best: true },
        { route: imetRoute({ rd: '10.0.0.1:100', originatorIp: '10.0.0.1' }), attrs, nextHop: '10.0.0.1', from: '10.0.0.1', best: true },
      ],
      { collectorBgpId: '10.0.0.254', localAs: 65000, peers: [{ id: '10.0.0.1', address: '10.0.0.1', asn: 65001, bgpId: '10.0.0.1' }], timestamp: 1700000000 },
    ),
  );
  const updates = path.join(dir, 'u.mrt');
  const spec = parseSpec('routes:\n  - { type: 2, rd: "10.0.0.1:100", mac: "02:aa:bb:cc:dd:02", labels: [100], next-hop: 10.0.0.1 }\n', 'x');
  if (!spec.ok) throw new Error(String(spec.errors));
  const chunks: Uint8Array[] = [];
  const rec = new Bgp4mpRecorder((b) => chunks.push(b), { extendedTimestamp: true });
  rec.recordStateChange({ address: '10.0.0.1', asn: 65001 }, { address: '10.0.0.254', asn: 65000 }, 5, 6, 1700000000250);
  for (const m of buildAnnouncements(spec.config, { localAs: 65001, peerAs: 65000, defaultNextHop: '10.0.0.1', ctx: { fourOctetAs: true, extendedMessage: false, addPathRx: new Set() } })) {
    rec.recordMessage({ address: '10.0.0.1', asn: 65001 }, { address: '10.0.0.254', asn: 65000 }, m.bytes, 1700000000500);
  }
  writeFileSync(updates, Buffer.concat([...chunks, Uint8Array.of(0, 0, 0)]));

  it('prints a table dump one record per line with its routes', async () => {
    const out = sink();
    expect(await runMrt([table], out, sink())).toBe(0);
    const lines = out.text.trimEnd().split('\n');
    expect(lines[0]).toBe('       0 2023-11-14T22:13:20Z TABLE_DUMP_V2/PEER_INDEX_TABLE  collector 10.0.0.254, 1 peer(s): #0 10.0.0.1 AS 65001');
    expect(lines[1]).toMatch(/TABLE_DUMP_V2\/RIB_GENERIC {2}#0 1 path\(s\)/);
    expect(lines[2]).toBe('        peer #0 nh 10.0.0.1 + type-2 MAC/IP Advertisement RD 10.0.0.1:100 ESI 0 etag 0 MAC 02:aa:bb:cc:dd:01 IP 10.100.0.77 label1 100 RT 65001:100');
    expect(lines[4]).toMatch(/type-3 Inclusive Multicast Ethernet Tag RD 10.0.0.1:100 etag 0 orig 10.0.0.1 RT 65001:100$/);
  });

  it('prints BGP4MP records with the decode views, JSON on request, and reports a truncated tail', async () => {
    const out = sink();
    expect(await runMrt([updates], out, sink())).toBe(1);
    const lines = out.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/2023-11-14T22:13:20\.250000Z BGP4MP_ET\/STATE_CHANGE_AS4 {2}10\.0\.0\.1 AS 65001: OpenConfirm -> Established$/);
    expect(lines[1]).toMatch(/BGP4MP_ET\/MESSAGE_AS4 {2}10\.0\.0\.1 -> 10\.0\.0\.254 {2}UPDATE MP_REACH\(25\/70 nh 10\.0\.0\.1\) ORIGIN=IGP AS_PATH=\[65001\]/);
    expect(lines.at(-1)).toMatch(/error: truncated MRT timestamp/);
    const js = sink();
    await runMrt([updates, '--json'], js, sink());
    const docs = js.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs[0]).toMatchObject({ type: 'BGP4MP_ET/STATE_CHANGE_AS4', peer: '10.0.0.1', oldState: 'OpenConfirm', newState: 'Established' });
    expect(docs[1]).toMatchObject({ type: 'BGP4MP_ET/MESSAGE_AS4', message: { type: 'UPDATE', routes: [{ routeType: 2, mac: '02:aa:bb:cc:dd:02', vnis: [100] }] } });
    rmSync(dir, { recursive: true, force: true });
  });
});
