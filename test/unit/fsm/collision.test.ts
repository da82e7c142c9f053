import { describe, expect, it } from 'vitest';
import { resolveCollision, type CollisionCandidate } from '../../../src/bgp/fsm';

const out = (state: CollisionCandidate['state']): CollisionCandidate => ({ outbound: true, state });
const inb = (state: CollisionCandidate['state']): CollisionCandidate => ({ outbound: false, state });

describe('connection collision resolution (RFC 4271 §6.8)', () => {
  const base = { localAs: 65001, remoteAs: 65002 };

  it('local identifier higher: our outbound connection survives', () => {
    // Existing = ours (OpenConfirm), incoming = the peer's: dump the incoming.
    expect(resolveCollision({ ...base, localId: '10.0.0.2', remoteId: '10.0.0.1', existing: out('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ collision: true, dump: 'incoming' });
    // Existing = the peer's, incoming OPEN on ours: dump the existing.
    expect(resolveCollision({ ...base, localId: '10.0.0.2', remoteId: '10.0.0.1', existing: inb('OpenConfirm'), incoming: out('OpenSent') })).toMatchObject({ collision: true, dump: 'existing' });
  });

  it('local identifier lower: the connection the peer initiated survives', () => {
    expect(resolveCollision({ ...base, localId: '10.0.0.1', remoteId: '10.0.0.2', existing: out('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ dump: 'existing' });
    expect(resolveCollision({ ...base, localId: '10.0.0.1', remoteId: '10.0.0.2', existing: inb('OpenConfirm'), incoming: out('OpenSent') })).toMatchObject({ dump: 'incoming' });
  });

  it('compares identifiers as unsigned 32-bit integers, not as strings', () => {
    // "9.0.0.1" > "10.0.0.1" as strings, but 10.0.0.1 is the larger number.
    expect(resolveCollision({ ...base, localId: '9.0.0.1', remoteId: '10.0.0.1', existing: out('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ dump: 'existing' });
    // 200.x is above 2^31: a signed comparison would get this wrong.
    expect(resolveCollision({ ...base, localId: '200.0.0.1', remoteId: '10.0.0.1', existing: out('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ dump: 'incoming' });
  });

  it('equal identifiers between ASes: the higher AS initiator survives (RFC 6286 §2.3)', () => {
    const ids = { localId: '10.0.0.1', remoteId: '10.0.0.1' };
    expect(resolveCollision({ ...ids, localAs: 65001, remoteAs: 65002, existing: out('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ dump: 'existing' });
    expect(resolveCollision({ ...ids, localAs: 65003, remoteAs: 65002, existing: out('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ dump: 'incoming' });
  });

  it('an Established connection wins unless CollisionDetectEstablishedState is set', () => {
    const p = { ...base, localId: '10.0.0.1', remoteId: '10.0.0.2', existing: out('Established'), incoming: inb('OpenSent') };
    expect(resolveCollision(p)).toMatchObject({ dump: 'incoming' });
    expect(resolveCollision({ ...p, collisionDetectEstablishedState: true })).toMatchObject({ dump: 'existing' });
  });

  it('no collision while the existing connection has not sent its OPEN', () => {
    for (const st of ['Idle', 'Connect', 'Active'] as const) {
      expect(resolveCollision({ ...base, localId: '10.0.0.1', remoteId: '10.0.0.2', existing: out(st), incoming: inb('OpenSent') })).toEqual({ collision: false });
    }
  });

  it('two connections in the same direction: the newer one goes', () => {
    expect(resolveCollision({ ...base, localId: '10.0.0.9', remoteId: '10.0.0.2', existing: inb('OpenConfirm'), incoming: inb('OpenSent') })).toMatchObject({ dump: 'incoming' });
  });
});
