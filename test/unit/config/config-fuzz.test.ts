import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 100000), 3000);

const SAMPLE = `router-id: 10.0.0.1
as: 65001
underlay: { address: 10.0.0.1, udp-port: 4789 }
neighbors:
  - address: 10.0.0.2
    remote-as: 65002
    hold-time: 9
l2vnis:
  - { vni: 10, interface: tap10, route-targets: { import: ["65001:10"] } }
`;

describe('the loader never throws', () => {
  it('on random text: a config or positioned errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = parseConfig(text, 'f.yaml');
        if (!r.ok) for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('on mutations of a valid file', () => {
    fc.assert(
      fc.property(fc.nat(SAMPLE.length - 1), fc.nat(SAMPLE.length), fc.string({ maxLength: 8 }), (at, len, ins) => {
        const text = SAMPLE.slice(0, at) + ins + SAMPLE.slice(Math.min(SAMPLE.length, at + (len % 6)));
        const r = parseConfig(text, 'f.yaml');
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.line).toBeLessThanOrEqual(text.split('\n').length);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
