import { describe, expect, it } from "vitest";
import { finishReason } from "./openai";
import type { ServedInference } from "./types";

const served = (params: Record<string, unknown>, completionTokens: number) => ({ params, usage: { promptTokens: 3, completionTokens } }) as unknown as ServedInference;

describe("OpenAI finish_reason", () => {
  it("is length when the answer was cut at max_tokens, stop otherwise", () => {
    expect(finishReason(served({ maxTokens: 16 }, 16))).toBe("length");
    expect(finishReason(served({ maxTokens: 16 }, 9))).toBe("stop");
    // A classifier has no token budget.
    expect(finishReason(served({ k: 5 }, 1))).toBe("stop");
  });
});
