import { execFileSync } from 'node:child_process';

/** Tests that build namespaces need root and iproute2; without them they are skipped with this reason. */
export function rootSkipReason(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (network namespaces)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 with netns support';
  }
  return null;
}

/** Prints the skip reason once so a skipped suite is never silent. */
export function requireRoot(suite: string): boolean {
  const why = rootSkipReason();
  if (why) console.warn(`[skip] ${suite}: ${why}`);
  return why === null;
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
