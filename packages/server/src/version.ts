/** Version reported in `welcome`, `/api/v1/welcome` and the `Server` header. */
export const VERSION = '0.1.0';

/** Value of the HTTP `Server` header. */
export const SERVER_HEADER = `spreed-ts/${VERSION}`;
