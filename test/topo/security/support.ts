import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { ipNs, Topology } from '../../support/netns';
import { Vtep, type VtepOptions } from '../bgp/support';

/**
 * Namespaces for the security tests (prefix `sx`): veth pairs with a /30
 * each, made inside the namespaces; nothing is addressed in the test's own
 * namespace. A random /24 of 100.64.0.0/10 per run.
 */
export class SecLab {
  readonly topo = new Topology('sx');
  private readonly base = `100.${64 + randomInt(0, 64)}.${randomInt(0, 256)}.`;
  private links = 0;

  ns(role: string): string {
    return this.topo.addNs(role);
  }

  /** A veth pair between two namespaces with a /30; returns [address in a, address in b, name in a, name in b]. */
  link(a: string, b: string, role: string): [string, string, string, string] {
    const k = this.links++;
    if (k >= 60) throw new RangeError('lab: out of /30 subnets');
    const na = this.topo.name(`${role}a`);
    const nb = this.topo.name(`${role}b`);
    execFileSync('ip', ['link', 'add', na, 'netns', a, 'type', 'veth', 'peer', 'name', nb, 'netns', b]);
    const x = `${this.base}${4 * k + 1}`;
    const y = `${this.base}${4 * k + 2}`;
    ipNs(a, ['addr', 'add', `${x}/30`, 'dev', na]);
    ipNs(b, ['addr', 'add', `${y}/30`, 'dev', nb]);
    ipNs(a, ['link', 'set', na, 'up']);
    ipNs(b, ['link', 'set', nb, 'up']);
    return [x, y, na, nb];
  }

  /** A loopback address from the top of the run's /24 (.250 down). */
  loopback(ns: string, k: number): string {
    const a = `${this.base}${250 - k}`;
    ipNs(ns, ['addr', 'add', `${a}/32`, 'dev', 'lo']);
    return a;
  }

  destroy(): void {
    this.topo.destroy();
  }
}

/** Neighbor settings the shared Vtep helper does not write: raw YAML lines per neighbor address. */
export class SecVtep extends Vtep {
  constructor(
    ns: string,
    o: VtepOptions,
    private readonly extra: Record<string, string[]>,
  ) {
    super(ns, o);
  }

  override config(): string {
    const lines = super.config().split('\n');
    const out: string[] = [];
    let current: string | null = null;
    const flush = (): void => {
      if (current !== null) for (const l of this.extra[current] ?? []) out.push(`    ${l}`);
    };
    for (const l of lines) {
      const m = /^  - address: (\S+)$/.exec(l);
      if (m || l === '') {
        flush();
        current = m ? m[1]! : null;
      }
      out.push(l);
    }
    return out.join('\n');
  }
}

/** tshark on one interface of a namespace, writing a pcap; bounded by `seconds`. */
export class Capture {
  readonly child: ChildProcess;
  readonly done: Promise<void>;

  constructor(
    ns: string,
    iface: string,
    readonly file: string,
    seconds: number,
    filter = 'tcp port 179',
  ) {
    this.child = spawn('ip', ['netns', 'exec', ns, 'tshark', '-q', '-i', iface, '-f', filter, '-a', `duration:${seconds}`, '-w', file], {
      stdio: 'ignore',
    });
    this.done = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    return this.done;
  }

  /** tshark -r FILE -Y FILTER -T fields -e ... : one array of fields per packet. */
  read(displayFilter: string, fields: string[]): string[][] {
    const out = execFileSync('tshark', ['-r', this.file, '-Y', displayFilter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return out
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  }
}
