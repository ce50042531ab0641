/**
 * Content attestations: the server vouches, with a key DatanetRegistry trusts (`attester`), that an account
 * uploaded a content hash first, so only that account can register it (issue 13, content squatting). The
 * signature names the Datanet, the hash, the uploader and a deadline; the registry checks all four.
 */
import { eq } from "drizzle-orm";
import { getBlock } from "viem/actions";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import type { Address, Hex, LocalAccount, PublicClient } from "viem";
import type { Db } from "@/db/client";
import { datanets } from "@/db/schema";
import { ANVIL_CHAIN_ID, ANVIL_MNEMONIC } from "@/lib/chain/anvil";
import { publicClientFor } from "@/lib/chain/clients";
import { getChainConfig, type ChainConfig } from "@/lib/chain/config";
import { serverConfig } from "@/lib/config";
import { AppError, notFound } from "@/lib/errors";
import { contentAttestationTypedData } from "./attestation-typed-data";
import { assertNotDuplicate } from "./originality";
import { firstUploader } from "./store";

export { attestationSigner, contentAttestationTypedData, type ContentAttestationMessage } from "./attestation-typed-data";

/**
 * The account that signs attestations: ATTESTER_KEY, else on the local chain the operator's key (as
 * lib/chain/operator.ts picks it). Elsewhere the attester must be configured: it is a trusted key of its own.
 * Deploy with `attester: attesterAccount(chainId).address` so the registry trusts it.
 */
export function attesterAccount(chainId: number = serverConfig().chainId): LocalAccount {
  const { attesterKey, operatorPrivateKey } = serverConfig();
  if (attesterKey) return privateKeyToAccount(attesterKey);
  if (chainId === ANVIL_CHAIN_ID) return operatorPrivateKey ? privateKeyToAccount(operatorPrivateKey) : mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
  throw new AppError("service_unavailable", "Content attestations are unavailable: the server's operator must set ATTESTER_KEY (the key DatanetRegistry trusts as its attester).");
}

export interface ContentAttestation {
  datanetId: number;
  contentHash: Hex;
  uploader: Address;
  /** Unix seconds (chain time). */
  deadline: bigint;
  signature: Hex;
  /** Who signed: DatanetRegistry accepts it only if this is its `attester()`. */
  attester: Address;
}

/** Signs the attestation for `message` on the chain and registry of `domain`. */
export async function signContentAttestation(
  domain: { chainId: number; registry: Address },
  message: Omit<ContentAttestation, "signature" | "attester">,
  account: LocalAccount = attesterAccount(domain.chainId),
): Promise<ContentAttestation> {
  const signature = await account.signTypedData(
    contentAttestationTypedData(domain, { ...message, datanetId: BigInt(message.datanetId) }),
  );
  return { ...message, signature, attester: account.address };
}

const clients = new Map<string, PublicClient>();

/**
 * The deadline: TTL seconds past the later of this machine's clock and the chain's latest block, so a
 * chain whose clock was moved (tests, a local chain started in the past) or has been idle still gets a
 * usable window.
 */
async function deadlineOn(cfg: ChainConfig): Promise<bigint> {
  const key = `${cfg.chainId}@${cfg.rpcUrl}`;
  let client = clients.get(key);
  if (!client) clients.set(key, (client = publicClientFor(cfg)));
  let latest: bigint;
  try {
    latest = (await getBlock(client, { blockTag: "latest" })).timestamp;
  } catch (err) {
    throw new AppError("service_unavailable", `Content attestations are unavailable: the chain did not answer (${(err as Error).message.split("\n")[0]}). Try again shortly.`);
  }
  const now = BigInt(Math.floor(Date.now() / 1000));
  return (latest > now ? latest : now) + BigInt(serverConfig().attestationTtlSeconds);
}

/**
 * The attestation for `account` to register `contentHash` in Datanet `datanetId`: only for the account that
 * uploaded the content first (409 content_claimed otherwise), for a Datanet the index knows (404), and never
 * for an exact duplicate of a contribution of an open Datanet (409 duplicate_content, checked before anything
 * is written: an open Datanet accepts at once, so this is the last point where a copy can be stopped).
 */
export async function attestContent(db: Db, input: { contentHash: Hex; datanetId: number; account: Address }): Promise<ContentAttestation> {
  const [datanet] = await db.select({ id: datanets.id }).from(datanets).where(eq(datanets.id, input.datanetId)).limit(1);
  if (!datanet) throw notFound(`Datanet #${input.datanetId}`);
  await assertNotDuplicate(db, input.datanetId, input.contentHash);
  const uploader = await firstUploader(db, input.contentHash, input.account);
  if (uploader === null) throw new AppError("not_found", `Content ${input.contentHash} was not found: upload it first (POST /api/content).`);
  if (uploader !== input.account.toLowerCase()) {
    throw new AppError(
      "content_claimed",
      "This content was uploaded first by another account: only that account can register it. Nothing was signed; contribute content of your own.",
    );
  }
  let cfg: ChainConfig;
  try {
    cfg = getChainConfig();
  } catch (err) {
    throw new AppError("service_unavailable", `Content attestations are unavailable: ${(err as Error).message}`);
  }
  const deadline = await deadlineOn(cfg);
  return signContentAttestation(
    { chainId: cfg.chainId, registry: cfg.deployment.datanetRegistry },
    { datanetId: input.datanetId, contentHash: input.contentHash.toLowerCase() as Hex, uploader: input.account, deadline },
  );
}
