import { parseArgs } from 'node:util';
import { DEFAULT_DIR, Lab, readState } from '../lab/lab';
import { tour } from '../lab/tour';
import { FRR_BIN, hasFrr } from '../lab/frr';
import { MAX_LEAVES } from '../lab/plan';

/**
 * `evpn-vtep lab [up|tour|down] [--leaves N]`: with no subcommand, builds the
 * lab, runs the tour and removes everything, also on Ctrl-C or failure.
 * Needs root (network namespaces).
 */

const USAGE = 'usage: evpn-vtep lab [up|tour|down] [--leaves 2..64] [--with-frr] [--frr-spine] [--dataplane native|portable] [--dir DIR]\n  --with-frr   leaf3 runs FRR (bgpd + zebra + Linux bridge + kernel vxlan); needs 3 or more leaves\n  --frr-spine  the spine (route reflector) runs FRR bgpd\n';

interface Out {
  write(s: string): unknown;
}

export async function runLab(argv: string[], out: Out, err: Out): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { leaves: { type: 'string', default: '3' }, dir: { type: 'string', default: DEFAULT_DIR }, 'with-frr': { type: 'boolean', default: false }, 'frr-spine': { type: 'boolean', default: false }, dataplane: { type: 'string' } } }));
  } catch (e) {
    err.write(`evpn-vtep lab: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const leaves = Number(values.leaves);
  const cmd = positionals[0] ?? 'all';
  const withFrr = values['with-frr'] === true;
  const dataplane = values.dataplane;
  if (dataplane !== undefined && dataplane !== 'native' && dataplane !== 'portable') {
    err.write(`evpn-vtep lab: --dataplane takes native or portable\n${USAGE}`);
    return 2;
  }
  if (!['all', 'up', 'tour', 'down'].includes(cmd) || positionals.length > 1 || !Number.isInteger(leaves) || leaves < 2 || leaves > MAX_LEAVES || (withFrr && leaves < 3)) {
    err.write(USAGE);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    err.write('evpn-vtep lab: needs root (it creates network namespaces)\n');
    return 2;
  }
  if ((withFrr || values['frr-spine']) && !hasFrr()) {
    err.write(`evpn-vtep lab: --with-frr/--frr-spine need FRR (${FRR_BIN}/bgpd and zebra): apt-get install frr\n`);
    return 2;
  }
  const dir = values.dir;
  try {
    if (cmd === 'down') {
      if (!readState(dir)) {
        out.write('no lab is up\n');
        return 0;
      }
      Lab.adopt(out, dir).down();
      out.write('lab removed\n');
      return 0;
    }
    if (cmd === 'tour') {
      const results = await tour(Lab.adopt(out, dir));
      return results.every((r) => r.ok) ? 0 : 1;
    }
    const lab = await Lab.up({ leaves, dir, out, routing: true, ...(withFrr ? { frrLeaves: [3] } : {}), frrSpine: values['frr-spine'] === true, ...(dataplane ? { dataplane } : {}) });
    if (cmd === 'up') {
      out.write(`lab is up; logs and configs in ${dir}. "evpn-vtep lab tour", then "evpn-vtep lab down".\n`);
      return 0;
    }
    const cleanup = (): void => {
      out.write('\ninterrupted: removing the lab\n');
      lab.down();
      process.exit(130);
    };
    process.once('SIGINT', cleanup);
    process.once('SIGTERM', cleanup);
    try {
      const results = await tour(lab);
      out.write(`\n== summary ==\n${results.map((r) => `   ${r.ok ? 'ok  ' : 'FAIL'} ${r.step}`).join('\n')}\n`);
      return results.every((r) => r.ok) ? 0 : 1;
    } finally {
      process.off('SIGINT', cleanup);
      process.off('SIGTERM', cleanup);
      out.write('\nremoving the lab\n');
      lab.down();
    }
  } catch (e) {
    err.write(`evpn-vtep lab: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
