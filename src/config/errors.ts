/**
 * One problem found in a configuration file, located like a compiler error
 * so editors can jump to it: `lab.yaml:12:5: neighbors[0].remote-as: …`.
 * Lines and columns are 1-based; line 0 means the problem is the file
 * itself (it could not be read).
 */
export class ConfigError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly message: string,
  ) {}

  toString(): string {
    return this.line > 0 ? `${this.file}:${this.line}:${this.col}: ${this.message}` : `${this.file}: ${this.message}`;
  }
}

export type LoadResult<T> = { ok: true; config: T } | { ok: false; errors: ConfigError[] };

/** All errors, one per line, for printing. */
export function formatErrors(errors: readonly ConfigError[]): string {
  return errors.map(String).join('\n');
}
