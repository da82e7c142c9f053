import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mainTableOnly, neighbourIpv4, routeIpv4 } from '../../../src/dataplane/kernel-tables';

/*
 * The /proc readers that replace `ip route get` / `ip neigh show` in next-hop
 * resolution give what `ip` gives, for this machine's own tables (read only:
 * nothing is sent, nothing configured).
 */

const ip = (args: string[]): unknown => JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' }));
const routes = ip(['-4', 'route', 'show']) as { dst: string; gateway?: string; dev: string }[];

describe('kernel tables from /proc', () => {
  it('a route for each destination of the main table agrees with `ip route get`', async () => {
    if (!(await mainTableOnly())) return;
    // One address inside each route's prefix (its first host), and one far away (the default route, if any).
    const targets = routes.map((r) => (r.dst === 'default' ? '198.51.100.7' : r.dst.split('/')[0]!.replace(/\.0$/, '.1')));
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      let want: { gateway?: string; dev: string } | null = null;
      try {
        const g = (ip(['-4', 'route', 'get', t]) as { gateway?: string; dev: string; type?: string }[])[0]!;
        // Local addresses and broadcast come from the local table, which /proc/net/route does not list.
        if (g.type === 'local' || g.type === 'broadcast') continue;
        want = g.gateway ? { gateway: g.gateway, dev: g.dev } : { dev: g.dev };
      } catch {
        want = null;
      }
      expect(await routeIpv4(t), t).toEqual(want);
    }
  });

  it('complete neighbour entries agree with `ip neigh`', async () => {
    const neigh = ip(['-4', 'neigh', 'show']) as { dst: string; dev: string; lladdr?: string; state?: string[] }[];
    for (const n of neigh) {
      const complete = n.lladdr && !n.state?.some((s) => s === 'FAILED' || s === 'INCOMPLETE');
      const got = await neighbourIpv4(n.dst, n.dev);
      if (complete) expect(got, n.dst).toBe(n.lladdr!.toLowerCase());
    }
    expect(await neighbourIpv4('198.51.100.250', 'no-such-dev0')).toBeNull();
  });
});
