import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arpFrame, loadVxlanCapture, neighborSolicit, tagFrame } from './support';

/**
 * libFuzzer on the native frame pipeline: native/test/fuzz/pipeline_fuzzer.cc
 * built with clang's -fsanitize=fuzzer,address,undefined, seeded with every
 * frame of ../shared/vectors/vxlan-dataplane-frr.pcap (as underlay frames,
 * both directions, as UDP payloads, and their inner frames on the untagged
 * and the trunk access port) plus an NS, then run for a bounded number of
 * executions (LIBFUZZER_RUNS, default 200,000, and at most 60 s). Any crash,
 * sanitizer report or broken invariant fails the run with its reproducer.
 */
const root = path.resolve(__dirname, '../..');
const src = path.join(root, 'native', 'src');
const units = ['pipeline', 'ops', 'vxlan', 'vtep_table', 'vni_table', 'fdb', 'arp_suppress', 'lpm'];
const RUNS = Number(process.env.LIBFUZZER_RUNS ?? 200_000);
const MAX_TIME = Number(process.env.LIBFUZZER_MAX_TIME ?? 60);

function clangSkip(): string | null {
  const r = spawnSync('clang++', ['--version'], { stdio: 'ignore' });
  return r.status === 0 ? null : 'needs clang++ with libFuzzer (clang, libclang-rt-dev)';
}

const skip = clangSkip();
if (skip) console.warn(`[skip] libFuzzer pipeline target: ${skip}`);

/** One seed in the harness's input layout: selector, then length-prefixed frames. */
function seed(sel: number, frames: Uint8Array[], ops?: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.from([sel])];
  if (ops) parts.push(Buffer.from([ops.length]), Buffer.from(ops));
  for (const f of frames) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(f.length);
    parts.push(len, Buffer.from(f));
  }
  return Buffer.concat(parts);
}

describe.skipIf(skip !== null)('libFuzzer: native pipeline', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sx-libfuzzer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`runs ${RUNS} executions (at most ${MAX_TIME} s) without a crash`, () => {
    const bin = path.join(dir, 'pipeline_fuzzer');
    execFileSync(
      'clang++',
      [
        '-std=c++17',
        '-g',
        '-O1',
        '-fsanitize=fuzzer,address,undefined',
        '-fno-sanitize-recover=undefined',
        '-fno-exceptions',
        `-I${src}`,
        path.join(root, 'native', 'test', 'fuzz', 'pipeline_fuzzer.cc'),
        ...units.map((u) => path.join(src, `${u}.cc`)),
        '-o',
        bin,
      ],
      { stdio: 'pipe' },
    );
    const corpus = path.join(dir, 'corpus');
    mkdirSync(corpus);
    const seeds: Buffer[] = [];
    const cap = loadVxlanCapture();
    for (const c of cap) {
      // 8: the capture's outer UDP checksums are offload-partial; 4: the frames from B are made ours.
      for (const sel of [2 | 8, 2 | 8 | 4, 3 | 8, 2]) seeds.push(seed(sel, [c.bytes]));
      seeds.push(seed(0, [c.inner]));
      seeds.push(seed(1, [tagFrame(c.inner, c.vni === 1000 ? 1000 : c.vni)]));
    }
    // A whole conversation through one pipeline, alternating paths.
    seeds.push(seed(2 | 8 | 4, cap.flatMap((c) => [c.bytes, c.inner, tagFrame(c.inner, 100), c.bytes])));
    seeds.push(seed(0, [neighborSolicit({ srcMac: '02:cc:00:00:00:12', srcIp: 'fd00::12', target: 'fd00::11' })]));
    seeds.push(seed(0, Array.from({ length: 8 }, (_, i) => arpFrame({ op: 1, ethDst: 'ff:ff:ff:ff:ff:ff', sha: `02:cc:00:00:01:${i}0`, spa: `10.100.0.${20 + i}`, tpa: '10.100.0.11' }))));
    // An ops batch ahead of the frames: a RemoteMacDel of h1 and a PortLimits lifting port 0's limits.
    const ops = Buffer.alloc(36);
    ops.set([4, 16, 0, 0, 0, 0, 0, 100, 2, 0xcc, 0, 0, 0, 0x11], 0);
    ops.set([14, 20, 0, 0, 0, 0, 0, 0], 16);
    seeds.push(seed(16 | 0x20, [cap[0]!.inner, cap[1]!.inner], ops));
    seeds.forEach((s, i) => writeFileSync(path.join(corpus, `seed-${String(i).padStart(3, '0')}`), s));

    const r = spawnSync(bin, [corpus, `-runs=${RUNS}`, `-max_total_time=${MAX_TIME}`, '-print_final_stats=1', `-artifact_prefix=${dir}/`, '-rss_limit_mb=1024'], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
      timeout: (MAX_TIME + 60) * 1000,
    });
    const log = `${r.stdout}${r.stderr}`;
    const executed = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? NaN);
    const perSec = Number(/stat::average_exec_per_sec:\s*(\d+)/.exec(log)?.[1] ?? NaN);
    const added = Number(/stat::new_units_added:\s*(\d+)/.exec(log)?.[1] ?? NaN);
    const crashed = /ERROR: (AddressSanitizer|libFuzzer)|runtime error:|deadly signal/.test(log);
    console.log(`[libFuzzer] ${executed} executions, ${perSec}/s, ${seeds.length} seeds, ${added} new units, crashes: ${crashed || r.status !== 0 ? 1 : 0}`);
    expect(r.status, log.slice(-6000)).toBe(0);
    expect(crashed, log.slice(-6000)).toBe(false);
    // Bounded by runs or by time, never by an early stop.
    expect(executed === RUNS || /Done \d+ runs in/.test(log)).toBe(true);
    expect(executed).toBeGreaterThan(1000);
  }, (MAX_TIME + 120) * 1000);
});
