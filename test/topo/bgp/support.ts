import { randomInt } from 'node:crypto';
import { Speaker } from '../../../src/bgp/speaker';
import { NO_JITTER } from '../../../src/bgp/timers';
import { memoryLogger } from '../../../src/util/log';
import { ip, ipNs, Topology } from '../../support/netns';
import { bgpConfig, MapRib, neighbor } from '../../unit/session/support';
import type { NeighborConfig } from '../../../src/config/schema';

/**
 * One namespace for the real peer, joined to the test's own namespace by a
 * veth pair on a random /29 of 100.64.0.0/10 (shared address space, unlikely
 * to collide with anything else on the machine). The peer sits at .2; our
 * in-process speakers bind .1 and .3 on the near end, each on an ephemeral
 * port (the peer is told the port), and connect to the peer's port 179.
 */
export class PeerLink {
  readonly topo = new Topology('ss');
  readonly ns: string;
  readonly near: string;
  readonly far: string;

  constructor(role: string) {
    this.ns = this.topo.addNs(role);
    this.near = this.topo.name(`${role}a`);
    this.far = this.topo.name(`${role}b`);
    this.topo.addVeth({ ns: null, name: this.near }, { ns: this.ns, name: this.far });
    const prefix = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}.`;
    const first = randomInt(0, 32) * 8;
    const net = (h: number): string => `${prefix}${first + h}`;
    this.addr = net;
    ip(['addr', 'add', `${net(1)}/29`, 'dev', this.near]);
    ip(['addr', 'add', `${net(3)}/29`, 'dev', this.near]);
    ipNs(this.ns, ['addr', 'add', `${net(2)}/29`, 'dev', this.far]);
  }

  readonly addr: (host: number) => string;

  get peer(): string {
    return this.addr(2);
  }

  destroy(): void {
    this.topo.destroy();
  }
}

export interface OurSpeaker {
  sp: Speaker;
  rib: MapRib;
  log: ReturnType<typeof memoryLogger>;
  address: string;
}

/** An in-process speaker at `address` with one neighbor, listening on an ephemeral port. */
export async function ourSpeaker(o: { address: string; as: number; routerId: string; peer: Partial<NeighborConfig> & Pick<NeighborConfig, 'address' | 'remoteAs'> }): Promise<OurSpeaker> {
  const log = memoryLogger('info');
  const rib = new MapRib(o.as);
  const sp = new Speaker({
    config: bgpConfig({
      routerId: o.routerId,
      as: o.as,
      listen: { address: o.address, port: 0 },
      neighbors: [neighbor({ localAddress: o.address, ...o.peer })],
      log: { level: 'info' },
    }),
    rib,
    log,
    jitter: NO_JITTER,
    fsm: { idleHoldTime: 0.2, maxIdleHoldTime: 2, connectRetryTime: 3 },
    hostname: `evpn-${o.routerId}`,
  });
  await sp.listen();
  return { sp, rib, log, address: o.address };
}

export function notifications(s: OurSpeaker, dir: 'sent' | 'received'): string[] {
  return s.log.records.map((r) => String(r.msg)).filter((m) => m.startsWith(`NOTIFICATION ${dir}`));
}

/** Dumps what a failed interop test needs to be understood. */
export function explain(s: OurSpeaker): string {
  return s.log.records.map((r) => JSON.stringify(r)).join('\n');
}
