import { readFileSync } from 'node:fs';

/*
 * Summarises a .cpuprofile (node --cpu-prof, or cpu-prof.cjs): the functions
 * with the most self time, merged by name and file.
 *
 *   npx tsx bench/topo/cpu-prof-top.ts FILE.cpuprofile [TOP=30]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topSelf(p: Profile, top: number): { total: number; rows: [string, number][] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i] ?? 0;
    const f = n.callFrame;
    const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?\/(src|bench|test|node_modules)\//, '$1/')}`;
    self.set(k, (self.get(k) ?? 0) + dt);
    total += dt;
  }
  return { total, rows: [...self].sort((a, b) => b[1] - a[1]).slice(0, top) };
}

if (process.argv[1] && /cpu-prof-top\.ts$/.test(process.argv[1])) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: cpu-prof-top.ts FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  const { total, rows } = topSelf(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 30));
  console.log(`total ${(total / 1000).toFixed(0)} ms`);
  for (const [k, t] of rows) console.log(`${(t / 1000).toFixed(1).padStart(9)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`);
}
