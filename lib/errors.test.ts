/**
 * `instanceof` on Ledgerline's errors holds across copies of the module: Next compiles a module once per layer, and an
 * error thrown by an object made in the instrumentation layer reached route handlers as another copy's class (a 500
 * instead of its own status). Modules imported again under another id stand in for the second copy.
 */
import { describe, expect, it } from "vitest";
import { AppError, isAppError } from "./errors";
import { PaymentError } from "./payments/errors";
import { ModelUnavailable } from "./inference/models";

/** Each module again under another id (a query), as a bundler's second copy: the rest of the graph is shared. */
async function secondCopy() {
  const again = (file: string) => import(/* @vite-ignore */ `${file}?copy`);
  const [errors, payments, models] = (await Promise.all([again("./errors"), again("./payments/errors"), again("./inference/models")])) as [
    typeof import("./errors"),
    typeof import("./payments/errors"),
    typeof import("./inference/models"),
  ];
  return { errors, payments, models };
}

describe("errors from another copy of the module", () => {
  it("are AppErrors here, and of their own subclass, but not of another", async () => {
    const copy = await secondCopy();
    expect(copy.errors.AppError).not.toBe(AppError);
    const notFound = new copy.errors.AppError("not_found", "Model 9 was not found.");
    const refused = new copy.payments.PaymentError("malformed_payment", "The payment header is not valid base64 JSON.");
    const unavailable = new copy.models.ModelUnavailable("Model 3 cannot be read.", 3);
    // Plain instanceof would miss all three: their prototypes are the other copy's.
    expect(Object.getPrototypeOf(notFound)).not.toBe(AppError.prototype);

    for (const e of [notFound, refused, unavailable]) {
      expect(e).toBeInstanceOf(AppError);
      expect(isAppError(e)).toBe(true);
    }
    expect(refused).toBeInstanceOf(PaymentError);
    expect(unavailable).toBeInstanceOf(ModelUnavailable);
    expect(notFound).not.toBeInstanceOf(PaymentError);
    expect(unavailable).not.toBeInstanceOf(PaymentError);
    expect(refused).not.toBeInstanceOf(ModelUnavailable);
    // Status and body come from the instance, whichever copy made it.
    expect([unavailable.status, unavailable.toBody().reason]).toEqual([503, "model_unavailable"]);
  });

  it("an error of another shape is not taken for one, nor is a subclass without its own brand widened", async () => {
    const forged = Object.assign(new Error("x"), { code: "not_found", status: 404 });
    expect(forged).not.toBeInstanceOf(AppError);
    expect({ [Symbol.for("ledgerline.errorBrands")]: "AppError" }).not.toBeInstanceOf(AppError);
    class Unbranded extends AppError {}
    const copy = await secondCopy();
    expect(new copy.errors.AppError("not_found", "x")).not.toBeInstanceOf(Unbranded);
    expect(new Unbranded("not_found", "x")).toBeInstanceOf(AppError);
  });
});
