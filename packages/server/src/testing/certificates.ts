import { execFileSync } from 'node:child_process';

/**
 * Writes a self-signed certificate for 127.0.0.1 with common name `cn` to `cert` / `key` (openssl
 * CLI; node:crypto cannot make X.509 certificates). For tests.
 */
export function selfSignedCertificate(cert: string, key: string, cn: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
}
