import { describe, expect, it } from "vitest";
import { isLocalChain } from "./config";

describe("the local chain", () => {
  it("is anvil's chain id on a loopback RPC, not a chain id any remote node can claim", async () => {
    expect(isLocalChain(31337, "http://127.0.0.1:8545")).toBe(true);
    expect(isLocalChain(31337, "http://localhost:8545")).toBe(true);
    expect(isLocalChain(31337, "http://[::1]:8545")).toBe(true);
    expect(isLocalChain(31337, "https://rpc.example.com")).toBe(false);
    expect(isLocalChain(1, "http://127.0.0.1:8545")).toBe(false);
  });
});
