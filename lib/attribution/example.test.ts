import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exampleMarkdown } from "./example";

describe("README worked example", () => {
  it("is what the engine computes (regenerate with `npx tsx lib/attribution/example.ts`)", () => {
    const readme = fs.readFileSync(path.join(process.cwd(), "README.md"), "utf8");
    const block = /<!-- attribution-example:start -->\n([\s\S]*?)\n<!-- attribution-example:end -->/.exec(readme);
    expect(block, "README.md lacks the attribution-example block").not.toBeNull();
    expect(block![1]).toBe(exampleMarkdown());
  });
});
