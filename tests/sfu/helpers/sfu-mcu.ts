import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JanusFixture, startJanus } from '@spreed-ts/testkit';
import { OUR_PROXY, type ProxyProcess, startProxy } from '../../proxy/helpers/go-proxy.js';
import { rsaKeyPair, TOKEN_ID } from '../../proxy/helpers/proxy-env.js';

/**
 * How the server reaches Janus: `janus` talks to it directly (`[mcu] type = janus`), `proxy` goes
 * through our signaling proxy (`bin/proxy`) in front of the same kind of Janus
 * (`[mcu] type = proxy`, static token keys).
 */
export type SfuMode = 'janus' | 'proxy';

/** Both modes, for test files that run their tests against each. */
export const SFU_MODES: readonly SfuMode[] = ['janus', 'proxy'];

/** A Janus, in `proxy` mode with our proxy in front of it, and the server's `[mcu]` lines. */
export interface SfuMcu {
  readonly mode: SfuMode;
  readonly janus: JanusFixture;
  /** The proxy between the server and Janus (mode `proxy` only). */
  readonly proxy: ProxyProcess | undefined;
  /**
   * The `[mcu]` settings that make a signaling server use this SFU (without the section header
   * and without `timeout`, which callers choose).
   */
  readonly mcuConfig: readonly string[];
  /** Stops the proxy and Janus (by PID) and removes the temp files. */
  stop(): Promise<void>;
}

/**
 * Starts Janus (inside the test network namespace) and, in `proxy` mode, our `bin/proxy` in front
 * of it with a freshly generated RSA key pair: the proxy gets the public key, the returned
 * `[mcu]` lines name the private key for the server.
 */
export async function startSfuMcu(mode: SfuMode = 'janus'): Promise<SfuMcu> {
  const janus = await startJanus();
  let proxy: ProxyProcess | undefined;
  let dir: string | undefined;
  const stop = async () => {
    await proxy?.stop();
    await janus.stop();
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    if (mode === 'janus') {
      return { mode, janus, proxy, mcuConfig: ['type = janus', `url = ${janus.url}`], stop };
    }
    dir = await mkdtemp(join(tmpdir(), 'spreed-sfu-proxy-'));
    const keys = rsaKeyPair();
    const keyFile = join(dir, 'proxy-token.pem');
    await writeFile(keyFile, keys.privateKey);
    proxy = await startProxy({
      launcher: OUR_PROXY,
      janusUrl: janus.url,
      tokens: { [TOKEN_ID]: keys.publicKey },
    });
    const mcuConfig = [
      'type = proxy',
      `url = ${proxy.url}`,
      `token_id = ${TOKEN_ID}`,
      `token_key = ${keyFile}`,
      'proxytimeout = 2',
    ];
    return { mode, janus, proxy, mcuConfig, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
