import { parseArgs, type ParseArgsConfig } from 'node:util';

interface Out {
  write(s: string): unknown;
}

/**
 * parseArgs for `evpn-vtep COMMAND`: on a bad option or value, the reason
 * (and `usage`, if given) goes to `err` and the result is undefined, for the
 * command to exit with status 2.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T, err: Out, usage = ''): ReturnType<typeof parseArgs<T>> | undefined {
  try {
    return parseArgs(config);
  } catch (e) {
    err.write(`evpn-vtep ${command}: ${e instanceof Error ? e.message : String(e)}\n${usage}`);
    return undefined;
  }
}
