import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns something truthy or `timeoutMs` passes:
 * bounded in time, always. A check that throws counts as "not yet"; the last
 * error is quoted in the timeout message.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
}
