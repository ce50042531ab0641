import { afterEach, describe, expect, it } from "vitest";
import { log, logger, recentProblems, withRequest } from "./log";

describe("component loggers", () => {
  const level = process.env.LOG_LEVEL;
  afterEach(() => {
    if (level === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = level;
  });

  it("are made once per component, and each line still names the request being handled when it is written", () => {
    expect(log("payment")).toBe(log("payment"));
    expect(log("payment")).not.toBe(log("http"));
    const at = (reqId: string) => withRequest(new Request("http://localhost/x", { headers: { "x-request-id": reqId } }), () => log("payment").warn(`log cache check ${reqId}`));
    at("req-aaaaaaaa");
    at("req-bbbbbbbb");
    const lines = recentProblems(50).filter((p) => p.msg.startsWith("log cache check"));
    expect(lines.map((p) => [p.reqId, p.component, p.msg])).toEqual([
      ["req-bbbbbbbb", "payment", "log cache check req-bbbbbbbb"],
      ["req-aaaaaaaa", "payment", "log cache check req-aaaaaaaa"],
    ]);
  });

  it("are made again when LOG_LEVEL changes, at the new level", () => {
    process.env.LOG_LEVEL = "error";
    const before = log("payment");
    expect(before.isLevelEnabled("warn")).toBe(true); // warnings always reach the ring (recentProblems)
    expect(logger().level).toBe("warn");
    process.env.LOG_LEVEL = "debug";
    const after = log("payment");
    expect(after).not.toBe(before);
    expect(after.isLevelEnabled("debug")).toBe(true);
    expect(log("payment")).toBe(after);
  });
});
