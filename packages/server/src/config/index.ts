export type { ExpandedValue, IniFile } from './ini.js';
export {
  DEFAULT_SECTION,
  expandEnv,
  getRawValue,
  getValue,
  hasSection,
  optionNames,
  parseIni,
} from './ini.js';
export { COMPAT_BACKEND_ID } from './load-backends.js';
export { loadConfig } from './load-config.js';
export { isIpOrSubnet, parseListenAddress } from './option-reader.js';
export type {
  BackendConfig,
  BackendsConfig,
  ListenAddress,
  LoadedConfig,
  ServerConfig,
} from './server-config.js';
export { ConfigError } from './server-config.js';
