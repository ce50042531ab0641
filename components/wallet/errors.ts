import { BaseError, UserRejectedRequestError } from "viem";

/** The wallet refused: the user closed or rejected the signature prompt (nothing was sent). */
export function isUserRejection(err: unknown): boolean {
  if (err instanceof BaseError && err.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: unknown }).code === 4001)) return true;
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  return e?.code === 4001 || e?.name === "UserRejectedRequestError" || /user (rejected|denied)|rejected the request/i.test(String(e?.message ?? ""));
}

