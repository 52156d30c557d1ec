import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The Content-Security-Policy of the built app: everything from its own origin. tfjs compiles its
 * .wasm ('wasm-unsafe-eval') and fetches it from self; figure export draws an SVG blob and
 * downloads use blob: links. React sets inline styles through the CSSOM, which the CSP allows, so
 * styles need no 'unsafe-inline'.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Adds the policy as a meta tag (works on any static host) to the build only: the dev server's
 * React refresh runs inline scripts.
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'pkm-content-security-policy',
    apply: 'build',
    // Right after the charset, before any script or stylesheet it must govern.
    transformIndexHtml(html, ctx) {
      // Only the app's page: Storybook builds its own iframe.html with this config.
      if (!ctx.filename.endsWith('/index.html')) return html;
      const charset = '<meta charset="UTF-8" />';
      if (!html.includes(charset))
        throw new Error('index.html: no <meta charset="UTF-8" /> to put the CSP after');
      const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`;
      return html.replace(charset, `${charset}\n    ${meta}`);
    },
  };
}

// The app is a static site: everything (tfjs, its .wasm files, the worker) is bundled and served
// from the same origin, so it runs offline and nothing leaves the browser.
export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
