export { loadConfig, parseConfig, type ConfigMode } from './load';
export { ConfigError, formatErrors, type LoadResult } from './errors';
export { autoRd, autoRt, resolveL2vni, resolveVrf, routerIdMac, neighborFsmConfig, neighborStartEvent, type ResolvedL2vni, type ResolvedVrf } from './derive';
export { parsePrefix, prefixText, networkOf } from './prefix';
export * from './schema';
