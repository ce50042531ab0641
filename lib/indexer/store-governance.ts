/**
 * The range store's part for staked operators and governance (RangeStore's pattern: rows the range touches
 * are loaded in one query per table, handlers change them in memory, flush() upserts the dirty ones and
 * appends the history rows).
 */
import { desc, inArray } from "drizzle-orm";
import { bulkInsert } from "@/db/bulk";
import * as t from "@/db/schema";
import type { Tx, Writes } from "./store";

type OperatorRow = typeof t.operators.$inferSelect;
type ProposalRow = typeof t.proposals.$inferSelect;
type VoteAccountRow = typeof t.voteAccounts.$inferSelect;

export interface GovernancePreload {
  /** Operators staking, unstaking, withdrawing, slashed or settling in the range. */
  operators: Set<string>;
  /** Proposals voted on, queued, executed or canceled in the range. */
  proposalIds: Set<string>;
  /** vOPEN holders and delegates whose balance, delegate or votes change. */
  voteAccounts: Set<string>;
  /** The range wraps or unwraps OPEN: the vOPEN supply before it is needed. */
  voteSupply: boolean;
}

export const emptyGovernancePreload = (): GovernancePreload => ({
  operators: new Set(),
  proposalIds: new Set(),
  voteAccounts: new Set(),
  voteSupply: false,
});

const CHUNK = 10_000;

export class GovernanceStore {
  readonly operators = new Map<string, OperatorRow>();
  readonly proposals = new Map<string, ProposalRow>();
  readonly voteAccounts = new Map<string, VoteAccountRow>();
  /** vOPEN total supply after the last mint/burn applied so far (null until loaded or first changed). */
  totalSupply: bigint | null = null;
  private readonly dirty = { operators: new Set<string>(), proposals: new Set<string>(), voteAccounts: new Set<string>() };

  readonly operatorEvents: (typeof t.operatorEvents.$inferInsert)[] = [];
  readonly feeSchedules: (typeof t.feeSchedules.$inferInsert)[] = [];
  readonly marketParams: (typeof t.marketParams.$inferInsert)[] = [];
  readonly governorSettings: (typeof t.governorSettings.$inferInsert)[] = [];
  readonly voteSupply: (typeof t.voteSupply.$inferInsert)[] = [];
  readonly votes: (typeof t.proposalVotes.$inferInsert)[] = [];

  constructor(private readonly tx: Tx) {}

  async preload(p: GovernancePreload): Promise<void> {
    const tx = this.tx;
    const inChunks = async <R>(keys: Set<string>, load: (chunk: string[]) => Promise<R[]>): Promise<R[]> => {
      const all = [...keys];
      const out: R[] = [];
      for (let i = 0; i < all.length; i += CHUNK) out.push(...(await load(all.slice(i, i + CHUNK))));
      return out;
    };
    const [ops, props, accounts, supply] = await Promise.all([
      inChunks(p.operators, (c) => tx.select().from(t.operators).where(inArray(t.operators.address, c))),
      inChunks(p.proposalIds, (c) => tx.select().from(t.proposals).where(inArray(t.proposals.id, c))),
      inChunks(p.voteAccounts, (c) => tx.select().from(t.voteAccounts).where(inArray(t.voteAccounts.account, c))),
      p.voteSupply
        ? tx.select({ totalSupply: t.voteSupply.totalSupply }).from(t.voteSupply).orderBy(desc(t.voteSupply.block), desc(t.voteSupply.logIndex)).limit(1)
        : [],
    ]);
    for (const r of ops) this.operators.set(r.address, r);
    for (const r of props) this.proposals.set(r.id, r);
    for (const r of accounts) this.voteAccounts.set(r.account, r);
    if (p.voteSupply) this.totalSupply = supply[0]?.totalSupply ?? 0n;
  }

  putOperator(row: OperatorRow) {
    this.operators.set(row.address, row);
    this.dirty.operators.add(row.address);
  }
  putProposal(row: ProposalRow) {
    this.proposals.set(row.id, row);
    this.dirty.proposals.add(row.id);
  }
  putVoteAccount(row: VoteAccountRow) {
    this.voteAccounts.set(row.account, row);
    this.dirty.voteAccounts.add(row.account);
  }

  /** Sends this part's statements with the range store's (their order does not matter). */
  async flush(writes: Writes, tx: Tx = this.tx): Promise<void> {
    const pick = <K, V>(m: Map<K, V>, keys: Set<K>) => [...keys].map((k) => m.get(k)!);
    await writes.send(bulkInsert(tx, t.operators, pick(this.operators, this.dirty.operators), { conflict: [t.operators.address], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.proposals, pick(this.proposals, this.dirty.proposals), { conflict: [t.proposals.id], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.voteAccounts, pick(this.voteAccounts, this.dirty.voteAccounts), { conflict: [t.voteAccounts.account], onConflict: "overwrite" }));
    await writes.send(bulkInsert(tx, t.operatorEvents, this.operatorEvents));
    await writes.send(bulkInsert(tx, t.feeSchedules, this.feeSchedules));
    await writes.send(bulkInsert(tx, t.marketParams, this.marketParams));
    await writes.send(bulkInsert(tx, t.governorSettings, this.governorSettings));
    await writes.send(bulkInsert(tx, t.voteSupply, this.voteSupply));
    await writes.send(bulkInsert(tx, t.proposalVotes, this.votes));
  }
}
