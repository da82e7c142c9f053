/**
 * Helpers for the data-plane topology tests and benchmarks: VTEP processes
 * (vtep-runner.ts) started inside namespaces and driven over stdin/stdout,
 * and the address plan of the test topologies.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

import type { CounterSet } from '../../../src/dataplane/counters';
import type { DataplaneEvent } from '../../../src/dataplane/events';
import type { ApplyOpsResult } from '../../../src/dataplane/native';
import type { DataplaneOp } from '../../../src/dataplane/ops';
import type { RunnerConfig } from './vtep-runner';

export const ROOT = path.resolve(__dirname, '../../..');
export const RUNNER = path.join(__dirname, 'vtep-runner.ts');
export const RAWPKT = path.join(__dirname, 'rawpkt.py');

export interface RunnerCounters {
  ports: Record<string, CounterSet>;
  underlay: CounterSet;
  system: CounterSet;
  vnis: Record<string, CounterSet>;
}

/** A VTEP process in a namespace; commands are answered in order, one JSON line each. */
export class VtepProcess {
  private readonly waiting: ((v: Record<string, unknown>) => void)[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(JSON.parse(line) as Record<string, unknown>);
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  static async start(ns: string, cfg: RunnerConfig, timeoutMs = 20_000): Promise<VtepProcess> {
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', RUNNER, JSON.stringify(cfg)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const v = new VtepProcess(proc);
    const ready = await Promise.race([
      v.next(),
      v.exited.then((code) => ({ exit: code })),
      new Promise<Record<string, unknown>>((r) => setTimeout(() => r({ timeout: true }), timeoutMs)),
    ]);
    if (!('ready' in ready)) {
      v.kill();
      throw new Error(`VTEP in ${ns} did not start (${JSON.stringify(ready)}): ${v.stderr}`);
    }
    const r = ready.ready as ApplyOpsResult;
    if (r.rejected) {
      v.kill();
      throw new Error(`VTEP in ${ns}: ops rejected ${JSON.stringify(r.rejects)}`);
    }
    return v;
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async ask(line: string): Promise<Record<string, unknown>> {
    const p = this.next();
    this.proc.stdin.write(line + '\n');
    const r = await p;
    if ('error' in r) throw new Error(String(r.error));
    return r;
  }

  async counters(): Promise<RunnerCounters> {
    return (await this.ask('counters')).counters as RunnerCounters;
  }

  async events(): Promise<DataplaneEvent[]> {
    return (await this.ask('events')).events as DataplaneEvent[];
  }

  async ops(ops: DataplaneOp[]): Promise<ApplyOpsResult> {
    return (await this.ask(`ops ${JSON.stringify(ops)}`)).ops as ApplyOpsResult;
  }

  /** SIGTERM, then SIGKILL after a second; never throws. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.kill(), 1000);
    await this.exited;
    clearTimeout(t);
  }

  kill(): void {
    try {
      this.proc.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
