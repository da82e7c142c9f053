import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/util/reader';
import { toHex } from '../../../src/util/bytes';
import { encodeToBytes } from '../../../src/util/codec';
import * as header from '../../../src/bgp/wire/header';
import * as open from '../../../src/bgp/wire/open';
import * as keepalive from '../../../src/bgp/wire/keepalive';
import type { Capability } from '../../../src/bgp/wire/capabilities';
import { negotiate } from '../../../src/bgp/wire/negotiate';
import { afiSafiKey } from '../../../src/bgp/wire/context';
import { capturedMessages } from './support';

const msgs = capturedMessages();
const opens = msgs.filter((m) => m.type === 1);
const openFrom = (file: string, src: string): open.OpenMessage => {
  const m = opens.find((o) => o.file === file && o.src === src);
  if (!m) throw new Error(`no OPEN from ${src} in ${file}`);
  return open.decodeMessage(m.bytes);
};

const openCodec = { encodingLength: open.encodingLength, encode: open.encode, decode: open.decode };

/** FRR 8.4's capability list, in its wire order (README: MP, 128, 2, 70, AS4, 6, 69, 73, 64, 71). */
function frrCaps(hostname: string): Capability[] {
  return [
    { kind: 'multiprotocol', afi: 25, safi: 70 },
    { kind: 'route-refresh-cisco' },
    { kind: 'route-refresh' },
    { kind: 'enhanced-route-refresh' },
    { kind: 'four-octet-as', asn: 65100 },
    { kind: 'extended-message' },
    { kind: 'add-path', families: [{ afi: 25, safi: 70, sendReceive: 1 }] },
    { kind: 'fqdn', hostname, domainName: '' },
    // 0xc078: R and N set, restart time 120 s, no AFI/SAFI tuples (helper mode).
    { kind: 'graceful-restart', restarting: true, notification: true, restartTime: 120, families: [] },
    // 00 19 46 80 00 00 00: L2VPN/EVPN, F bit, long-lived stale time 0.
    { kind: 'llgr', families: [{ afi: 25, safi: 70, forwardingPreserved: true, staleTime: 0 }] },
  ];
}

describe('golden OPENs from the captures', () => {
  it('finds every OPEN and KEEPALIVE the README lists', () => {
    expect(opens).toHaveLength(4);
    expect(msgs.filter((m) => m.type === 4)).toHaveLength(4);
  });

  it('FRR ↔ FRR: both OPENs decode to AS 65100, hold 180, their router ids and FRR capabilities', () => {
    const b = openFrom('frr-frr-ibgp-evpn.pcap', '10.98.0.2');
    expect(b).toEqual({ version: 4, myAs: 65100, holdTime: 180, bgpId: '10.98.0.2', capabilities: frrCaps('cpa-vtb') });
    const a = openFrom('frr-frr-ibgp-evpn.pcap', '10.98.0.1');
    expect(a).toEqual({ version: 4, myAs: 65100, holdTime: 180, bgpId: '10.98.0.1', capabilities: frrCaps('cpa-vta') });
    expect(open.peerAs(a)).toBe(65100);
  });

  it('GoBGP ↔ FRR: FRR as above, GoBGP AS 65200 hold 90 with all capabilities in one parameter', () => {
    const frr = openFrom('gobgp-frr-ebgp-evpn.pcap', '10.97.0.1');
    expect(frr).toEqual({ version: 4, myAs: 65100, holdTime: 180, bgpId: '10.98.0.1', capabilities: frrCaps('cpa-vta') });
    const gobgp = openFrom('gobgp-frr-ebgp-evpn.pcap', '10.97.0.2');
    expect(gobgp).toEqual({
      version: 4,
      myAs: 65200,
      holdTime: 90,
      bgpId: '10.97.0.2',
      capabilities: [
        { kind: 'route-refresh' },
        { kind: 'fqdn', hostname: 'vm', domainName: '' },
        { kind: 'multiprotocol', afi: 25, safi: 70 },
        { kind: 'four-octet-as', asn: 65200 },
        { kind: 'extended-next-hop', entries: [{ afi: 25, safi: 70, nhAfi: 2 }] },
      ],
      capabilityGroups: [5],
    });
    expect(open.peerAs(gobgp)).toBe(65200);
  });

  it('every OPEN re-encodes byte-identically', () => {
    for (const m of opens) {
      const v = open.decode(new Reader(m.bytes));
      expect(toHex(encodeToBytes(openCodec, v, undefined))).toBe(toHex(m.bytes));
    }
  });

  it('every KEEPALIVE decodes and re-encodes byte-identically', () => {
    for (const m of msgs.filter((x) => x.type === 4)) {
      expect(keepalive.decodeMessage(m.bytes)).toEqual({});
      expect(toHex(keepalive.keepaliveBytes())).toBe(toHex(m.bytes));
    }
  });

  it('every captured message passes the header check with its own length', () => {
    for (const m of msgs) {
      // FRR ↔ FRR negotiated extended messages; the captures stay below 4096 anyway.
      expect(header.decode(new Reader(m.bytes), { extendedMessage: false })).toEqual({ length: m.bytes.length, type: m.type });
      expect(header.checkHeader(m.bytes, 0, true)).toBe(m.bytes.length);
    }
  });
});

