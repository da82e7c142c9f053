import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';

/*
 * IPv4 next hops from the kernel's tables as /proc/net shows them (for the
 * reader's network namespace), without starting an `ip` process: a VTEP that
 * learns 31 remote VTEPs at once would otherwise start one `ip route get`
 * and one or more `ip neigh show` per VTEP — thousands of processes in a
 * 32-leaf fabric starting at once, and most of each leaf's start-up CPU.
 *
 * /proc/net/route lists the main table only, so it answers as `ip route get`
 * does only when no policy rule sends traffic elsewhere: mainTableOnly()
 * checks the rules once per process (the three default rules: local, main,
 * default), and callers use `ip route get` otherwise.
 */

const run = promisify(execFile);

/** A /proc/net address field: 8 hex digits of the address in host (little-endian) order. */
function procIpv4(hex: string): number {
  const n = parseInt(hex, 16);
  // /proc prints the in-memory u32 of a network-order address: on little-endian hosts the first octet is the low byte.
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

function ipv4Number(ip: Ip): number {
  const p = ip.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

function ipv4String(n: number): Ip {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

let rulesChecked: Promise<boolean> | null = null;

/** Whether routing uses only the local, main and default tables (no policy rules), asked once. */
export function mainTableOnly(): Promise<boolean> {
  rulesChecked ??= run('ip', ['-j', '-4', 'rule', 'show']).then(
    (r) => {
      const rules = JSON.parse(r.stdout) as { table?: string; priority?: number; src?: string }[];
      return rules.every((x) => x.src === 'all' && ['local', 'main', 'default'].includes(x.table ?? '') && Object.keys(x).length === 3);
    },
    () => false,
  );
  return rulesChecked;
}

/** The route to `dst` in the main table (/proc/net/route, longest prefix, then lowest metric): the gateway (if any) and the device. */
export async function routeIpv4(dst: Ip): Promise<{ gateway?: Ip; dev: string } | null> {
  const text = await readFile('/proc/net/route', 'utf8');
  const d = ipv4Number(dst);
  let best: { len: number; metric: number; gateway: number; dev: string } | null = null;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3]!, 16);
    // RTF_UP (1); a reject route (RTF_REJECT 0x200) has no next hop.
    if (!(flags & 1) || flags & 0x200) continue;
    const mask = procIpv4(f[7]!);
    if (((d & mask) >>> 0) !== procIpv4(f[1]!)) continue;
    // A contiguous netmask: its length is the number of shifts that empty it.
    let len = 0;
    for (let m = mask; m; m = (m << 1) >>> 0) len++;
    const metric = Number(f[6]);
    if (!best || len > best.len || (len === best.len && metric < best.metric)) best = { len, metric, gateway: procIpv4(f[2]!), dev: f[0]! };
  }
  if (!best) return null;
  return best.gateway ? { gateway: ipv4String(best.gateway), dev: best.dev } : { dev: best.dev };
}

/** The MAC of a complete (ATF_COM) IPv4 neighbour entry on `dev` (/proc/net/arp), or null. */
export async function neighbourIpv4(ip: Ip, dev: string): Promise<Mac | null> {
  const text = await readFile('/proc/net/arp', 'utf8');
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] !== ip || f[5] !== dev) continue;
    // ATF_COM (0x2): the hardware address is complete.
    if (parseInt(f[2]!, 16) & 0x2 && f[3] !== '00:00:00:00:00:00') return f[3]!.toLowerCase();
  }
  return null;
}
