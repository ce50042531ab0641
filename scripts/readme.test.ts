/** The README's copy-paste client example, saved where it says (`pay.mts` in the checkout), passes the project's lint. */
import fs from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

describe("README", () => {
  it("its pay.mts example passes `eslint .` when saved in the checkout", async () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Paying for an inference"));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example, "the README's first ts block after 'Paying for an inference'").toBeTruthy();
    expect(example).toContain("wrapFetchWithPayment");
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(example!, { filePath: path.join(root, "pay.mts") });
    expect(result.messages.filter((m) => m.severity === 2).map((m) => `${m.line}:${m.column} ${m.message}`)).toEqual([]);
  }, 120_000);
});
