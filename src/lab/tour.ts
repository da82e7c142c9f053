import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RouteRow } from '../control/protocol';
import { ask, waitFor, type Lab } from './lab';
import { GATEWAY_MAC, gatewayIp, TENANT, VNIS, type LabHost } from './plan';

/**
 * The scripted tour of the seed's three EVPN uses, each step showing what
 * changed in the tables: VTEP discovery (type 3), reachability and ARP
 * suppression (type 2), routing between the two subnets (symmetric IRB:
 * type 2 with the L3VNI, type 5, the fast path's tenant table), and a VM
 * migration (MAC mobility, probe, withdraw).
 * Every traffic burst is bounded (ping -c, capture -a duration).
 */

async function routes(socket: string, type: number): Promise<RouteRow[]> {
  const r = await ask(socket, { cmd: 'show', what: 'routes', filters: { type } });
  return 'routes' in r ? r.routes : [];
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => '    ' + r.map((c, i) => c.padEnd(w[i]!)).join('  ')).join('\n');
}

function ping(lab: Lab, from: LabHost, to: LabHost, count = 3): { ok: boolean; summary: string } {
  const r = lab.exec(from.ns, ['ping', '-c', String(count), '-i', '0.2', '-W', '1', to.ip], 15_000);
  const loss = /(\d+)% packet loss/.exec(r.out)?.[1];
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.out)?.[1];
  return { ok: r.ok, summary: `${from.ip} → ${to.ip}: ${loss ?? '?'}% loss${rtt ? `, avg ${rtt} ms` : ''}` };
}

export interface StepResult {
  step: string;
  ok: boolean;
}

