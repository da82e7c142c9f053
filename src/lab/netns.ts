import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Network namespaces and veth pairs for the lab and the topology tests.
 * Every name carries a prefix and a random suffix, so parallel or crashed
 * runs never collide, and `Topology.destroy()` removes everything it made
 * (call it in afterAll / on exit; it is idempotent and never throws).
 */
export class Topology {
  readonly id: string;
  private readonly namespaces: string[] = [];
  private readonly links: string[] = [];

  constructor(
    readonly prefix: string,
    id?: string,
  ) {
    // Interface names are limited to 15 characters: prefix + 4 hex + role must fit.
    this.id = id ?? randomBytes(2).toString('hex');
  }

  /** What destroy() would remove, to be saved and adopted by another process (`lab down`). */
  state(): { prefix: string; id: string; namespaces: string[]; links: string[] } {
    return { prefix: this.prefix, id: this.id, namespaces: [...this.namespaces], links: [...this.links] };
  }

  static adopt(s: { prefix: string; id: string; namespaces: string[]; links: string[] }): Topology {
    const t = new Topology(s.prefix, s.id);
    t.namespaces.push(...s.namespaces);
    t.links.push(...s.links);
    return t;
  }

  /** A unique name for this run: `${prefix}${id}${role}`. */
  name(role: string): string {
    const n = `${this.prefix}${this.id}${role}`;
    if (n.length > 15) throw new RangeError(`interface/netns name too long: ${n}`);
    return n;
  }

  addNs(role: string): string {
    const ns = this.name(role);
    ip(['netns', 'add', ns]);
    this.namespaces.push(ns);
    ipNs(ns, ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair with one end in each namespace (null = the test's own namespace). */
  addVeth(a: { ns: string | null; name: string }, b: { ns: string | null; name: string }): void {
    ip(['link', 'add', a.name, 'type', 'veth', 'peer', 'name', b.name]);
    this.links.push(a.name);
    for (const end of [a, b]) {
      if (end.ns) ip(['link', 'set', end.name, 'netns', end.ns]);
      run(end.ns, ['ip', 'link', 'set', end.name, 'up']);
    }
  }

  destroy(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      // Processes left in a namespace would keep it alive: kill them first.
      spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
        .stdout?.split(/\s+/)
        .filter(Boolean)
        .map(Number)
        .filter((pid) => pid > 1 && pid !== process.pid && pid !== process.ppid)
        .forEach((pid) => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        });
      spawnSync('ip', ['netns', 'del', ns]);
    }
    for (const l of this.links.splice(0)) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
  }
}

export function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

export function ipNs(ns: string, args: string[]): string {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
}

/** Runs a command inside a namespace (or here when ns is null) and returns stdout. */
export function run(ns: string | null, argv: string[], opts: { timeoutMs?: number } = {}): string {
  const full = ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
  return execFileSync(full[0]!, full.slice(1), { encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000 });
}
