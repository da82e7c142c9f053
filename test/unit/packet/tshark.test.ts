import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand } from '../../support/root';
import { writePcap } from '../../../src/packet/pcap';
import { type Layer, findLayer } from '../../../src/packet/frame';
import { fixtureFrames } from './fixtures';

/** tshark judges frames built by our encoders: no malformed packets, no expert errors, same field values. */
const HAVE_TSHARK = hasCommand('tshark');
if (!HAVE_TSHARK) console.warn('[skip] packet/tshark: tshark is not installed');

const CHECKS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
const FIELDS = [
  'frame.number',
  'ip.checksum.status',
  'udp.checksum.status',
  'icmp.checksum.status',
  'icmpv6.checksum.status',
  'vxlan.vni',
  'vlan.id',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
  'arp.isgratuitous',
  'arp.isprobe',
  'arp.isannouncement',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
  'icmpv6.opt.linkaddr',
  'icmp.ident',
  'icmp.seq',
  'ip.src',
  'ipv6.src',
] as const;
type Row = Record<(typeof FIELDS)[number], string[]>;

describe.skipIf(!HAVE_TSHARK)('tshark as judge of the encoders', () => {
  const frames = fixtureFrames();
  let dir = '';
  let file = '';
  let rows: Row[] = [];

  const tshark = (args: string[]): string =>
    execFileSync('tshark', ['-r', file, ...CHECKS, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pk-tshark-'));
    file = path.join(dir, 'frames.pcap');
    writeFileSync(file, writePcap(frames.map((f, i) => ({ tsSec: 1700000000 + i, tsUsec: 0, data: f.bytes }))));
    const out = tshark(['-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f])]);
    rows = out
      .trimEnd()
      .split('\n')
      .map((line) => {
        const cols = line.split('\t');
        return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ? cols[i]!.split(',') : []])) as Row;
      });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every frame, none malformed and no expert error', () => {
    expect(rows).toHaveLength(frames.length);
    expect(tshark(['-Y', '_ws.malformed || _ws.expert.severity >= error'])).toBe('');
  });

  it('every IP, UDP, ICMP and ICMPv6 checksum is good (status 1; 3 = UDP zero checksum, not present)', () => {
    rows.forEach((r, i) => {
      const f = frames[i]!;
      const ipCount = f.layers.filter((l) => l.type === 'ipv4').length;
      expect(r['ip.checksum.status'], f.name).toEqual(Array(ipCount).fill('1'));
      const udps = f.layers.filter((l): l is Extract<Layer, { type: 'udp' }> => l.type === 'udp');
      expect(r['udp.checksum.status'], f.name).toEqual(udps.map(() => '1'));
      expect(r['icmp.checksum.status'], f.name).toEqual(findLayer(f.layers, 'icmpv4') ? ['1'] : []);
      expect(r['icmpv6.checksum.status'], f.name).toEqual(findLayer(f.layers, 'icmpv6') ? ['1'] : []);
    });
  });

  it('VNI, VLAN, ARP, ICMP echo and ND fields equal the encoded values', () => {
    rows.forEach((r, i) => {
      const f = frames[i]!;
      const vx = findLayer(f.layers, 'vxlan');
      expect(r['vxlan.vni'], f.name).toEqual(vx ? [String(vx.value.vni)] : []);
      const tags = f.layers.flatMap((l) => (l.type === 'ethernet' ? l.value.vlans.filter((t) => t.tpid === 0x8100).map((t) => String(t.vid)) : []));
      expect(r['vlan.id'], f.name).toEqual(tags);
      const a = findLayer(f.layers, 'arp');
      if (a) {
        expect([r['arp.opcode'], r['arp.src.hw_mac'], r['arp.src.proto_ipv4'], r['arp.dst.proto_ipv4']], f.name).toEqual([
          [String(a.value.op)],
          [a.value.senderMac],
          [a.value.senderIp],
          [a.value.targetIp],
        ]);
        const kind = f.name.replace(/^vxlan\d-/, '');
        expect(r['arp.isgratuitous'].length > 0, f.name).toBe(kind === 'arp-gratuitous' || kind === 'arp-announcement');
        expect(r['arp.isprobe'].length > 0, f.name).toBe(kind === 'arp-probe');
        expect(r['arp.isannouncement'].length > 0, f.name).toBe(kind === 'arp-announcement');
      } else {
        expect(r['arp.opcode']).toEqual([]);
      }
      const icmp = findLayer(f.layers, 'icmpv4');
      if (icmp && icmp.value.kind === 'echo') {
        expect([r['icmp.ident'], r['icmp.seq']]).toEqual([[String(icmp.value.id)], [String(icmp.value.seq)]]);
      }
      const nd = findLayer(f.layers, 'icmpv6');
      if (nd && (nd.value.kind === 'ns' || nd.value.kind === 'na')) {
        const target = nd.value.kind === 'ns' ? r['icmpv6.nd.ns.target_address'] : r['icmpv6.nd.na.target_address'];
        expect(target, f.name).toEqual([nd.value.target]);
        expect(r['icmpv6.opt.linkaddr'], f.name).toEqual(nd.value.options.map((o) => (o.kind === 'raw' ? '?' : o.mac)));
      }
      const ips = f.layers.filter((l) => l.type === 'ipv4').map((l) => l.value.src);
      expect(r['ip.src'], f.name).toEqual(ips);
      const ip6s = f.layers.filter((l) => l.type === 'ipv6').map((l) => l.value.src);
      expect(r['ipv6.src'], f.name).toEqual(ip6s);
    });
  });

  it('covers every kind the brief lists', () => {
    const names = frames.map((f) => f.name);
    for (const n of ['arp-request', 'arp-reply', 'arp-gratuitous', 'arp-probe', 'ipv4-udp', 'ipv4-udp-dot1q', 'ipv6-udp', 'icmp-echo-request', 'icmpv6-ns', 'icmpv6-na']) {
      expect(names).toContain(n);
    }
    expect(names.some((n) => n.startsWith('vxlan4'))).toBe(true);
    expect(names.some((n) => n.startsWith('vxlan6'))).toBe(true);
  });
});
