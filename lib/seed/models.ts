/**
 * Demo models through the Model Factory's real path: the build API, the background job, then
 * registration on-chain by the builder. Idempotent: a model whose metadata is already registered is skipped.
 */
import { createWalletClient, http, parseUnits, type PublicClient } from "viem";
import { modelRegistryAbi } from "@/contracts-abi";
import { devAccount } from "@/lib/chain/anvil";
import { chainFor } from "@/lib/chain/config";
import type { Deployment } from "@/lib/chain/deploy";
import { signInAs } from "@/lib/auth/client";
import { registerModel, type Registration } from "@/lib/factory/register";
import type { BuildRequestInput } from "@/lib/factory/spec";
import type { Lexfile } from "./wordnet";

/** The demo builder (also the Datanets' curator). */
export const DEMO_BUILDER = 1;

interface DemoModel {
  request: (ids: Partial<Record<Lexfile, bigint>>) => BuildRequestInput | null;
  price: string;
  builderBps: number;
}

const v1 = (id: bigint | undefined) => (id ? [{ id: Number(id), version: 1 }] : []);

export const DEMO_MODELS: DemoModel[] = [
  {
    price: "0.02",
    builderBps: 2000,
    request: (ids) => ({
      kind: "infinigram",
      name: "Glossary ∞-gram",
      description:
        "An ∞-gram language model over three glossary Datanets (animals, food, plants): every next token comes from the longest matching context in the corpus, so each answer is attributed exactly to the contributions it was copied from.\n\nIt continues text in the corpus's own form, `word: definition`: start with a word and a colon (\"zebra:\", \"honey:\") and it recites the definition, then wanders on to neighbouring entries. A sentence it has never seen (\"The tiger is\") only matches on its last word or two, so the continuation drifts. For questions, use the Glossary RAG model.",
      datanets: [...v1(ids.animal), ...v1(ids.food), ...v1(ids.plant)],
      examples: ["zebra:", "honey:", "tiger, Panthera tigris:"],
      parameters: { maxSupport: 1000, maxTokens: 48, temperature: 0.7, topK: 20, plainText: true },
    }),
  },
  {
    price: "0.01",
    builderBps: 1500,
    request: (ids) => ({
      kind: "infinigram",
      name: "Animal Facts ∞-gram",
      description: "A small ∞-gram model over the Animal Kingdom Glossary alone. It shares its index with the Glossary ∞-gram when served.",
      datanets: v1(ids.animal),
      examples: ["zebra:", "tiger, Panthera tigris:", "wolf:"],
      parameters: { maxSupport: 500, maxTokens: 32, temperature: 0.5, topK: 10, plainText: true },
    }),
  },
  {
    price: "0.005",
    builderBps: 2500,
    request: (ids) =>
      ids.feeling
        ? {
            kind: "knn",
            name: "What-Is-It Classifier",
            description:
              "A kNN classifier over labelled definitions: give it a description and it answers animal, food, plant, feeling or artifact. Each answer is attributed to training records by exact kNN-Shapley values.\n\n**What it is good for:** dictionary-style definitions (\"a tall tree with needles\", \"large feline of forests … with black stripes\"), which is what it is trained and evaluated on (held-out WordNet glosses). **What it is not good for:** bare names and short questions (\"a tiger\", \"What is a tiger?\"). It knows only the words of its 240 training definitions, and \"tiger\" is not one of them, so such a prompt is matched on \"a\", \"what\" and \"is\" alone and the label is close to arbitrary. The held-out accuracy does not apply to those prompts. To ask about a named thing, use the Glossary RAG model.",
            examples: ["a tall tree with needles", "large feline of forests in most of Asia having a tawny coat with black stripes", "a sweet dessert made with sugar and cream"],
            datanets: v1(ids.feeling),
            parameters: { k: 5, dims: 2 ** 18 },
          }
        : null,
  },
  {
    price: "0.01",
    builderBps: 2000,
    request: (ids) => ({
      kind: "rag",
      name: "Glossary RAG",
      description:
        "Ask a question (\"What is a tiger?\"): BM25 finds the best records of three glossary Datanets (animals, food, plants), and the answer quotes them as plain text. Each answer pays the contributions whose records were retrieved, in proportion to their retrieval scores (α = 1 for quoted answers), and anyone can recompute the record.",
      datanets: [...v1(ids.animal), ...v1(ids.food), ...v1(ids.plant)],
      examples: ["What is a tiger?", "What is honey?", "Tell me about the oak"],
      parameters: { k: 4, quotes: 2 },
    }),
  },
];

