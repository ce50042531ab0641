import { asc, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { models } from "@/db/schema";
import { openaiModels } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";

export const GET = route(openaiModels, async () => {
  const db = await getDb();
  const rows = await db.select().from(models).where(eq(models.active, true)).orderBy(asc(models.id));
  return {
    object: "list" as const,
    data: rows.map((m) => ({
      id: `model-${m.id}`,
      object: "model" as const,
      created: Math.floor(m.createdAt.getTime() / 1000),
      owned_by: m.builder,
      name: m.name,
      kind: m.kind,
      price: m.price.toString(),
    })),
  };
});
