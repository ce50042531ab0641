import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ABI_DIR, DEPLOYABLE, buildContracts } from "../../scripts/contracts-build";

const HINT = "contracts-abi/ is stale: run npm run contracts:build (npx tsx scripts/contracts-build.ts) and commit the result";

describe("contracts-abi/", () => {
  it("matches a fresh compile of contracts/*.sol byte for byte", () => {
    const fresh = buildContracts();
    expect(Object.keys(fresh)).toEqual(expect.arrayContaining([...DEPLOYABLE.map((n) => `${n}.ts`), "index.ts"]));

    const committed = fs.existsSync(ABI_DIR) ? fs.readdirSync(ABI_DIR).filter((f) => f.endsWith(".ts")).sort() : [];
    const missing = Object.keys(fresh).filter((f) => !committed.includes(f));
    const extra = committed.filter((f) => !(f in fresh));
    const differing = Object.keys(fresh).filter(
      (f) => committed.includes(f) && fs.readFileSync(path.join(ABI_DIR, f), "utf8") !== fresh[f],
    );
    if (missing.length || extra.length || differing.length) {
      throw new Error(
        `${HINT}.\n` +
          (missing.length ? `  missing: ${missing.join(", ")}\n` : "") +
          (extra.length ? `  not generated any more: ${extra.join(", ")}\n` : "") +
          (differing.length ? `  out of date: ${differing.join(", ")}\n` : ""),
      );
    }
  }, 300_000); // solc-js via-IR over every contract: ~1 min idle, over 2 under a loaded 2-core machine
});
