import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Builds native/test/fuzz_pipeline.cc with AddressSanitizer and UBSan and
 * pushes mutated ARP, NS and VXLAN frames through both pipeline paths: any
 * out-of-bounds access or undefined behaviour aborts the run.
 */
const root = path.resolve(__dirname, '../..');
const src = path.join(root, 'native', 'src');
const units = ['pipeline', 'ops', 'vxlan', 'vtep_table', 'vni_table', 'fdb', 'arp_suppress', 'lpm'];

function hasCompiler(): boolean {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = hasCompiler() ? null : 'needs g++';
if (skip) console.warn(`[skip] native sanitizer fuzz: ${skip}`);

describe.skipIf(skip !== null)('native pipeline under ASan/UBSan', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nf-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('survives mutated frames on every path', () => {
    const bin = path.join(dir, 'fuzz_pipeline');
    execFileSync(
      'g++',
      [
        '-std=c++17',
        '-O1',
        '-g',
        '-fsanitize=address,undefined',
        '-fno-sanitize-recover=undefined',
        '-fno-exceptions',
        '-Wall',
        '-Wextra',
        `-I${src}`,
        path.join(root, 'native', 'test', 'fuzz_pipeline.cc'),
        ...units.map((u) => path.join(src, `${u}.cc`)),
        '-o',
        bin,
      ],
      { stdio: 'pipe' },
    );
    const runs = String(Math.min(Number(process.env.FUZZ_RUNS ?? 100000) * 3, 1_000_000));
    const out = execFileSync(bin, [runs], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
    expect(out).toMatch(/^ok: /);
    // Each path got past its checks: ARP and ND answered, frames sent.
    expect(out).toMatch(/arp_suppressed\s+vni\s+[1-9]/);
    expect(out).toMatch(/nd_suppressed\s+vni\s+[1-9]/);
    expect(out).toMatch(/tx_packets\s+vni\s+\d+\s+underlay\s+[1-9]/);
    expect(out).toMatch(/routed_packets\s+vni\s+[1-9]/);
  }, 120_000);
});
