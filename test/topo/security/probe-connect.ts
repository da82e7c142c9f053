import net from 'node:net';

/**
 * Connects to HOST PORT, sends nothing and prints how the connection ended:
 * a stand-in for a stranger knocking on the BGP port. Exits within 10 s.
 */
const [host, port] = process.argv.slice(2);
const t0 = Date.now();
let octets = 0;
const s = net.connect({ host: host!, port: Number(port) });
const timer = setTimeout(() => {
  console.log('still open after 10000 ms');
  process.exit(1);
}, 10_000);
s.on('data', (d: Buffer) => (octets += d.length));
s.on('error', () => undefined);
s.on('close', () => {
  clearTimeout(timer);
  console.log(`closed after ${Date.now() - t0} ms, ${octets} octets`);
  process.exit(0);
});
