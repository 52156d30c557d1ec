import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is a static site: everything (tfjs, its .wasm files, the worker) is bundled and served
// from the same origin, so it runs offline and nothing leaves the browser.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
