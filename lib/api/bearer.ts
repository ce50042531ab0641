/**
 * Bearer-token access for operator endpoints (GET /metrics): with a token configured, only
 * `Authorization: Bearer <token>` passes (compared in constant time); without one, only the local dev chain
 * is open. A refusal says what is needed, never what is behind it.
 */
import { timingSafeEqual } from "node:crypto";
import { AppError } from "@/lib/errors";

export function requireBearer(request: Request, opts: { token: string | undefined; isLocal: boolean; variable: string; what: string }): void {
  if (opts.token) {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
    const a = Buffer.from(given);
    const b = Buffer.from(opts.token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AppError("unauthorized", `${opts.what} needs Authorization: Bearer <${opts.variable}>.`);
    return;
  }
  if (!opts.isLocal) throw new AppError("forbidden", `Set ${opts.variable} on the server to allow ${opts.what} on this chain.`);
}
