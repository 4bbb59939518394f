import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` talks to the backend through this proxy (the app's API base is '' in dev).
const backend = process.env.API_PROXY_TARGET || 'http://127.0.0.1:5000'
const proxied = { target: backend, changeOrigin: true }

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 8080,
    strictPort: true,
    proxy: {
      // text-to-image lives at the backend root: GET /?input=...
      '^/\\?(.*&)?input=': proxied,
      '/mnist': proxied,
      '/api': proxied,
    },
  },
  preview: {
    port: Number(process.env.PREVIEW_PORT || 8080),
    host: process.env.PREVIEW_HOST || '127.0.0.1',
    strictPort: true,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/__tests__/**/*.spec.js'],
    restoreMocks: true,
  },
})
