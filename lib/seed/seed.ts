/**
 * Demo data through the real paths: content goes through the web app's upload route (and its attestation
 * route when the registry has an attester), everything else is a transaction from an anvil dev account.
 * Idempotent: what already exists on-chain is skipped.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  http,
  maxUint256,
  parseUnits,
  type Address,
  type Hex,
  zeroAddress,
  type PublicClient,
} from "viem";
import { datanetRegistryAbi, openTokenAbi } from "@/contracts-abi";
import { signInAs } from "@/lib/auth/client";
import { devAccount } from "@/lib/chain/anvil";
import { chainFor } from "@/lib/chain/config";
import type { Deployment } from "@/lib/chain/deploy";
import { versionRoot } from "@/lib/chain/merkle";
import { fetchAttestation } from "@/lib/content/client";
import { canonicalJson, contentUri, type DatanetMetadata } from "@/lib/metadata";
import { familiarFirst, glossJsonl, glossMarkdown, nounGlosses, type Gloss, type Lexfile } from "./wordnet";

export interface SeedOptions {
  baseUrl: string;
  rpcUrl: string;
  deployment: Deployment;
  publicClient: PublicClient;
  log?: (msg: string) => void;
}

/** Anvil account roles in the demo. 0 deploys and operates the market. */
export const DEMO_ACCOUNTS = { operator: 0, curator: 1, contributors: [2, 3, 4, 5, 6], users: [7, 8, 9] } as const;

interface DemoDatanet {
  lexfile: Lexfile;
  /** A labelled Datanet mixes these lexfiles, each record labelled with its own. */
  labels?: Lexfile[];
  curated: boolean;
  bond: string;
  meta: DatanetMetadata;
  format: "markdown" | "jsonl";
}

export const DEMO_DATANETS: DemoDatanet[] = [
  {
    lexfile: "animal",
    curated: true,
    bond: "10",
    format: "markdown",
    meta: {
      name: "Animal Kingdom Glossary",
      summary: "Plain-English definitions of animals, from aardvarks to zooplankton, curated for accuracy.",
      description:
        "Definitions of animal species, groups and anatomy drawn from WordNet 3.1 (noun.animal).\n\nEach record is one concept: its names and a one-sentence gloss. Contributions are reviewed by the curator; off-topic or duplicated text is rejected and its bond slashed.",
      tags: ["biology", "animals", "glossary"],
      license: "WordNet-3.0",
    },
  },
  {
    lexfile: "food",
    curated: true,
    bond: "5",
    format: "markdown",
    meta: {
      name: "Food & Cooking Definitions",
      summary: "Dishes, ingredients and drinks explained in a sentence each.",
      description:
        "A culinary glossary from WordNet 3.1 (noun.food): ingredients, dishes, beverages and preparations.\n\nGood for question answering about food and for grounding recipe assistants.",
      tags: ["food", "cooking", "glossary"],
      license: "WordNet-3.0",
    },
  },
  {
    lexfile: "plant",
    curated: false,
    bond: "1",
    format: "markdown",
    meta: {
      name: "Plant Life",
      summary: "An open Datanet of plant names and botanical definitions: every contribution is accepted at once.",
      description: "Trees, flowers, fungi-adjacent plants and their parts, from WordNet 3.1 (noun.plant). Open for anyone to contribute.",
      tags: ["biology", "botany", "glossary"],
      license: "WordNet-3.0",
    },
  },
  {
    lexfile: "feeling",
    labels: ["animal", "food", "plant", "feeling", "artifact"],
    curated: true,
    bond: "5",
    format: "jsonl",
    meta: {
      name: "What Is It? Labelled Nouns",
      summary: "Definitions labelled with their category (animal, food, plant, feeling, artifact), for classifiers.",
      description:
        "JSONL records `{text, label}` from WordNet 3.1: each record is a noun's definition and its lexicographer category.\n\nReady for a kNN classifier in the Model Factory: given a definition, which kind of thing is it?",
      tags: ["classification", "labelled", "glossary"],
      license: "WordNet-3.0",
    },
  },
];

const RECORDS_PER_CONTRIBUTION = 40;
const CONTRIBUTIONS_PER_DATANET = 6;

const account = devAccount;

function revertName(err: unknown): string | undefined {
  if (err instanceof BaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName;
  }
  return undefined;
}

