import type { Reporter } from 'vitest/node' with { 'resolution-mode': 'import' };

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

/**
 * Prints the plain closing line "N passed, N failed, N skipped" that CI reads,
 * after vitest's own summary (which is printed from onFinished, so this is too).
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: unknown[] = []): void {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    const walk = (t: Task): void => {
      if (t.type === 'test') {
        const s = t.result?.state;
        if (s === 'pass') passed++;
        else if (s === 'fail') failed++;
        else skipped++;
        return;
      }
      if (t.result?.state === 'fail' && !(t.tasks ?? []).some((c) => c.result?.state === 'fail')) failed++;
      for (const c of t.tasks ?? []) walk(c);
    };
    for (const f of files) walk(f);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
