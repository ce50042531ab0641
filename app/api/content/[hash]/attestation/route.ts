import type { Hex } from "viem";
import { getDb } from "@/db/client";
import { contentAttestation } from "@/lib/api/endpoints";
import { limit } from "@/lib/api/rate-limit";
import { route } from "@/lib/api/route";
import { requireSession } from "@/lib/auth/server";
import { attestContent } from "@/lib/content/attestation";

/**
 * The attester's signature binding this content to the signed-in account, for DatanetRegistry.contribute.
 * Only the content's first uploader gets one: copying someone's upload or their transaction gains nothing.
 */
export const POST = route(contentAttestation, async ({ request, params, body }) => {
  const db = await getDb();
  const session = await requireSession(db, request, "register your content");
  await limit("attestation", session.address);
  const attestation = await attestContent(db, { contentHash: params.hash as Hex, datanetId: body.datanetId, account: session.address });
  return { ...attestation, deadline: Number(attestation.deadline) };
});
