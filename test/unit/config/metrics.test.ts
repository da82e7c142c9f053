import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';

const BASE = 'router-id: 10.0.0.1\nas: 65001\n';

describe('config key metrics', () => {
  it('is off when absent', () => {
    const r = parseConfig(BASE, 'c.yaml', 'bgp');
    expect(r.ok && r.config.metrics).toBe(undefined);
  });

  it.each([
    ['127.0.0.1:9179', { address: '127.0.0.1', port: 9179 }],
    ['"[::1]:9179"', { address: '::1', port: 9179 }],
    ['"[2001:DB8::1]:80"', { address: '2001:db8::1', port: 80 }],
    ['":9179"', { address: '0.0.0.0', port: 9179 }],
    ['127.0.0.1:0', { address: '127.0.0.1', port: 0 }],
  ])('listen %s', (text, listen) => {
    const r = parseConfig(`${BASE}metrics: { listen: ${text} }\n`, 'c.yaml', 'bgp');
    if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
    expect(r.config.metrics).toEqual({ listen });
  });

  it.each([
    ['metrics: { listen: 9179 }', 'c.yaml:3:20: metrics.listen: expected an ADDRESS:PORT like "127.0.0.1:9179", got 9179 (YAML read it as a number: put it in quotes)'],
    ['metrics: { listen: "localhost:9179" }', 'c.yaml:3:20: metrics.listen: expected ADDRESS:PORT like 127.0.0.1:9179 or [::1]:9179, got "localhost:9179"'],
    ['metrics: { listen: "1.2.3:9179" }', 'c.yaml:3:20: metrics.listen: "1.2.3" is not an IP address'],
    ['metrics: { listen: "127.0.0.1:70000" }', 'c.yaml:3:20: metrics.listen: port 70000 out of range 0..65535'],
    ['metrics: {}', 'c.yaml:3:10: metrics: missing required key "listen"'],
    ['metrics: { listen: "127.0.0.1:1", port: 1 }', 'c.yaml:3:35: metrics.port: unknown key; valid keys: listen'],
  ])('%s is an error at its position', (line, error) => {
    const r = parseConfig(`${BASE}${line}\n`, 'c.yaml', 'bgp');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map(String)).toEqual([error]);
  });
});
