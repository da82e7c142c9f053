/** Tests build their networks with the same helper the lab uses. */
export { Topology, ip, ipNs, run } from '../../src/lab/netns';
