import { eq } from "drizzle-orm";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { getDb } from "@/db/client";
import { inferences } from "@/db/schema";
import { parseIdParam } from "@/lib/search-params";

/** Cheap primary-key lookup: real 404 status for unknown or malformed ids before loading.tsx starts streaming. */
async function inferenceExists(requestId: number): Promise<boolean> {
  const db = await getDb();
  const rows = await db.select({ id: inferences.requestId }).from(inferences).where(eq(inferences.requestId, requestId)).limit(1);
  return rows.length > 0;
}

export default async function InferenceLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  const id = parseIdParam((await params).id);
  if (id === null || !(await inferenceExists(id))) notFound();
  return children;
}
