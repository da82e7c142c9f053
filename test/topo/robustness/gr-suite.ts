import { afterAll, beforeAll } from 'vitest';
import type { GrFabric } from './gr-support';

// Apart from gr-support.ts, which the soak bench loads outside vitest.

/**
 * Brings `f` up before the suite's tests, then runs `ready` (if given), and
 * takes it down after them; also when bringing it up fails, so nothing is
 * left behind.
 */
export function useGrFabric(f: GrFabric, ready?: () => Promise<void>): void {
  beforeAll(async () => {
    try {
      await f.up();
      await ready?.();
    } catch (e) {
      await f.destroy();
      throw e;
    }
  }, 120_000);

  afterAll(async () => {
    await f.destroy();
  });
}
