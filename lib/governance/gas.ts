/**
 * Gas with headroom for governance calls: vOPEN checkpoints are keyed by the second, so a call estimated in the
 * same second as the account's last checkpoint updates it in place, while the mined block, a second later, writes
 * a new one (about 20k gas more); a bare estimate then runs out of gas. Browser-safe.
 */
export function withGasHeadroom(estimate: bigint): bigint {
  return estimate + estimate / 4n + 30_000n;
}
