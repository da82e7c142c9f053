#!/usr/bin/env node
/**
 * The `evpn-vtep` command: wiring only. Each subcommand lives in its own file
 * and returns an exit status; nothing here knows about the wire.
 */
import { runDecode } from './decode';
import { runBgp } from './bgp';
import { runShow } from './show';
import { runClear } from './clear';
import { runCapture } from './capture';
import { runInject } from './inject';
import { runMrt } from './mrt';
import { runVtep } from './run';
import { runLab } from './lab';

const USAGE = `usage: evpn-vtep <command> [options]

commands:
  decode FILE.pcap [--json] [--bgp-port N] [--vxlan-port N]
                                  decode every BGP message and VXLAN frame in a capture
  run --config FILE               turn this host or namespace into an EVPN VTEP
  lab [up|tour|down] [--leaves N] build a spine + leaves + hosts lab in namespaces and tour it (root)
  bgp --config FILE               run the BGP EVPN speaker alone (route reflector / route server)
  show peers|routes [--type 2|3|5] [--vni N] [--json] [--socket PATH]
                                  read a running speaker through its control socket
  clear bgp [--graceful|--soft] | clear neighbor ADDR [--soft] [--socket PATH]
                                  reset sessions; --graceful restarts our BGP side keeping the data plane (RFC 4724)
  capture --port NAME|underlay [--vni N] [--snaplen N] -w FILE.pcap [--count N] [--duration S] [--socket PATH]
                                  write what a running VTEP's fast path sees on a port to a pcap file
  inject --peer ADDR[:PORT] [--local-as N] [--peer-as N] [--router-id IP] [--next-hop IP]
         [--hold-seconds N] [--replay FILE.mrt] [--json] [FILE.yaml]
                                  originate EVPN routes (malformed on request) or replay an MRT file into a peer
  mrt FILE.mrt [--json]           print the records of an MRT file (TABLE_DUMP_V2, BGP4MP)
  help                            this text
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'decode':
      return runDecode(rest, process.stdout);
    case 'bgp':
      return runBgp(rest, process.stderr);
    case 'show':
      return runShow(rest, process.stdout, process.stderr);
    case 'clear':
      return runClear(rest, process.stdout, process.stderr);
    case 'run':
      return runVtep(rest, process.stderr);
    case 'lab':
      return runLab(rest, process.stdout, process.stderr);
    case 'capture':
      return runCapture(rest, process.stderr);
    case 'inject':
      return runInject(rest, process.stdout, process.stderr);
    case 'mrt':
      return runMrt(rest, process.stdout, process.stderr);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`evpn-vtep: unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  // `evpn-vtep decode f.pcap | head`: a closed pipe ends the output, it is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`evpn-vtep: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