/** Uploads need a signed-in session: `cookie` comes from signInAs (lib/auth/client.ts). */
async function upload(baseUrl: string, cookie: string, body: string, filename: string): Promise<{ hash: Hex; bytes: number; records: number }> {
  const res = await fetch(`${baseUrl}/api/content?filename=${encodeURIComponent(filename)}`, { method: "POST", body, headers: { cookie } });
  const json = (await res.json()) as { hash: Hex; bytes: number; records: number; error?: string };
  if (!res.ok) throw new Error(`upload of ${filename} failed (${res.status}): ${json.error}`);
  return json;
}

/** Attestations name a Datanet the web app has indexed: wait for a new one to appear there. */
async function waitForIndexedDatanet(baseUrl: string, datanetId: bigint): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/datanets/${datanetId}`, { cache: "no-store" });
    if (res.ok) return;
    if (res.status !== 404 || Date.now() > deadline) throw new Error(`Datanet #${datanetId} is not indexed by ${baseUrl} (HTTP ${res.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Round-robin over the lexfiles, past the glosses the single-topic Datanets use, so no text repeats. */
function labelledPool(glosses: Gloss[], labels: Lexfile[]): Gloss[] {
  const OFFSET = 400;
  const by = labels.map((l) => glosses.filter((g) => g.lexfile === l).slice(OFFSET));
  const out: Gloss[] = [];
  for (let i = 0; by.some((b) => i < b.length) && out.length < RECORDS_PER_CONTRIBUTION * CONTRIBUTIONS_PER_DATANET; i++) {
    for (const b of by) if (i < b.length) out.push(b[i]);
  }
  return out;
}

export interface SeedResult {
  datanets: number;
  contributions: number;
  transactions: number;
  /** Datanet id by lexfile (the demo's key for each Datanet). */
  datanetIds: Partial<Record<Lexfile, bigint>>;
}

