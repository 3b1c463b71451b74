import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TalkModel } from '../model/talk-model.js';
import { send, sendOcs } from './ocs.js';
import { createRequestContext, type RequestContext, readBody } from './request-context.js';
import type { Router } from './router.js';

/** Options of {@link DevHttpServer}. */
export interface DevHttpServerOptions {
  router: Router;
  model: TalkModel;
  cookieName: string;
  /** Runs before handlers of `ocs` routes; returns false when it already answered. */
  ocsChecks: (ctx: RequestContext) => boolean;
  log: (message: string) => void;
}

/**
 * The node:http listener of the devbackend: routes requests, builds the request context (body,
 * cookies, PHP session, Basic auth) and turns handler failures into OCS 500s.
 */
export class DevHttpServer {
  readonly #options: DevHttpServerOptions;
  #server: Server | undefined;
  #url: string | undefined;
  #closed = false;

  constructor(options: DevHttpServerOptions) {
    this.#options = options;
  }

  /** The base URL with trailing slash, once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Starts listening; resolves with the base URL. */
  async listen(host: string, port: number): Promise<string> {
    if (this.#server !== undefined) {
      throw new Error('DevBackend already started');
    }
    const server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    this.#url = `http://${urlHost}:${address.port}/`;
    return this.#url;
  }

  /** Stops listening and drops open connections; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    const server = this.#server;
    if (server === undefined) {
      return;
    }
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { router, model, cookieName, ocsChecks, log } = this.#options;
    try {
      const url = new URL(req.url ?? '/', this.#url);
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match === undefined || match === 'method') {
        const status = match === 'method' ? 405 : 404;
        if (url.pathname.startsWith('/ocs/')) {
          sendOcs(res, status, null);
        } else {
          send(res, status, 'Not Found', { 'Content-Type': 'text/plain' });
        }
        return;
      }
      const body = await readBody(req);
      const ctx = createRequestContext({ model, cookieName }, req, res, url, body);
      if (match.options.ocs === true && !ocsChecks(ctx)) {
        return;
      }
      await match.handler(ctx, match.params);
    } catch (error) {
      log(`request ${req.method} ${req.url} failed: ${String(error)}`);
      if (res.headersSent) {
        res.destroy();
      } else {
        sendOcs(res, 500, null);
      }
    }
  }
}
