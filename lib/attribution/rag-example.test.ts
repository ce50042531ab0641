import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ragExampleMarkdown } from "./rag-example";

describe("README worked example of the rag rule", () => {
  it("is what the engine computes (regenerate with `npx tsx lib/attribution/rag-example.ts`)", () => {
    const readme = fs.readFileSync(path.join(process.cwd(), "README.md"), "utf8");
    const block = /<!-- rag-example:start -->\n([\s\S]*?)\n<!-- rag-example:end -->/.exec(readme);
    expect(block, "README.md lacks the rag-example block").not.toBeNull();
    expect(block![1]).toBe(ragExampleMarkdown());
  });
});
