import type { PreviewServer } from 'vite';
import { build, preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { requireChromium } from '../chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

let server: PreviewServer | undefined;

/** Builds the production app once and serves it on 127.0.0.1 for the end-to-end tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  requireChromium();
  // Vitest sets NODE_ENV=test, which would bundle React's development build (several times slower
  // to render; it starved the page's main thread while training): test what users get.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ logLevel: 'warn', build: { outDir: 'dist' } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  server = await preview({ logLevel: 'warn', preview: { host: '127.0.0.1', port: 4873, strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a local URL');
  project.provide('baseUrl', url);
  return async () => {
    await server?.close();
  };
}
