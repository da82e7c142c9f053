#!/usr/bin/env node
/**
 * The `evpn-vtep` command: wiring only. Each subcommand lives in its own file
 * and returns an exit status; nothing here knows about the wire.
 */
import type * as Decode from './decode';
import type * as Bgp from './bgp';
import type * as Show from './show';
import type * as Clear from './clear';
import type * as Capture from './capture';
import type * as Inject from './inject';
import type * as Mrt from './mrt';
import type * as Run from './run';
import type * as Lab from './lab';

// Each subcommand is loaded when it runs: a daemon (`run`, `bgp`) does not
// carry the modules of the lab, the injector or the pcap decoder (about 1 MiB
// and 100 modules it would never use).

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
      return (require('./decode') as typeof Decode).runDecode(rest, process.stdout);
    case 'bgp':
      return (require('./bgp') as typeof Bgp).runBgp(rest, process.stderr);
    case 'show':
      return (require('./show') as typeof Show).runShow(rest, process.stdout, process.stderr);
    case 'clear':
      return (require('./clear') as typeof Clear).runClear(rest, process.stdout, process.stderr);
    case 'run':
      return (require('./run') as typeof Run).runVtep(rest, process.stderr);
    case 'lab':
      return (require('./lab') as typeof Lab).runLab(rest, process.stdout, process.stderr);
    case 'capture':
      return (require('./capture') as typeof Capture).runCapture(rest, process.stderr);
    case 'inject':
      return (require('./inject') as typeof Inject).runInject(rest, process.stdout, process.stderr);
    case 'mrt':
      return (require('./mrt') as typeof Mrt).runMrt(rest, process.stdout, process.stderr);
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
