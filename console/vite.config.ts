import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/console, which the server serves at `/` (with a fallback to index.html for
// the console's routes). `npm run dev:console` serves it with hot reload and sends /api to a
// server started with `npm start`.
export default defineConfig({
  // Paths are relative to the repository's root, where npm runs the scripts.
  root: 'console',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
