/// <reference types="vitest/config" />
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

// Writes `.br` and `.gz` beside each built text file, compressed once at the highest levels;
// the API serves them to browsers that accept them (tower-http's precompressed ServeDir), so a
// request costs no compression work.
function precompress(): Plugin {
  return {
    name: 'precompress',
    apply: 'build',
    enforce: 'post',
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      for (const output of Object.values(bundle)) {
        if (!/\.(js|css|html|svg)$/.test(output.fileName)) continue;
        const source = output.type === 'chunk' ? output.code : output.source;
        const bytes = typeof source === 'string' ? Buffer.from(source) : source;
        const path = join(dir, output.fileName);
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }),
        );
      }
    },
  };
}

// The entry (main.tsx) imports the app (mount.tsx) dynamically so that the session refresh leaves
// before the app's code is parsed; this asks for the app's chunk, its imports and its styles from
// the HTML, so they download beside the entry instead of after it has run. The screens' own chunks
// are not named here: they load when first opened.
function preloadApp(): Plugin {
  return {
    name: 'preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        if (!bundle) return [];
        const chunks = Object.values(bundle).flatMap((output) => (output.type === 'chunk' ? [output] : []));
        const app = chunks.find((chunk) => chunk.facadeModuleId?.endsWith('/src/mount.tsx'));
        if (!app) throw new Error('preload-app: no chunk for src/mount.tsx');
        const entries = new Set(chunks.filter((chunk) => chunk.isEntry).map((chunk) => chunk.fileName));
        const modules = [app.fileName, ...app.imports].filter((fileName) => !entries.has(fileName));
        const tags: HtmlTagDescriptor[] = modules.map((fileName) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${fileName}` },
          injectTo: 'head',
        }));
        for (const css of app.viteMetadata?.importedCss ?? []) {
          tags.push({ tag: 'link', attrs: { rel: 'stylesheet', crossorigin: true, href: `/${css}` }, injectTo: 'head' });
        }
        return tags;
      },
    },
  };
}

export default defineConfig({
  // React's API on Preact (preact/compat): the same components in a runtime a sixth of the size,
  // which is most of the first load's parse and start-up time.
  plugins: [preact(), preloadApp(), precompress()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // The polyfill is an inline <script>, which the server's CSP (script-src 'self') refuses.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
