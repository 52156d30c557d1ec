import { existsSync } from 'node:fs';

/** Debian's Chromium unless CHROME_PATH names another build. */
export const CHROMIUM_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

/** Fails with one line that says how to get Chromium when it is missing. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" or set CHROME_PATH to a Chromium binary.`,
    );
  }
  return CHROMIUM_PATH;
}

/**
 * Flags for a headless, offline Chromium with WebGPU: on a machine without a GPU it exposes
 * SwiftShader's software adapter. The network flags stop Chromium's own background traffic.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
