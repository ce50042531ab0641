import { describe, expect, it } from "vitest";
import { decodeRevert, paymentErrorFromRevert } from "./revert";

/** An error chain as another copy of viem builds it: same shape, other classes (instanceof fails). */
function foreignViemError(inner: Record<string, unknown>) {
  const chain = [{ name: "ContractFunctionExecutionError" }, { name: "ContractFunctionRevertedError", ...inner }];
  return {
    name: "ContractFunctionExecutionError",
    walk(fn: (e: unknown) => boolean) {
      for (const e of chain) if (fn(e)) return e;
      return null;
    },
  };
}

describe("decoding a payment's revert", () => {
  it("names the custom error even when the error comes from another copy of viem (a bundled dependency's)", () => {
    const hash = `0x${"e5".repeat(32)}`;
    const decoded = decodeRevert(foreignViemError({ data: { errorName: "RequestHashUsed", args: [hash] } }));
    expect(decoded).toEqual({ name: "RequestHashUsed", args: [hash] });
    // A second instance submitting the same request: a 409 with a reason, not a 500.
    expect(paymentErrorFromRevert(decoded)).toMatchObject({ status: 409, code: "request_replayed" });
  });

  it("decodes raw revert bytes, and says null for what is not a revert", () => {
    // RequestHashUsed(bytes32) = 0x3defbef5
    const raw = `0x3defbef5${"e5".repeat(32)}`;
    expect(decodeRevert(foreignViemError({ raw }))?.name).toBe("RequestHashUsed");
    expect(decodeRevert(new Error("socket hang up"))).toBeNull();
    expect(decodeRevert(null)).toBeNull();
  });
});
