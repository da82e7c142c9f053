import type { Reader } from './reader';

/** MAC addresses are lower-case colon strings at API boundaries: "02:cc:00:00:00:11". */
export type Mac = string;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macToString(buf: Uint8Array, off: number): Mac {
  return `${HEX[buf[off]!]}:${HEX[buf[off + 1]!]}:${HEX[buf[off + 2]!]}:${HEX[buf[off + 3]!]}:${HEX[buf[off + 4]!]}:${HEX[buf[off + 5]!]}`;
}

export function readMac(r: Reader, what = 'MAC address'): Mac {
  const v = r.view(6, what);
  return macToString(v, 0);
}

const MAC_RE = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

export function isMac(s: string): boolean {
  return MAC_RE.test(s);
}

/** Writes a MAC string; throws RangeError (a programmer error) on a bad string. */
export function writeMac(buf: Uint8Array, off: number, mac: Mac): number {
  if (!MAC_RE.test(mac)) throw new RangeError(`not a MAC address: ${mac}`);
  for (let i = 0; i < 6; i++) buf[off + i] = parseInt(mac.substr(i * 3, 2), 16);
  return off + 6;
}

export function macBytes(mac: Mac): Uint8Array {
  const b = new Uint8Array(6);
  writeMac(b, 0, mac);
  return b;
}

export const BROADCAST_MAC: Mac = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: Mac = '00:00:00:00:00:00';

/** Group bit (I/G) of the first octet: broadcast and multicast. */
export function isMulticastMac(mac: Mac): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
