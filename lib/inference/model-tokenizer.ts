/**
 * The tokenizer a model's card names (issue 17), for counting tokens where its artifact is not at hand: a paid
 * request's prompt limit before anything is quoted, and recovery re-settling a stored answer. The card is written
 * from the build request that also built the artifact (r50k_base when it names none; kNN models count in
 * r50k_base), and a model's card never changes, so the name is kept per model after one primary-key read.
 */
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { models } from "@/db/schema";
import { loadedTokenizer, tokenizerFor, type Tokenizer } from "@/lib/attribution/tokenizer";
import { modelTokenizerName, type TokenizerName } from "@/lib/attribution/tokenizer-names";

// Per database: model ids are per deployment, and one process may hold several (tests, a replay beside the live one).
const byDatabase = new WeakMap<Db, Map<number, TokenizerName>>();

export async function cardTokenizer(db: Db, modelId: number): Promise<Tokenizer> {
  let byModel = byDatabase.get(db);
  if (!byModel) byDatabase.set(db, (byModel = new Map()));
  let name = byModel.get(modelId);
  if (name === undefined) {
    const [row] = await db.select({ kind: models.kind, parameters: models.parameters }).from(models).where(eq(models.id, modelId)).limit(1);
    // Not indexed (yet): GPT-2's, not remembered; serving refuses the model anyway until it is.
    if (!row) return tokenizerFor();
    name = modelTokenizerName(row.kind, row.parameters);
    byModel.set(modelId, name);
  }
  return loadedTokenizer(name);
}
