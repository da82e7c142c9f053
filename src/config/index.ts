export { loadConfig, parseConfig, type ConfigMode } from './load';
export { ConfigError, formatErrors, type LoadResult } from './errors';
export { autoRd, autoRt, resolveL2vni, neighborFsmConfig, neighborStartEvent, type ResolvedL2vni } from './derive';
export * from './schema';
