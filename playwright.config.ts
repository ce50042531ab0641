import { defineConfig } from "@playwright/test";
import { chromiumPath } from "./scripts/ensure-chromium";

// One port per Playwright run (workers inherit it), so two runs on one machine do not meet.
process.env.E2E_PORT ??= String(3100 + (process.pid % 800));
export const E2E_PORT = Number(process.env.E2E_PORT);

export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 60_000,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    browserName: "chromium",
    launchOptions: {
      executablePath: chromiumPath(),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"],
    },
    trace: "off",
  },
});
