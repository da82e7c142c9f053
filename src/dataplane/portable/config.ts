/**
 * The portable pipeline's configuration: the PipelineConfig of native.ts,
 * with the same defaults and the same range checks as native/src/addon.cc
 * readConfig (a bad value is a TypeError naming the field, as there).
 */
import type { PipelineConfig } from '../native';
import { parseIpKey } from './ip-key';
import type { UnderlaySettings } from './vxlan';
import { VXLAN_PORT } from './wire';

export interface ResolvedConfig {
  maxPorts: number;
  maxVnis: number;
  maxVteps: number;
  maxMacs: number;
  maxArp: number;
  maxFloodPerVni: number;
  maxTenants: number;
  maxRoutes: number;
  eventRing: number;
  txSlots: number;
  maxFrameLen: number;
  underlay: UnderlaySettings;
  /** Probe MAC as (hi, lo); `probe` false when none is configured. */
  probe: boolean;
  probeMacHi: number;
  probeMacLo: number;
  verifyUdpChecksum: boolean;
  ipv6ZeroChecksumRx: boolean;
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** A MAC string as (hi 16 bits, lo 32 bits); TypeError when malformed. */
export function parseMacParts(s: unknown, key: string): [number, number] {
  if (typeof s !== 'string' || !MAC_RE.test(s)) throw new TypeError(`${key} must be a MAC address (aa:bb:cc:dd:ee:ff)`);
  const h = s.replace(/:/g, '');
  return [parseInt(h.slice(0, 4), 16), parseInt(h.slice(4), 16) >>> 0];
}

function u32(o: object, key: string, dflt: number, min: number, max: number): number {
  const v = (o as Record<string, unknown>)[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw new TypeError(`${key} must be a number`);
  if (!Number.isInteger(v) || v < min || v > max) throw new TypeError(`${key} must be an integer in [${min}, ${max}]`);
  return v;
}

function bool(o: object, key: string, dflt: boolean): boolean {
  const v = (o as Record<string, unknown>)[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${key} must be a boolean`);
  return v;
}

export function resolveConfig(c: PipelineConfig): ResolvedConfig {
  const maxPorts = u32(c, 'maxPorts', 64, 1, 4096);
  const maxVnis = u32(c, 'maxVnis', 4096, 1, 65534);
  const maxVteps = u32(c, 'maxVteps', 1024, 1, 1 << 20);
  const maxMacs = u32(c, 'maxMacs', 65536, 16, 1 << 26);
  const maxArp = u32(c, 'maxArp', 65536, 16, 1 << 26);
  const maxFloodPerVni = u32(c, 'maxFloodPerVni', 128, 1, 1 << 16);
  const maxTenants = u32(c, 'maxTenants', 64, 1, 1 << 15);
  const maxRoutes = u32(c, 'maxRoutes', 65536, 16, 1 << 24);
  const eventRing = u32(c, 'eventRing', 4096, 16, 1 << 24);
  const txSlots = u32(c, 'txSlots', 1024, 16, 1 << 20);
  const maxFrameLen = u32(c, 'maxFrameLen', 1518, 64, 65535 - 70);
  const verifyUdpChecksum = bool(c, 'verifyUdpChecksum', true);
  const ipv6ZeroChecksumRx = bool(c, 'ipv6ZeroChecksumRx', false);
  let probe = false;
  let probeMacHi = 0;
  let probeMacLo = 0;
  if (c.probeMac !== undefined) {
    [probeMacHi, probeMacLo] = parseMacParts(c.probeMac, 'probeMac');
    probe = probeMacHi !== 0 || probeMacLo !== 0;
  }
  const u: unknown = c.underlay;
  if (typeof u !== 'object' || u === null) throw new TypeError('underlay must be an object');
  const localIp = (u as { localIp?: unknown }).localIp;
  const ip = typeof localIp === 'string' ? parseIpKey(localIp) : null;
  if (!ip) throw new TypeError('underlay.localIp must be an IPv4 or IPv6 address');
  const [localMacHi, localMacLo] = parseMacParts((u as { localMac?: unknown }).localMac, 'localMac');
  const [nextHopMacHi, nextHopMacLo] = parseMacParts((u as { nextHopMac?: unknown }).nextHopMac, 'nextHopMac');
  return {
    maxPorts,
    maxVnis,
    maxVteps,
    maxMacs,
    maxArp,
    maxFloodPerVni,
    maxTenants,
    maxRoutes,
    eventRing,
    txSlots,
    maxFrameLen,
    underlay: {
      family: ip.family,
      localIp: ip.bytes,
      localMacHi,
      localMacLo,
      nextHopMacHi,
      nextHopMacLo,
      udpPort: u32(u, 'udpPort', VXLAN_PORT, 1, 65535),
      ttl: u32(u, 'ttl', 64, 1, 255),
      tos: u32(u, 'tos', 0, 0, 255),
    },
    probe,
    probeMacHi,
    probeMacLo,
    verifyUdpChecksum,
    ipv6ZeroChecksumRx,
  };
}
