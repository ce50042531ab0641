/** Who may post an epoch over HTTP (lib/settlement/trigger.ts). */
import { describe, expect, it } from "vitest";
import { authorizeEpochTrigger } from "./trigger";

const req = (authorization?: string) => new Request("http://test/api/settlement/epoch", { method: "POST", headers: authorization ? { authorization } : {} });
const status = (f: () => void) => {
  try {
    f();
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? 500;
  }
};

describe("epoch trigger authorization", () => {
  it("with EPOCH_TRIGGER_TOKEN: the bearer token and nothing else, on any chain", () => {
    const env = { EPOCH_TRIGGER_TOKEN: "s3cret-token" };
    expect(status(() => authorizeEpochTrigger(req("Bearer s3cret-token"), env, false))).toBe(200);
    expect(status(() => authorizeEpochTrigger(req("bearer s3cret-token"), env, true))).toBe(200);
    expect(status(() => authorizeEpochTrigger(req(), env, true))).toBe(401);
    expect(status(() => authorizeEpochTrigger(req("Bearer s3cret-tokeN"), env, true))).toBe(401);
    expect(status(() => authorizeEpochTrigger(req("Bearer s3cret"), env, true))).toBe(401);
  });

  it("without a token: the local chain only", () => {
    expect(status(() => authorizeEpochTrigger(req(), {}, true))).toBe(200);
    expect(status(() => authorizeEpochTrigger(req(), {}, false))).toBe(403);
  });
});
