import { readFileSync, type Stats, type StatWatcher, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type Server } from 'node:tls';
import type { Logger } from '../logger.js';

/** Options of {@link CertificateReloader}. */
export interface CertificateReloaderOptions {
  certificate: string;
  key: string;
  logger: Logger;
  /** How often the files are checked for changes (default 1 s). */
  intervalMs?: number;
}

/**
 * The TLS certificate and key of the HTTPS listeners, reloaded when either file changes (as
 * upstream's `CertificateReloader` does for its TLS files). The files are polled by `stat`, which
 * also notices the rename-into-place and symlink swaps that certbot and Kubernetes do. A pair that
 * does not load (e.g. the certificate was replaced but not yet the key) is logged and the old one
 * kept; the next change tries again. Open connections keep the certificate they started with.
 */
export class CertificateReloader {
  readonly #options: CertificateReloaderOptions;
  readonly #servers = new Set<Server>();
  readonly #listener = (current: Stats, previous: Stats) => this.#changed(current, previous);
  #pending: NodeJS.Timeout | undefined;
  #current: SecureContextOptions;
  #watching = false;
  /** Number of successful reloads (tests, logs). */
  reloads = 0;

  /** Loads the pair; throws when it cannot be read or does not match. */
  constructor(options: CertificateReloaderOptions) {
    this.#options = options;
    this.#current = this.#load();
  }

  /** The current certificate and key, for creating a server. */
  get secureContext(): SecureContextOptions {
    return this.#current;
  }

  #load(): SecureContextOptions {
    const pair = {
      cert: readFileSync(this.#options.certificate),
      key: readFileSync(this.#options.key),
    };
    // Validates the pair (a key that does not match the certificate throws here).
    createSecureContext(pair);
    return pair;
  }

  /** Starts swapping the certificate of `server` on changes. */
  attach(server: Server): void {
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
    if (!this.#watching) {
      this.#watching = true;
      const watchOptions = { interval: this.#options.intervalMs ?? 1000, persistent: false };
      for (const file of [this.#options.certificate, this.#options.key]) {
        (watchFile(file, watchOptions, this.#listener) as StatWatcher).unref();
      }
    }
  }

  #changed(current: Stats, previous: Stats): void {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino) {
      return;
    }
    // Certificate and key are often written one after the other: reload once for both.
    clearTimeout(this.#pending);
    this.#pending = setTimeout(() => this.reload(), 50);
    this.#pending.unref();
  }

  /** Reloads the files now; returns whether the new pair is in use. */
  reload(): boolean {
    const { logger, certificate, key } = this.#options;
    logger.info('reloading certificate', { certificate, key });
    try {
      this.#current = this.#load();
    } catch (err) {
      logger.error('could not load certificate / key, keeping the old one', {
        error: (err as Error).message,
      });
      return false;
    }
    for (const server of this.#servers) {
      server.setSecureContext(this.#current);
    }
    this.reloads += 1;
    return true;
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.#pending);
    if (this.#watching) {
      this.#watching = false;
      unwatchFile(this.#options.certificate, this.#listener);
      unwatchFile(this.#options.key, this.#listener);
    }
    this.#servers.clear();
  }
}
