/*
 * Preload (node --require) that records a CPU profile of the whole process
 * and writes it to $CPU_PROF_DIR/<pid>.cpuprofile when the process exits.
 * For processes started by others with only NODE_OPTIONS to steer them
 * (--cpu-prof itself is not allowed in NODE_OPTIONS): the ingest bench sets
 * it for evpn-vtep with VTEP_CPU_PROF=DIR, and ends the profile with SIGUSR2
 * once the routes are in, so that shutdown work stays out of it. Open the file in Chrome DevTools,
 * or summarise it with bench/topo/cpu-prof-top.ts.
 */
'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env.CPU_PROF_INTERVAL_US ?? 1000) });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The in-thread session answers synchronously, so this also works from 'exit'.
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  // SIGUSR2 ends the profile early, e.g. right after the measured work, before shutdown.
  process.on('SIGUSR2', write);
  process.on('exit', write);
}