export async function tour(lab: Lab): Promise<StepResult[]> {
  const say = (s: string): void => void process.stdout.write(s + '\n');
  const results: StepResult[] = [];
  const { plan } = lab;
  const leaves = plan.leaves;

  say('\n== 1. VTEP discovery (type 3, inclusive multicast) ==');
  say('   Each leaf advertises one type-3 route per L2VNI carrying its underlay address in the PMSI tunnel');
  say('   attribute (ingress replication). Every leaf builds its flood lists from the others’ routes: no tunnel config.');
  const frrLeaves = leaves.filter((l) => l.kind === 'frr');
  await waitFor('every leaf to discover every other leaf in every VNI', async () => {
    for (const l of leaves) {
      const m = await lab.remoteVteps(l.index);
      if (!VNIS.every((v) => (m.get(v) ?? []).length >= leaves.length - 1)) return false;
    }
    return true;
  }, 30_000);
  const t3 = await routes(leaves[0]!.socket, 3);
  say(`   leaf1 knows these VTEPs:\n${table([['VNI', 'originator', 'next hop', 'PMSI', 'from'], ...t3.map((r) => [String(r.pmsi?.label ?? r.vni ?? ''), r.originatorIp ?? '', r.nextHop ?? '', r.pmsi ? `type ${r.pmsi.tunnelType} id ${r.pmsi.tunnelId}` : '', r.from])])}`);
  for (const f of frrLeaves) {
    const m = await lab.remoteVteps(f.index);
    say(`   leaf${f.index} (FRR, show evpn vni) floods to: ${VNIS.map((v) => `VNI ${v} → ${(m.get(v) ?? []).join(', ')}`).join('; ')}`);
  }
  results.push({ step: 'discovery', ok: true });

  say('\n== 2. Host reachability (type 2, MAC/IP) ==');
  const [a, b] = [lab.host(1, 100), lab.host(2, 100)];
  // Hosts announce themselves; the leaves learn them and advertise type-2 routes.
  for (const h of plan.hosts) lab.exec(h.ns, ['arping', '-U', '-c', '1', '-i', h.ifname, '-S', h.ip, h.ip], 5000);
  let reach = true;
  for (const v of VNIS) {
    const p = ping(lab, lab.host(1, v), lab.host(2, v));
    reach &&= p.ok;
    say(`   VNI ${v}: ${p.summary}`);
    // Mixed fabric: to and from the FRR leaves' hosts (kernel VXLAN at the other end).
    for (const f of frrLeaves) {
      for (const [x, y] of [[lab.host(1, v), lab.host(f.index, v)], [lab.host(f.index, v), lab.host(1, v)]] as const) {
        const q = ping(lab, x, y);
        reach &&= q.ok;
        say(`   VNI ${v}: ${q.summary}${x.leaf === f.index ? ' (from the FRR leaf)' : ' (to the FRR leaf)'}`);
      }
    }
  }
  if (frrLeaves.length) {
    await waitFor('every FRR host in leaf1\'s MAC table', async () => {
      const macs = await lab.macs(1);
      return frrLeaves.every((f) => VNIS.every((v) => macs.some((m) => m.mac === lab.host(f.index, v).mac && m.vtep === f.underlayIp)));
    }, 10_000).catch(() => undefined);
  }
  const t2 = (await routes(leaves[0]!.socket, 2)).filter((r) => r.from !== 'local');
  say(`   leaf1 learned these remote hosts (from BGP only):\n${table([['VNI', 'MAC', 'IP', 'VTEP', 'seq'], ...t2.map((r) => [String(r.label1 ?? r.vni ?? ''), r.mac ?? '', r.ip ?? '-', r.nextHop ?? '', String(r.mobilitySeq ?? 0)])])}`);
  results.push({ step: 'reachability', ok: reach });

  say('\n== 3. ARP suppression ==');
  say(`   ${a.ip} forgets ${b.ip}'s MAC and asks again; leaf1 answers from its EVPN table. A capture on leaf1's`);
  say('   underlay must show no VXLAN-encapsulated ARP for it.');
  const dir = mkdtempSync(path.join(tmpdir(), 'evpn-lab-cap-'));
  const pcap = path.join(dir, 'underlay.pcap');
  const cap = spawn('ip', ['netns', 'exec', leaves[0]!.ns, 'tshark', '-q', '-i', leaves[0]!.uplink, '-a', 'duration:4', '-f', 'udp port 4789', '-w', pcap], { stdio: 'ignore' });
  await sleep(1200);
  lab.exec(a.ns, ['ip', 'neigh', 'flush', 'dev', a.ifname]);
  const again = ping(lab, a, b, 2);
  await new Promise((r) => cap.once('exit', r));
  const arps = lab.exec(leaves[0]!.ns, ['tshark', '-r', pcap, '-Y', `arp.dst.proto_ipv4 == ${b.ip} && arp.opcode == 1`, '-T', 'fields', '-e', 'frame.number']).out.trim();
  rmSync(dir, { recursive: true, force: true });
  const suppressed = arps.split('\n').filter((x) => /^\d+$/.test(x)).length === 0;
  say(`   ${again.summary}; ARP requests for ${b.ip} on the underlay: ${suppressed ? 'none — answered by leaf1' : arps.split('\n').length}`);
  const vnis = await ask(leaves[0]!.socket, { cmd: 'show', what: 'vnis' });
  const scrape = lab.exec(leaves[0]!.ns, ['curl', '-s', '--max-time', '3', 'http://127.0.0.1:9179/metrics']).out;
  const answered = scrape.split('\n').filter((l) => l.startsWith('evpn_vtep_arp_requests_answered_total'));
  if (answered.length) say(`   leaf1 /metrics:\n${answered.map((l) => `    ${l}`).join('\n')}`);
  if ('rows' in vnis) say(`   leaf1 (evpn-vtep show vnis):\n${table([['VNI', 'MACs', 'ARP entries', 'VTEPs', 'ARP answered locally'], ...vnis.rows.map((r) => [String(r.vni), String(r.macs), String(r.arp), String(r.vteps), String(r.arpSuppressed)])])}`);
  results.push({ step: 'arp-suppression', ok: again.ok && suppressed });

  // Hosts behind evpn-vtep leaves only: the FRR leaves of the lab bridge, they do not route.
  const evpn = leaves.filter((l) => l.kind === 'evpn');
  if (plan.routing && evpn.length) {
    say('\n== 4. Routing between subnets (symmetric IRB, RFC 9135) ==');
    const from = lab.host(evpn[0]!.index, 100);
    const to = lab.host(evpn[1]?.index ?? evpn[0]!.index, 200);
    say(`   VNI 100 and 200 route in tenant ${TENANT.name} (L3VNI ${TENANT.l3vni}); each has the anycast gateway ${gatewayIp(100)} / ${gatewayIp(200)}`);
    say(`   with MAC ${GATEWAY_MAC} on every leaf, answered for in the fast path. ${from.ip} (leaf${from.leaf}) → ${to.ip} (leaf${to.leaf}):`);
    say('   routed at the ingress leaf with the host route from type 2, sent with the L3VNI to the other Router\'s MAC, routed again into VNI 200.');
    const p = await waitFor('a routed ping to go through', async () => {
      const r = ping(lab, from, to, 2);
      return r.ok ? r : undefined;
    }, 20_000).catch(() => ping(lab, from, to, 2));
    const ttl = /ttl=(\d+)/.exec(lab.exec(from.ns, ['ping', '-c', '1', '-W', '1', to.ip], 5000).out)?.[1];
    say(`   ${p.summary}${ttl ? `, ttl ${ttl} (one hop per leaf)` : ''}`);
    const vrf = await ask(evpn[0]!.socket, { cmd: 'show', what: 'vrf-routes', filters: { vrf: TENANT.name } });
    if ('rows' in vrf) {
      const rows = vrf.rows.filter((r) => r.best);
      say(`   leaf${evpn[0]!.index} (evpn-vtep show routes --vrf ${TENANT.name}):\n${table([['prefix', 'next hop', 'router MAC', 'from'], ...rows.map((r) => [String(r.prefix), String(r.nextHop), String(r.routerMac ?? '-'), String(r.source)])])}`);
    }
    const c = await ask(evpn[0]!.socket, { cmd: 'show', what: 'counters' });
    if ('rows' in c) {
      const sum = (n: string): number => c.rows.filter((r) => r.counter === n).reduce((a, r) => a + Number(r.value), 0);
      say(`   leaf${evpn[0]!.index} fast path: ${sum('routed_packets')} packets routed, ${sum('gateway_arp_replies')} gateway ARP answers, ${sum('drop_no_route')} without a route`);
    }
    results.push({ step: 'routing', ok: p.ok });
  }

  if (leaves.length >= 2) {
    say(`\n== ${plan.routing && evpn.length ? 5 : 4}. VM migration (RFC 7432 §15 MAC mobility) ==`);
    const watcher = leaves.length >= 3 ? lab.host(3, 100) : lab.host(2, 200);
    say(`   ${a.ip} (${a.mac}) moves from leaf1 to leaf2 and announces itself with a gratuitous ARP.`);
    const moved = lab.moveHost(a, 2);
    lab.exec(moved.ns, ['arping', '-U', '-c', '2', '-i', moved.ifname, '-S', moved.ip, moved.ip], 5000);
    const seq = await waitFor('leaf2 to advertise the moved host with a higher sequence number', async () => {
      const r = (await routes(leaves[1]!.socket, 2)).find((x) => x.mac === a.mac && x.from === 'local' && (x.mobilitySeq ?? 0) > 0);
      return r?.mobilitySeq;
    }, 15_000);
    say(`   leaf2 advertises ${a.mac} with MAC Mobility sequence ${seq}; leaf1 lets it win, probes its old port, and`);
    const gone = await waitFor('leaf1 to withdraw its own route after the unanswered probe', async () => {
      const r = await routes(leaves[0]!.socket, 2);
      return !r.some((x) => x.mac === a.mac && x.from === 'local');
    }, 15_000);
    say(`   withdraws its own route when nobody answers: ${gone ? 'done' : 'not yet'}`);
    if (leaves.length >= 3) {
      const p = ping(lab, watcher, moved);
      say(`   traffic follows the host: ${p.summary}`);
      results.push({ step: 'migration', ok: p.ok });
    } else results.push({ step: 'migration', ok: true });
  }
  return results;
}
