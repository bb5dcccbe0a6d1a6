import { defineConfig, mergeConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import base from '../../vite.config.ts';

// The web app's configuration (aliases, React), rooted at the bench page.
export default mergeConfig(base, defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { rollupOptions: { output: { manualChunks: undefined } } },
}));
