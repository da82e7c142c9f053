import { describe, expect, it } from 'vitest';
import { NativePipeline, nativeUnavailableReason } from '../../src/dataplane/native';
import { PortablePipeline } from '../../src/dataplane/portable/pipeline';
import type { PipelineLike } from '../../src/dataplane/portable/types';

/**
 * Every MAC the FDB holds must have been reported to the control plane, or
 * it is never advertised by BGP and remote VTEPs flood its traffic forever.
 * With the event ring full, a MAC is not kept, and its next frame retries.
 * Both pipelines, since they must stay byte- and event-identical.
 */

const why = nativeUnavailableReason();
const CFG = { eventRing: 16, underlay: { localIp: '10.99.0.1', localMac: '02:aa:ff:00:00:01', nextHopMac: '02:bb:ff:00:00:02' } };

function frameFrom(i: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0xcc, 0, 0, (i >> 8) & 0xff, i & 0xff, 0x88, 0xb5]);
  return f;
}

const makers: [string, () => PipelineLike][] = [
  ['native', () => new NativePipeline(CFG)],
  ['portable', () => new PortablePipeline(CFG)],
];

describe.skipIf(why !== null)('learning with a full event ring', () => {
  for (const [name, make] of makers) {
    it(`${name}: a MAC whose event was dropped is learned again on its next frame`, () => {
      const p = make();
      p.applyOps([{ op: 'vniAdd', vni: 100 }, { op: 'portAdd', port: 0, vni: 100 }, { op: 'portAdd', port: 1, vni: 100 }]);
      const frames = Array.from({ length: 20 }, (_, i) => ({ port: 0, bytes: frameFrom(i) }));
      p.run(frames, 1);
      const first = p.drainEvents().filter((e) => e.type === 'macLearned');
      expect(first.length).toBeLessThan(20);
      // The ring is empty again: the same 20 hosts talk once more.
      p.run(frames, 2);
      const second = p.drainEvents().filter((e) => e.type === 'macLearned');
      expect(first.length + second.length).toBe(20);
      expect(new Set([...first, ...second].map((e) => e.mac)).size).toBe(20);
    });
  }
});