export async function seedDemo(opts: SeedOptions): Promise<SeedResult> {
  const { deployment: d, publicClient } = opts;
  const log = opts.log ?? (() => {});
  const chain = chainFor({ chainId: d.chainId, publicRpcUrl: opts.rpcUrl });
  const wallet = (i: number) => createWalletClient({ account: account(i), chain, transport: http(opts.rpcUrl) });
  let transactions = 0;
  const send = async (hash: Hex) => {
    transactions++;
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  const registry = { address: d.datanetRegistry, abi: datanetRegistryAbi } as const;
  const token = { address: d.token, abi: openTokenAbi } as const;

  // Fund and approve every demo account once (OPEN from the local faucet).
  for (const i of [DEMO_ACCOUNTS.curator, ...DEMO_ACCOUNTS.contributors, ...DEMO_ACCOUNTS.users]) {
    const who = account(i).address;
    const balance = await publicClient.readContract({ ...token, functionName: "balanceOf", args: [who] });
    if (balance < parseUnits("1000", 18)) {
      await send(await wallet(i).writeContract({ ...token, functionName: "faucet", args: [who, parseUnits("10000", 18)] }));
    }
    const allowance = await publicClient.readContract({ ...token, functionName: "allowance", args: [who, d.datanetRegistry] });
    if (allowance < parseUnits("1000000", 18)) {
      await send(await wallet(i).writeContract({ ...token, functionName: "approve", args: [d.datanetRegistry, maxUint256] }));
    }
  }

  const glosses = nounGlosses();
  const curator = wallet(DEMO_ACCOUNTS.curator);
  // Each uploader signs in once (Sign-In with Ethereum), as a person in the browser would.
  const sessions = new Map<number, Promise<string>>();
  const sessionOf = (i: number) => sessions.get(i) ?? (sessions.set(i, signInAs(opts.baseUrl, account(i), d.chainId)), sessions.get(i)!);
  let contributionsMade = 0;
  const datanetIds: SeedResult["datanetIds"] = {};
  // With an attester, each contribution needs the server's attestation that its contributor uploaded it first.
  const attested = (await publicClient.readContract({ ...registry, functionName: "attester" })) !== zeroAddress;

  for (const [n, spec] of DEMO_DATANETS.entries()) {
    const meta = await upload(opts.baseUrl, await sessionOf(DEMO_ACCOUNTS.curator), canonicalJson(spec.meta), "datanet.json");
    // Find the Datanet by its metadata hash, or create it.
    const count = await publicClient.readContract({ ...registry, functionName: "datanetCount" });
    let datanetId = 0n;
    for (let id = 1n; id <= count; id++) {
      const existing = await publicClient.readContract({ ...registry, functionName: "getDatanet", args: [id] });
      if (existing.metadataHash === meta.hash) datanetId = id;
    }
    if (datanetId === 0n) {
      const { result, request } = await publicClient.simulateContract({
        ...registry,
        account: curator.account,
        functionName: "createDatanet",
        args: [meta.hash, contentUri(meta.hash), parseUnits(spec.bond, 18), spec.curated, "0x0000000000000000000000000000000000000000"],
      });
      await send(await curator.writeContract(request));
      datanetId = result;
      log(`seed: created Datanet #${datanetId} "${spec.meta.name}"`);
    }
    datanetIds[spec.lexfile] = datanetId;
    if (attested) await waitForIndexedDatanet(opts.baseUrl, datanetId);

    // Contributions: consecutive slices of this lexfile's glosses, from rotating contributors.
    const pool = spec.labels ? labelledPool(glosses, spec.labels) : familiarFirst(glosses.filter((g) => g.lexfile === spec.lexfile));
    const accepted: { id: bigint; contentHash: Hex }[] = [];
    for (let c = 0; c < CONTRIBUTIONS_PER_DATANET; c++) {
      const contributor = DEMO_ACCOUNTS.contributors[(c + n) % DEMO_ACCOUNTS.contributors.length];
      const slice: Gloss[] = pool.slice(c * RECORDS_PER_CONTRIBUTION, (c + 1) * RECORDS_PER_CONTRIBUTION);
      // One contribution per curated Datanet is off-topic (from another lexfile): the curator rejects it.
      const offTopic = spec.curated && c === CONTRIBUTIONS_PER_DATANET - 1;
      const records = offTopic ? glosses.filter((g) => g.lexfile === "artifact").slice(n * 10, n * 10 + 10) : slice;
      const text = spec.format === "jsonl" ? glossJsonl(records) : glossMarkdown(records);
      const file = `${spec.lexfile}-${c + 1}.${spec.format === "jsonl" ? "jsonl" : "md"}`;
      const content = await upload(opts.baseUrl, await sessionOf(contributor), text, file);
      let contributionId = await publicClient.readContract({ ...registry, functionName: "contributionIdByHash", args: [datanetId, content.hash] });
      if (contributionId === 0n) {
        try {
          let attestation = { deadline: 0n, signature: "0x" as Hex };
          if (attested) attestation = await fetchAttestation(opts.baseUrl, await sessionOf(contributor), content.hash, datanetId);
          // The bond as it is now is the most the contribution may take (a raise in between reverts it).
          const { bond } = await publicClient.readContract({ ...registry, functionName: "getDatanet", args: [datanetId] });
          const { result, request } = await publicClient.simulateContract({
            ...registry,
            account: account(contributor),
            functionName: "contribute",
            args: [datanetId, content.hash, BigInt(content.bytes), content.records, bond, attestation.deadline, attestation.signature],
          });
          await send(await wallet(contributor).writeContract(request));
          contributionId = result;
          contributionsMade++;
        } catch (err) {
          if (revertName(err) !== "DuplicateContribution") throw err;
        }
      }
      const state = await publicClient.readContract({ ...registry, functionName: "getContribution", args: [contributionId] });
      if (state.status === 0) {
        await send(await curator.writeContract({ ...registry, functionName: "review", args: [contributionId, !offTopic] }));
      }
      if (!offTopic) accepted.push({ id: contributionId, contentHash: content.hash });
    }

    const versions = await publicClient.readContract({ ...registry, functionName: "versionCount", args: [datanetId] });
    if (versions === 0) {
      await send(
        await curator.writeContract({
          ...registry,
          functionName: "publishVersion",
          args: [datanetId, versionRoot(accepted), accepted.length],
        }),
      );
      log(`seed: published version 1 of Datanet #${datanetId} with ${accepted.length} contributions`);
    }
  }
  return { datanets: DEMO_DATANETS.length, contributions: contributionsMade, transactions, datanetIds };
}

export const demoAccount = account;
export type { Address };
