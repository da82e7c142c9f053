#!/usr/bin/env node
/**
 * The `evpn-vtep` command: wiring only. Each subcommand lives in its own file
 * and returns an exit status; nothing here knows about the wire.
 */
import { runDecode } from './decode';
import { runBgp } from './bgp';
import { runShow } from './show';

const USAGE = `usage: evpn-vtep <command> [options]

commands:
  decode FILE.pcap [--json] [--bgp-port N] [--vxlan-port N]
                                  decode every BGP message and VXLAN frame in a capture
  bgp --config FILE               run the BGP EVPN speaker alone (route reflector / route server)
  show peers|routes [--type 2|3|5] [--vni N] [--json] [--socket PATH]
                                  read a running speaker through its control socket
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
