import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { canonicalIp, isIpv4, isIpv6, type Ip } from '../util/ip';
import { ConfigError } from './errors';

/**
 * Typed reading of a parsed YAML document: every accessor either returns a
 * value of the promised type or records a ConfigError at the offending
 * node's line and column and returns undefined. Callers collect as many
 * errors as possible in one pass instead of stopping at the first.
 */
export class Diagnostics {
  readonly errors: ConfigError[] = [];

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    readonly doc: Document,
  ) {}

  at(offset: number, path: string, message: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.errors.push(new ConfigError(this.file, line, col, path ? `${path}: ${message}` : message));
  }

  line(offset: number): number {
    return this.lines.linePos(offset).line;
  }
}

function offsetOf(node: Node | null | undefined, fallback: number): number {
  return node?.range ? node.range[0] : fallback;
}

/** How a value looked, for "expected …, got …" messages. */
function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'nothing';
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
  }
  return 'an unsupported value';
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest valid key, if close enough to be a plausible typo (or a snake_case/camelCase spelling). */
export function closest(key: string, valid: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const d = norm(v) === norm(key) ? 0 : distance(key.toLowerCase(), v);
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** One value in the document, with the path used in messages ("neighbors[0].remote-as"). */
export class Field {
  readonly node: Node | null;
  readonly offset: number;

  constructor(
    readonly d: Diagnostics,
    raw: Node | null,
    readonly path: string,
    fallbackOffset: number,
  ) {
    this.offset = offsetOf(raw, fallbackOffset);
    this.node = raw && isAlias(raw) ? ((raw.resolve(d.doc) as Node | undefined) ?? null) : raw;
    if (raw && isAlias(raw) && this.node === null) this.error(`unknown alias *${raw.source}`);
  }

  get line(): number {
    return this.d.line(this.offset);
  }

  error(message: string): undefined {
    this.d.at(this.offset, this.path, message);
    return undefined;
  }

  expected(what: string): undefined {
    return this.error(`expected ${what}, got ${describe(this.node)}`);
  }

  /** The scalar's value as YAML typed it (string, number, boolean, null), or undefined for collections. */
  scalar(): unknown {
    return this.node && isScalar(this.node) ? this.node.value : undefined;
  }

  isNull(): boolean {
    return this.node === null || (isScalar(this.node) && this.node.value === null);
  }

  str(what = 'a string'): string | undefined {
    const v = this.scalar();
    if (typeof v === 'string' && v.length > 0) return v;
    if (typeof v === 'number' || typeof v === 'boolean') {
      return this.error(`expected ${what}, got ${String(v)} (YAML read it as a ${typeof v}: put it in quotes)`);
    }
    return this.expected(what);
  }

  bool(): boolean | undefined {
    const v = this.scalar();
    return typeof v === 'boolean' ? v : this.expected('true or false');
  }

  /** An integer in [min, max]; quoted digits are accepted too. */
  int(min: number, max: number, what = `an integer ${min}..${max}`): number | undefined {
    const v = this.scalar();
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : this.expected(what);
  }

  oneOf<T extends string>(choices: readonly T[]): T | undefined {
    const v = this.scalar();
    const hit = choices.find((c) => c === v);
    if (hit !== undefined) return hit;
    const near = typeof v === 'string' ? closest(v, choices) : undefined;
    return this.error(
      `expected one of ${choices.join(', ')}, got ${describe(this.node)}${near ? ` (did you mean "${near}"?)` : ''}`,
    );
  }

  ipv4(what = 'an IPv4 address'): Ip | undefined {
    const v = this.scalar();
    return typeof v === 'string' && isIpv4(v) ? canonicalIp(v) : this.expected(what);
  }

  ip(what = 'an IPv4 or IPv6 address'): Ip | undefined {
    const v = this.scalar();
    return typeof v === 'string' && (isIpv4(v) || isIpv6(v)) ? canonicalIp(v) : this.expected(what);
  }

  /** A mapping whose keys must all be in `keys`. */
  map(keys: readonly string[]): MapReader | undefined {
    if (!this.node || !isMap(this.node)) return this.expected('a mapping');
    return new MapReader(this.d, this.node, this.path, keys, this.offset);
  }

  list(): Field[] | undefined {
    if (!this.node || !isSeq(this.node)) return this.expected('a list');
    return this.node.items.map((item, i) => new Field(this.d, item as Node | null, `${this.path}[${i}]`, this.offset));
  }
}

/** A YAML mapping with a closed set of keys. */
export class MapReader {
  private readonly fields = new Map<string, Field>();

  constructor(
    readonly d: Diagnostics,
    node: Node,
    readonly path: string,
    readonly keys: readonly string[],
    readonly offset: number,
  ) {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyOffset = offsetOf(keyNode, offset);
      const key = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string') {
        d.at(keyOffset, path, `keys must be plain strings, got ${describe(keyNode)}`);
        continue;
      }
      const where = path ? `${path}.${key}` : key;
      if (!keys.includes(key)) {
        const near = closest(key, keys);
        d.at(keyOffset, where, `unknown key${near ? ` (did you mean "${near}"?)` : `; valid keys: ${keys.join(', ')}`}`);
        continue;
      }
      // Duplicate keys are reported by the YAML parser; the first one wins here.
      if (!this.fields.has(key)) this.fields.set(key, new Field(d, pair.value as Node | null, where, keyOffset));
    }
  }

  /** The value of `key`, or undefined when absent (an explicit null counts as absent). */
  get(key: string): Field | undefined {
    const f = this.fields.get(key);
    return f && !f.isNull() ? f : undefined;
  }

  required(key: string): Field | undefined {
    const f = this.get(key);
    if (!f) this.d.at(this.offset, this.path, `missing required key "${key}"`);
    return f;
  }
}
