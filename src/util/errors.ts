/**
 * The one error type decoders raise. Anything else escaping a decoder is a bug.
 * `offset` is where in the input the problem was found, for the `decode` CLI.
 */
export class DecodeError extends Error {
  override readonly name: string = 'DecodeError';
  readonly offset: number;
  constructor(message: string, offset = -1) {
    // Malformed input is data, not a bug: skip the stack capture, which costs
    // ~10 µs each and would make a flood of garbage expensive (message and
    // offset say where the fault is). EVPN_VTEP_DECODE_STACKS=1 brings it back.
    const limit = Error.stackTraceLimit;
    if (!KEEP_STACKS) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.offset = offset;
  }
}

const KEEP_STACKS = process.env.EVPN_VTEP_DECODE_STACKS === '1';

/** A decode result for callers that prefer values to exceptions (CLI, fuzzers). */
export type Result<T, E = DecodeError> = { ok: true; value: T } | { ok: false; error: E };

/** Runs a decoder and turns a DecodeError into a value; any other exception is a bug and is rethrown. */
export function tryDecode<T>(fn: () => T): Result<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: e };
    throw e;
  }
}
