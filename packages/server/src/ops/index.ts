export { CertificateReloader, type CertificateReloaderOptions } from './certificate-reloader.js';
export { OpsEndpoints, type OpsEndpointsOptions, type OpsHubView } from './ops-endpoints.js';
export {
  type ServerInfo,
  type ServerInfoDialout,
  type ServerInfoNats,
  serverInfo,
  statsBody,
} from './server-info.js';
export {
  randomTurnUsername,
  TURN_CREDENTIALS_TTL_SECONDS,
  type TurnCredentials,
  turnCredentials,
} from './turn-credentials.js';
