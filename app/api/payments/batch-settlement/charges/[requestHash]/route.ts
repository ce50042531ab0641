import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { inferenceResults } from "@/db/schema";
import { batchCharge } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { chargeOf } from "@/lib/payments/batch-settlement/charges";

/** A batch-settled inference by its request hash: its charge, pending settlement or booked, and its answer. */
export const GET = route(batchCharge, async ({ params }) => {
  const db = await getDb();
  const charge = await chargeOf(db, params.requestHash);
  if (!charge) throw notFound(`Batch-settled inference ${params.requestHash}`);
  const [result] = await db.select({ output: inferenceResults.output }).from(inferenceResults).where(eq(inferenceResults.requestHash, charge.requestHash));
  return {
    requestHash: charge.requestHash,
    channelId: charge.channelId,
    payer: charge.payer,
    modelId: charge.modelId,
    charged: charge.charged.toString(),
    settlement: charge.status,
    bookedTx: charge.bookedTx,
    outputHash: charge.outputHash,
    attributionHash: charge.attributionHash,
    output: result.output,
    createdAt: charge.createdAt.toISOString(),
  };
});
