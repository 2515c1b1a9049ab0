import { defineConfig } from '@playwright/test';

// Runs against a real stack started elsewhere: CONSOLE_URL is the API serving the console.
// Chromium is the system's (never downloaded): CHROMIUM_PATH or /usr/bin/chromium.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.CONSOLE_URL ?? 'http://127.0.0.1:8080',
    headless: true,
    locale: 'en-GB',
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox'],
    },
    trace: 'retain-on-failure',
  },
});
