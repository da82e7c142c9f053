/**
 * The one error type decoders raise. Anything else escaping a decoder is a bug.
 * `offset` is where in the input the problem was found, for the `decode` CLI.
 */
export class DecodeError extends Error {
  override readonly name: string = 'DecodeError';
  constructor(
    message: string,
    readonly offset = -1,
  ) {
    super(message);
  }
}

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
