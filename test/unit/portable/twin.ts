/**
 * Test-only: a NativePipeline and a PortablePipeline fed the same ops and
 * frames, with every output compared - frames (egress, VNI, VXLAN offset,
 * bytes), ops results, events and counters. Any difference throws with both
 * sides printed.
 */
import { expect } from 'vitest';

import type { CounterSet } from '../../../src/dataplane/counters';
import type { DataplaneEvent } from '../../../src/dataplane/events';
import {
  NativePipeline,
  type ApplyOpsResult,
  type CounterSnapshot,
  type InputFrame,
  type OutputFrame,
  type PipelineConfig,
} from '../../../src/dataplane/native';
import { encodeOps, type DataplaneOp } from '../../../src/dataplane/ops';
import { PortablePipeline } from '../../../src/dataplane/portable/pipeline';
import type { PipelineLike } from '../../../src/dataplane/portable/types';

export interface FrameDump {
  egress: string;
  vni: number;
  vxlanOffset?: number;
  hex: string;
}

export function dumpFrames(out: OutputFrame[]): FrameDump[] {
  return out.map((f) => {
    const d: FrameDump = {
      egress: f.egress.kind === 'port' ? `port ${f.egress.port}` : `vtep ${f.egress.vtepIdx}`,
      vni: f.vni,
      hex: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength).toString('hex'),
    };
    if (f.vxlanOffset !== undefined) d.vxlanOffset = f.vxlanOffset;
    return d;
  });
}

/** Counters as plain data, only non-zero values, so a diff shows what differs. */
export function dumpCounters(c: CounterSnapshot): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const put = (name: string, s: CounterSet): void => {
    const nz: Record<string, number> = {};
    for (const [k, v] of Object.entries(s)) if (v !== 0) nz[k] = v;
    out[name] = nz;
  };
  for (const [p, s] of c.ports) put(`port ${p}`, s);
  put('underlay', c.underlay);
  put('system', c.system);
  for (const [v, s] of c.vnis) put(`vni ${v}`, s);
  return out;
}

export class Twin {
  readonly native: NativePipeline;
  readonly portable: PortablePipeline;
  /** Output frames of the last run(), from the native side. */
  last: OutputFrame[] = [];
  lastEvents: DataplaneEvent[] = [];

  constructor(config: PipelineConfig) {
    this.native = new NativePipeline(config);
    this.portable = new PortablePipeline(config);
  }

  applyOps(ops: readonly DataplaneOp[] | Uint8Array): ApplyOpsResult {
    const bytes = ops instanceof Uint8Array ? ops : encodeOps(ops);
    const n = this.native.applyOps(bytes);
    const p = this.portable.applyOps(bytes);
    expect(p, 'applyOps result').toEqual(n);
    return n;
  }

  /** applyOps that must accept every record. */
  setup(ops: readonly DataplaneOp[]): void {
    const r = this.applyOps(ops);
    expect(r.rejects).toEqual([]);
  }

  run(frames: readonly InputFrame[], now = 1000): OutputFrame[] {
    const n = this.native.run(frames, now);
    const p = this.portable.run(frames, now);
    expect(dumpFrames(p), 'output frames').toEqual(dumpFrames(n));
    this.last = n;
    this.check();
    return n;
  }

  age(now: number, maxAge: number, budget?: number): void {
    this.native.age(now, maxAge, budget);
    this.portable.age(now, maxAge, budget);
    this.check();
  }

  /** Events and counters must be equal; the events are kept in lastEvents. */
  check(): void {
    // Both through the shared interface: NativePipeline satisfies it as is.
    const [nat, port]: PipelineLike[] = [this.native, this.portable];
    const n = nat!.drainEvents();
    expect(port!.drainEvents(), 'events').toEqual(n);
    this.lastEvents = n;
    expect(dumpCounters(port!.counters()), 'counters').toEqual(dumpCounters(nat!.counters()));
    expect(port!.fdbSize, 'FDB size').toBe(nat!.fdbSize);
  }
}
