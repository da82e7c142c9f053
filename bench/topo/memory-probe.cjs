// Preloaded into a daemon (node --require bench/topo/memory-probe.cjs) by the
// scale bench's memory breakdown: every MEMORY_PROBE_MS (default 2000) it
// writes process.memoryUsage(), V8 heap spaces and the number of loaded
// modules to $MEMORY_PROBE_DIR/<pid>.json. Bench only; the daemon never loads it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const dir = process.env.MEMORY_PROBE_DIR;
if (dir) {
  const write = () => {
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = { size: s.space_size, used: s.space_used_size };
    // The largest mappings by RSS (name or [anon]), to tell V8's heap from native tables and program text.
    const maps = [];
    try {
      let cur = null;
      for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
        const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
        if (m) {
          cur = { name: m[3] || '[anon]', size: (parseInt(m[2], 16) - parseInt(m[1], 16)) / 1024, rss: 0 };
          maps.push(cur);
        } else if (cur && line.startsWith('Rss:')) cur.rss = Number(line.split(/\s+/)[1]);
      }
    } catch {
      /* no smaps */
    }
    const byName = {};
    for (const m of maps) byName[m.name] = (byName[m.name] || 0) + m.rss;
    const anon = maps.filter((m) => m.name === '[anon]' && m.rss > 512).sort((a, b) => b.rss - a.rss).slice(0, 12);
    const doc = { rssByNameKiB: byName, largestAnonKiB: anon, pid: process.pid, argv: process.argv.slice(2), memory: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces, modules: Object.keys(require.cache).length };
    try {
      fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify(doc));
    } catch {
      /* the directory went away: the bench is over */
    }
  };
  setInterval(write, Number(process.env.MEMORY_PROBE_MS || 2000)).unref();
}