describe('negotiation of the captured OPENs', () => {
  it('FRR ↔ FRR: EVPN, AS4, extended message, route refresh, no ADD-PATH (both only receive), hold 180', () => {
    const a = openFrom('frr-frr-ibgp-evpn.pcap', '10.98.0.1');
    const b = openFrom('frr-frr-ibgp-evpn.pcap', '10.98.0.2');
    const n = negotiate(a, b);
    expect(n.families).toEqual([{ afi: 25, safi: 70 }]);
    expect(n.fourOctetAs).toBe(true);
    expect(n.extendedMessage).toBe(true);
    expect(n.routeRefresh).toBe(true);
    expect(n.enhancedRouteRefresh).toBe(true);
    expect([...n.addPathRx]).toEqual([]);
    expect([...n.addPathTx]).toEqual([]);
    expect(n.holdTime).toBe(180);
    expect(n.keepaliveTime).toBe(60);
    expect(n.peerAs).toBe(65100);
    expect(n.peerBgpId).toBe('10.98.0.2');
    expect(n.peerHostname).toBe('cpa-vtb');
    expect(n.peerGracefulRestart?.restartTime).toBe(120);
    expect(n.peerLlgr?.families).toEqual([{ afi: 25, safi: 70, forwardingPreserved: true, staleTime: 0 }]);
  });

  it('FRR ↔ GoBGP: no extended message, no enhanced refresh, hold min(180, 90) = 90', () => {
    const frr = openFrom('gobgp-frr-ebgp-evpn.pcap', '10.97.0.1');
    const gobgp = openFrom('gobgp-frr-ebgp-evpn.pcap', '10.97.0.2');
    const n = negotiate(frr, gobgp);
    expect(n.families).toEqual([{ afi: 25, safi: 70 }]);
    expect(n.fourOctetAs).toBe(true);
    expect(n.extendedMessage).toBe(false);
    expect(n.routeRefresh).toBe(true);
    expect(n.enhancedRouteRefresh).toBe(false);
    expect(n.holdTime).toBe(90);
    expect(n.keepaliveTime).toBe(30);
    expect(n.peerAs).toBe(65200);
    expect(n.peerHostname).toBe('vm');
    expect(n.peerGracefulRestart).toBeUndefined();
    // GoBGP offers IPv6 next hops for EVPN but FRR did not advertise extended next hop.
    expect(n.extendedNextHop).toEqual([]);
    // The other direction sees FRR's GR and LLGR.
    const back = negotiate(gobgp, frr);
    expect(back.peerGracefulRestart?.restarting).toBe(true);
    expect(back.addPathRx.has(afiSafiKey(25, 70))).toBe(false);
  });
});
