import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFrame, type Layer } from '../../../src/packet/frame';
import { writePcap } from '../../../src/packet/pcap';
import { hasCommand } from '../../support/root';
import { corpus } from './bgp-corpus';

/**
 * Wireshark as an independent judge: every kind of BGP message the project
 * encodes is put on a TCP stream to port 179, written to a pcap and read back
 * by tshark, which must find nothing malformed and print the values we encoded.
 */

const EMPTY = new Uint8Array(0);
const haveTshark = hasCommand('tshark');
if (!haveTshark) console.warn('[skip] tshark judge for BGP: tshark is not installed');

function tcpFrame(payload: Uint8Array, seq: number): Uint8Array {
  const layers: Layer[] = [
    { type: 'ethernet', value: { src: '02:aa:ff:00:00:01', dst: '02:bb:ff:00:00:02', ethertype: 0x0800, vlans: [], payload: EMPTY } },
    {
      type: 'ipv4',
      value: { dscp: 48, ecn: 0, id: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 6, src: '10.98.0.1', dst: '10.98.0.2', options: EMPTY, payload: EMPTY },
      trailer: EMPTY,
    },
    { type: 'tcp', value: { srcPort: 40000, dstPort: 179, seq, ack: 1, flags: 0x18, window: 502, urgentPointer: 0, options: EMPTY, payload } },
  ];
  return encodeFrame(layers, 'compute');
}

describe.skipIf(!haveTshark)('tshark reads every BGP message we encode', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'evpn-tshark-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cases = corpus();
  const file = path.join(dir, 'bgp.pcap');
  let seq = 1000;
  const frames = cases.map((c) => {
    const f = tcpFrame(c.bytes, seq);
    seq += c.bytes.length;
    return { data: f };
  });
  writeFileSync(file, writePcap(frames));

  it('finds no malformed packet and no expert error', () => {
    const out = execFileSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8' });
    expect(out.trim()).toBe('');
    const types = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'bgp.type'], { encoding: 'utf8' }).trim().split('\n');
    expect(types).toHaveLength(cases.length);
  });

  const fields = [...new Set(cases.flatMap((c) => Object.keys(c.expect)))];
  const rows = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
  })
    .replace(/\n$/, '')
    .split('\n');

  cases.forEach((c, i) => {
    it(`prints the values we encoded: ${c.name}`, () => {
      const cols = rows[i]!.split('\t');
      for (const [field, want] of Object.entries(c.expect)) {
        const got = cols[fields.indexOf(field)]!.split('|').filter((x) => x !== '');
        expect({ field, got }).toEqual({ field, got: want });
      }
    });
  });
});
