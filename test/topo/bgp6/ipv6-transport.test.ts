import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topology, ipNs } from '../../support/netns';
import { FrrInstance, waitFor } from '../../support/peers';
import { VtepProcess, poll } from '../../support/vtep-process';
import { requireRoot } from '../../support/root';

/**
 * BGP over IPv6 transport: evpn-vtep and FRR bgpd peer over link addresses
 * of a veth between two namespaces (L2VPN/EVPN negotiated over an IPv6
 * session), and each sees the session Established.
 */

const canRun = requireRoot('BGP over IPv6 transport');
const OURS = 'fd00:61::1';
const FRR = 'fd00:61::2';

describe.skipIf(!canRun)('BGP over IPv6 transport with FRR', () => {
  const topo = new Topology('b6');
  let frr: FrrInstance | undefined;
  let vtep: VtepProcess | undefined;

  beforeAll(async () => {
    const a = topo.addNs('a');
    const b = topo.addNs('b');
    topo.addVeth({ ns: a, name: topo.name('va') }, { ns: b, name: topo.name('vb') });
    ipNs(a, ['addr', 'add', `${OURS}/64`, 'dev', topo.name('va'), 'nodad']);
    ipNs(b, ['addr', 'add', `${FRR}/64`, 'dev', topo.name('vb'), 'nodad']);
    frr = new FrrInstance(
      b,
      `hostname frr6\nrouter bgp 65001\n bgp router-id 10.61.0.2\n no bgp default ipv4-unicast\n no bgp ebgp-requires-policy\n neighbor ${OURS} remote-as 65000\n neighbor ${OURS} timers 3 9\n address-family l2vpn evpn\n  neighbor ${OURS} activate\n exit-address-family\n`,
    );
    await frr.start();
    vtep = new VtepProcess(a, { routerId: '10.61.0.1', as: 65000, listenAddress: '::', neighbors: [{ address: FRR, remoteAs: 65001, holdTime: 9 }] });
    await vtep.start();
  }, 60_000);

  afterAll(async () => {
    await vtep?.destroy();
    frr?.destroy();
    topo.destroy();
  });

  it('comes up Established on both sides and negotiates L2VPN/EVPN', async () => {
    const peer = await poll('evpn-vtep Established over IPv6', async () => {
      const p = (await vtep!.peers()).find((x) => x.address === FRR);
      return p?.state === 'Established' ? p : undefined;
    }, 30_000);
    expect(peer).toMatchObject({ address: FRR, remoteAs: 65001, state: 'Established' });
    const s = await waitFor('FRR Established over IPv6', () => {
      const j = frr!.vtyshJson<{ peers?: Record<string, { state?: string }> }>('show bgp l2vpn evpn summary json');
      return j.peers?.[OURS]?.state === 'Established' ? j.peers[OURS] : undefined;
    }, 30_000);
    expect(s.state).toBe('Established');
  });
});
