import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type PreviewServer, preview } from 'vite';

/**
 * Builds the engine test page (test/e2e/enginePage, a separate Vite build, never part of the
 * production app) and serves it on 127.0.0.1 (WebGPU needs a real origin).
 */
export async function serveEnginePage(): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(import.meta.dirname, 'enginePage');
  const outDir = mkdtempSync(join(tmpdir(), 'pkm-engine-page-'));
  const shared = {
    configFile: false as const,
    root,
    logLevel: 'warn' as const,
    worker: { format: 'es' as const },
  };
  await build({
    ...shared,
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  });
  const server: PreviewServer = await preview({
    ...shared,
    build: { outDir },
    preview: { host: '127.0.0.1', port: 4891, strictPort: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a local URL for the engine test page');
  return {
    url,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
