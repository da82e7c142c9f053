/**
 * Node flags a VTEP daemon (`evpn-vtep run`) is best started with (the lab
 * and the scale bench start their leaves so; NODE_OPTIONS takes them too):
 * V8's young generation held to two 1 MiB semi-spaces instead of growing to
 * 8 MiB — 6 MiB less resident memory per leaf, for ~10 % less route ingest
 * throughput (bench/README.md, scale), which a leaf rarely needs and a route
 * reflector taking a million routes does (the lab starts its `bgp` reflector
 * with V8's defaults). V8 reads them only at start-up
 * (v8.setFlagsFromString cannot change the heap's layout afterwards), so they
 * go on the node command line.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