interface BuildView {
  id: string;
  name: string;
  status: string;
  phase: string;
  progress: number;
  error: string | null;
  registration: Registration | null;
  evaluation: Record<string, unknown> | null;
}

async function api<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...(init?.headers ?? {}) } });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url} → ${res.status}: ${body.error}`);
  return body;
}

export async function seedModels(opts: {
  baseUrl: string;
  rpcUrl: string;
  deployment: Deployment;
  publicClient: PublicClient;
  datanetIds: Partial<Record<Lexfile, bigint>>;
  log?: (msg: string) => void;
}): Promise<{ built: number; registered: number; models: { id: number; kind: string }[] }> {
  const { deployment: d, publicClient } = opts;
  const log = opts.log ?? (() => {});
  const builder = devAccount(DEMO_BUILDER);
  const wallet = createWalletClient({ account: builder, chain: chainFor({ chainId: d.chainId, publicRpcUrl: opts.rpcUrl }), transport: http(opts.rpcUrl) });

  // What is registered already (by metadata hash), and what this builder built before.
  const registry = { address: d.modelRegistry, abi: modelRegistryAbi } as const;
  const count = await publicClient.readContract({ ...registry, functionName: "modelCount" });
  const registered = new Set<string>();
  for (let id = 1n; id <= count; id++) {
    registered.add((await publicClient.readContract({ ...registry, functionName: "getModel", args: [id] })).metadataHash.toLowerCase());
  }
  const previous = (await api<{ items: BuildView[] }>(`${opts.baseUrl}/api/factory/builds?builder=${builder.address}&limit=100`)).items;

  let built = 0;
  let registeredNow = 0;
  let session: string | undefined;
  const models: { id: number; kind: string }[] = [];
  const idByMetadata = new Map<string, number>();
  for (let id = 1n; id <= count; id++) {
    idByMetadata.set((await publicClient.readContract({ ...registry, functionName: "getModel", args: [id] })).metadataHash.toLowerCase(), Number(id));
  }
  for (const spec of DEMO_MODELS) {
    const request = spec.request(opts.datanetIds);
    if (!request || request.datanets.length === 0) continue;
    let build = previous.find((b) => b.name === request.name && b.status === "succeeded");
    if (build?.registration && registered.has(build.registration.metadataHash)) {
      models.push({ id: idByMetadata.get(build.registration.metadataHash)!, kind: request.kind });
      continue;
    }
    if (!build) {
      // Builds are queued under a signed-in account, as in the wizard.
      session ??= await signInAs(opts.baseUrl, builder, d.chainId);
      build = await api<BuildView>(`${opts.baseUrl}/api/factory/builds`, { method: "POST", headers: { cookie: session }, body: JSON.stringify(request) });
      log(`seed: building model "${request.name}" (${request.kind})`);
      while (build.status === "queued" || build.status === "running") {
        await new Promise((r) => setTimeout(r, 200));
        build = await api<BuildView>(`${opts.baseUrl}/api/factory/builds/${build.id}`);
      }
      if (build.status !== "succeeded") throw new Error(`model build "${request.name}" failed: ${build.error}`);
      built++;
    }
    const registration = build.registration!;
    if (registered.has(registration.metadataHash)) {
      models.push({ id: idByMetadata.get(registration.metadataHash)!, kind: request.kind });
      continue;
    }
    const { modelId } = await registerModel({
      wallet,
      publicClient,
      deployment: d,
      registration,
      price: parseUnits(spec.price, 18),
      builderBps: spec.builderBps,
    });
    registered.add(registration.metadataHash);
    models.push({ id: Number(modelId), kind: request.kind });
    registeredNow++;
    log(`seed: registered model #${modelId} "${request.name}" (evaluation ${JSON.stringify(build.evaluation)})`);
  }
  return { built, registered: registeredNow, models };
}
