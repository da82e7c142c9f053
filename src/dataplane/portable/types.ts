/**
 * What the native pipeline (src/dataplane/native.ts NativePipeline) and the
 * portable one (./pipeline.ts PortablePipeline) have in common: same ops in,
 * same frames through, same frames, events and counters out.
 */
import type { DataplaneEvent } from '../events';
import type { ApplyOpsResult, CounterSnapshot, InputFrame, OutputFrame, PipelineConfig } from '../native';
import type { DataplaneOp } from '../ops';

export interface PipelineLike {
  readonly config: PipelineConfig;
  /** A batch of ops (records encoded with ops.ts, or the op objects). */
  applyOps(ops: readonly DataplaneOp[] | Uint8Array): ApplyOpsResult;
  /**
   * Pushes frames through in vectors of up to 256; returns what was sent.
   * Frames made by ops (ARP probes) come out first. `now`: pipeline clock in
   * seconds (default: a monotonic clock).
   */
  run(frames: readonly InputFrame[], now?: number): OutputFrame[];
  drainEvents(): DataplaneEvent[];
  counters(): CounterSnapshot;
  /** One aging step: learned MACs idle for more than maxAge seconds go (macAged events). */
  age(now: number, maxAge: number, budget?: number): void;
  readonly fdbSize: number;
}

export type { ApplyOpsResult, CounterSnapshot, InputFrame, OutputFrame, PipelineConfig };
