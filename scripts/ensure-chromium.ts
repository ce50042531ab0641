/**
 * Playwright needs a Chromium; downloads are impossible here, so use Debian's. Finds CHROMIUM_PATH or
 * /usr/bin/chromium; installs Debian's `chromium` with apt-get when root; else says how.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export function chromiumPath(): string | undefined {
  for (const p of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (p && fs.existsSync(p)) return p;
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let found = chromiumPath();
  if (!found && process.getuid?.() === 0 && fs.existsSync("/usr/bin/apt-get")) {
    console.log("Chromium not found: installing Debian's chromium package (apt-get)…");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
    found = chromiumPath();
  }
  if (!found) {
    console.error(
      "No Chromium for the browser tests. Install Debian's package (sudo apt-get install chromium) " +
        "or set CHROMIUM_PATH to a Chromium/Chrome binary, then run npm test again.",
    );
    process.exit(1);
  }
  console.log(`browser tests use ${found}`);
}
