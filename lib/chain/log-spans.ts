/** getLogs in spans of LOG_SPAN blocks: public RPCs limit a query's block range. */
export const LOG_SPAN = 50_000;

export async function inSpans<T>(from: number, to: number, fetch: (from: bigint, to: bigint) => Promise<T[]>, span = LOG_SPAN): Promise<T[]> {
  const out: T[] = [];
  for (let a = from; a <= to; a += span) out.push(...(await fetch(BigInt(a), BigInt(Math.min(to, a + span - 1)))));
  return out;
}
