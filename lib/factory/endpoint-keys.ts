/**
 * Builders' API keys for their external models' endpoints: given once with the build request, stored
 * encrypted (AES-256-GCM, key derived from ENDPOINT_KEY_SECRET, the build id as associated data so a
 * ciphertext cannot be moved to another build), and sent only as the endpoint's Authorization header.
 * A key is used only for a model registered on-chain by the same account that started the build: the
 * build's registration arguments are public, and anyone may register them.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { endpointKeys, modelBuilds, models } from "@/db/schema";
import { serverConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";

const VERSION = "v1";

function keyOf(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "ledgerline", "endpoint-keys v1", 32));
}

export function encryptEndpointKey(secret: string, buildId: string, apiKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret), iv);
  cipher.setAAD(Buffer.from(buildId));
  const ct = Buffer.concat([cipher.update(apiKey, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64"), cipher.getAuthTag().toString("base64"), ct.toString("base64")].join(":");
}

/** The key, or an error when the ciphertext was altered, moved to another build or the secret changed. */
export function decryptEndpointKey(secret: string, buildId: string, stored: string): string {
  const [version, iv, tag, ct] = stored.split(":");
  if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error("unreadable endpoint key");
  const decipher = createDecipheriv("aes-256-gcm", keyOf(secret), Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(buildId));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64")), decipher.final()]).toString("utf8");
}

/** The configured secret, or the 422 a build with an API key gets when the operator set none. */
export function endpointKeySecret(): string {
  const secret = serverConfig().endpointKeySecret;
  if (!secret) throw new AppError("unprocessable", "This server cannot keep endpoint API keys: its operator has not set ENDPOINT_KEY_SECRET. Nothing was stored.");
  return secret;
}

export async function storeEndpointKey(db: Pick<Db, "insert">, buildId: string, apiKey: string, secret = endpointKeySecret()): Promise<void> {
  await db.insert(endpointKeys).values({ buildId, ciphertext: encryptEndpointKey(secret, buildId, apiKey) });
}

/** The API key for a registered model's endpoint, when its registering account stored one with its build. */
export async function endpointKeyFor(db: Db, modelId: number): Promise<string | null> {
  const [row] = await db
    .select({ buildId: endpointKeys.buildId, ciphertext: endpointKeys.ciphertext })
    .from(models)
    .innerJoin(modelBuilds, and(eq(modelBuilds.metadataHash, models.metadataHash), eq(modelBuilds.builder, models.builder)))
    .innerJoin(endpointKeys, eq(endpointKeys.buildId, modelBuilds.id))
    .where(eq(models.id, modelId))
    .orderBy(desc(endpointKeys.createdAt))
    .limit(1);
  if (!row) return null;
  const secret = serverConfig().endpointKeySecret;
  if (!secret) throw new Error("an endpoint API key is stored but ENDPOINT_KEY_SECRET is not set");
  return decryptEndpointKey(secret, row.buildId, row.ciphertext);
}
