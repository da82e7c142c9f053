/**
 * Builds native/test/fuzz_offload.cc with AddressSanitizer and UBSan and runs
 * it: GSO segmentation and checksum completion (native/src/offload.cc) give
 * verifiable segments for valid super-frames and stay in bounds on mutated
 * frames and virtio_net_hdr values.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { hasCommand } from '../support/root';

const root = path.resolve(__dirname, '../..');
const src = path.join(root, 'native', 'src');
const skip = hasCommand('g++') ? null : 'needs g++';
if (skip) console.warn(`[skip] offload fuzz: ${skip}`);

describe.skipIf(skip !== null)('GSO segmentation and checksum completion under ASan/UBSan', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nx-offload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('segments valid frames correctly and survives mutated ones', () => {
    const bin = path.join(dir, 'fuzz_offload');
    execFileSync(
      'g++',
      [
        '-std=c++17',
        '-O1',
        '-g',
        '-fsanitize=address,undefined',
        '-fno-sanitize-recover=undefined',
        '-Wall',
        '-Wextra',
        `-I${src}`,
        path.join(root, 'native', 'test', 'fuzz_offload.cc'),
        path.join(src, 'offload.cc'),
        '-o',
        bin,
      ],
      { stdio: 'pipe' },
    );
    const runs = String(Math.min(Number(process.env.FUZZ_RUNS ?? 100000), 300_000));
    const out = execFileSync(bin, [runs], { encoding: 'utf8' });
    expect(out).toMatch(/^ok: \d+ mutated frames, [1-9]\d* segmented/);
  }, 120_000);
});
