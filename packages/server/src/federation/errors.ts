/** Why a connection could not be made: sent as `federation_error` or the code given. */
export class FederationConnectError extends Error {
  readonly code: string;
  readonly details: { code: string; message: string } | undefined;

  constructor(code: string, message: string, details?: { code: string; message: string }) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
