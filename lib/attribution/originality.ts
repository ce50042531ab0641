/**
 * Originality: registration order decides. A later contribution that repeats a verbatim run of at least
 * ORIGINAL_SPAN_TOKENS tokens of an earlier one earns nothing for that run; the earlier one keeps the credit.
 */

/** L: the shortest verbatim run (in tokens) that counts as a copy, at review time and in attribution. */
export const ORIGINAL_SPAN_TOKENS = 32;
