/**
 * Counter blocks (native/src/counters.h): every block holds the whole list of
 * src/dataplane/counters.ts (= native/src/counters.def), laid out as
 * [access ports][underlay][system][VNIs] in one Float64Array allocated once,
 * so counting is an index and an add. Doubles count exactly to 2^53.
 */
import { COUNTER_NAMES, counterBlock, type CounterName } from '../counters';
import type { CounterSnapshot } from '../native';

export const COUNTERS = COUNTER_NAMES.length;

/** Index of each counter in a block. */
export const C = Object.fromEntries(COUNTER_NAMES.map((n, i) => [n, i])) as Record<CounterName, number>;

export class CounterTable {
  readonly values: Float64Array;
  readonly underlayBase: number;
  readonly systemBase: number;

  constructor(
    readonly maxPorts: number,
    readonly maxVnis: number,
  ) {
    this.values = new Float64Array((maxPorts + 2 + maxVnis) * COUNTERS);
    this.underlayBase = maxPorts * COUNTERS;
    this.systemBase = (maxPorts + 1) * COUNTERS;
  }

  /** Base offset of a port's block in `values`. */
  port(p: number): number {
    return p * COUNTERS;
  }
  vni(vniIdx: number): number {
    return (this.maxPorts + 2 + vniIdx) * COUNTERS;
  }

  /**
   * The snapshot shape of NativePipeline.counters(): configured ports and
   * unconfigured ones that received frames, the underlay and system blocks,
   * and every configured VNI in table order.
   */
  snapshot(portUsed: (p: number) => boolean, vniUsed: (i: number) => boolean, vniOf: (i: number) => number): CounterSnapshot {
    const ports = new Map<number, ReturnType<typeof counterBlock>>();
    for (let p = 0; p < this.maxPorts; p++) {
      if (portUsed(p) || this.values[this.port(p) + C.rx_packets]! !== 0) ports.set(p, counterBlock(this.values, p));
    }
    const vnis = new Map<number, ReturnType<typeof counterBlock>>();
    for (let i = 0; i < this.maxVnis; i++) if (vniUsed(i)) vnis.set(vniOf(i), counterBlock(this.values, this.maxPorts + 2 + i));
    return {
      ports,
      underlay: counterBlock(this.values, this.maxPorts),
      system: counterBlock(this.values, this.maxPorts + 1),
      vnis,
    };
  }
}
