import { and, eq, isNotNull } from "drizzle-orm";
import { getDb } from "@/db/client";
import { inferenceResults, inferences } from "@/db/schema";
import { batchCharge } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { chargeOf } from "@/lib/payments/batch-settlement/charges";

/** A batch-settled inference by its request hash: its charge, pending settlement or booked, and its answer. */
export const GET = route(batchCharge, async ({ params }) => {
  const db = await getDb();
  const charge = await chargeOf(db, params.requestHash);
  if (!charge) throw notFound(`Batch-settled inference ${params.requestHash}`);
  const [[result], [indexed]] = await Promise.all([
    db.select({ output: inferenceResults.output }).from(inferenceResults).where(eq(inferenceResults.requestHash, charge.requestHash)),
    charge.bookedTx
      ? db.select({ id: inferences.requestId }).from(inferences).where(and(eq(inferences.requestHash, charge.requestHash), eq(inferences.settledTx, charge.bookedTx), isNotNull(inferences.bookingBatch))).limit(1)
      : [],
  ]);
  return {
    requestHash: charge.requestHash,
    channelId: charge.channelId,
    payer: charge.payer,
    modelId: charge.modelId,
    charged: charge.charged.toString(),
    settlement: charge.status,
    bookedTx: charge.bookedTx,
    bookedRequestId: indexed?.id ?? null,
    outputHash: charge.outputHash,
    attributionHash: charge.attributionHash,
    output: result.output,
    createdAt: charge.createdAt.toISOString(),
  };
});
