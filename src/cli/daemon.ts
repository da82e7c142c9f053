import { parseArgs } from 'node:util';
import { formatErrors, loadConfig, type BgpConfig, type VtepConfig } from '../config';

/** What the long-running commands (`bgp`, `run`) share: `--config FILE`, config errors, and waiting for a stop signal. */

export interface Out {
  write(s: string): unknown;
}

/**
 * Parses `--config FILE` and loads it; on any error prints it (config
 * errors as `file:line:col: reason`) and returns the exit status 2.
 */
export function loadDaemonConfig(cmd: 'bgp', argv: string[], err: Out): BgpConfig | 2;
export function loadDaemonConfig(cmd: 'run', argv: string[], err: Out): VtepConfig | 2;
export function loadDaemonConfig(cmd: 'bgp' | 'run', argv: string[], err: Out): BgpConfig | 2 {
  const usage = `usage: evpn-vtep ${cmd} --config FILE\n`;
  let file: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } }, allowPositionals: true });
    if (positionals.length) throw new Error(`unexpected argument "${positionals[0]}"`);
    file = values.config;
  } catch (e) {
    err.write(`evpn-vtep ${cmd}: ${e instanceof Error ? e.message : String(e)}\n${usage}`);
    return 2;
  }
  if (!file) {
    err.write(usage);
    return 2;
  }
  const loaded = cmd === 'run' ? loadConfig(file, 'run') : loadConfig(file, 'bgp');
  if (!loaded.ok) {
    err.write(formatErrors(loaded.errors) + '\n');
    return 2;
  }
  return loaded.config;
}

/** Resolves on SIGINT, SIGTERM or the abort signal (tests). */
export function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
