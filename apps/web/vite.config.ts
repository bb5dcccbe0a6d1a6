import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * CRM_WEB_PACKS=none builds the web app without any solution pack: the pack registry's list
 * (src/packs/installed.ts) is swapped for the empty one, so no pack's code reaches the bundle.
 */
function withoutPacks(): Plugin {
  return {
    name: 'crm-without-packs',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './installed' && importer?.replace(/\\/g, '/').endsWith('/src/packs/registry.ts')) return root('./src/packs/none.ts');
      return null;
    },
  };
}

// Workspace packages are compiled from their sources: no pre-build of a sibling is needed.
export default defineConfig({
  plugins: [react(), ...(process.env.CRM_WEB_PACKS === 'none' ? [withoutPacks()] : [])],
  resolve: {
    alias: {
      '@crm/shared': root('../../packages/shared/src/index.ts'),
      '@crm/form-engine': root('../../packages/form-engine/src/index.ts'),
      '@crm/feel': root('../../packages/feel/src/index.ts'),
      '@engine-specs': root('../../engine-specs'),
    },
  },
  server: {
    proxy: { '/api': 'http://localhost:3000' },
    fs: { allow: [root('../..')] },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules')) {
            if (/bpmn-js|diagram-js|bpmn-moddle|moddle|min-dash|tiny-svg|didi|min-dom/.test(id)) return 'bpmn';
            if (/echarts|zrender/.test(id)) return 'echarts';
            if (/antd|@ant-design|rc-|@rc-component/.test(id)) return 'antd';
            if (/ajv|feelin|lezer/.test(id)) return 'engine';
          }
          return undefined;
        },
      },
    },
  },
});
