"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { BaseError } from "viem";
import { useAccount } from "wagmi";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { SignInButton, useSession, useSignIn } from "@/components/wallet/siwe";
import { cn } from "@/lib/utils";
import { DEFAULT_TOKENIZER, TOKENIZER_LABELS, TOKENIZER_NAMES, type TokenizerName } from "@/lib/attribution/tokenizer-names";
import { createBuild, fetchBuild, type Kind, type ModelBuild } from "./api";
import { DatanetPicker, type Picked } from "./datanet-picker";
import { EvaluationView } from "./evaluation";
import { PublishStep } from "./publish";
import { Field, inputClass, Step } from "./fields";

const KINDS: { kind: Kind; label: string; blurb: string }[] = [
  { kind: "infinigram", label: "∞-gram", blurb: "A suffix-array language model over the corpus; every token traces back to the records it came from." },
  { kind: "knn", label: "kNN", blurb: "A nearest-neighbour classifier over labelled records; answers cite their neighbours." },
  { kind: "external", label: "External", blurb: "An OpenAI-compatible endpoint answers; span tracing attributes its output to the Datanets." },
  { kind: "rag", label: "RAG", blurb: "Questions retrieve the best records (BM25); the answer quotes them, or an endpoint writes it from them. Retrieval and copied spans are paid." },
];

/** Schema defaults (lib/factory/spec.ts). */
const DEFAULTS = {
  infinigram: { maxSupport: 1_000, maxTokens: 64, temperature: 0.8, topK: 40 },
  knn: { k: 5, dims: 2 ** 18 },
  external: { minSpanTokens: 4, maxSupport: 1_000, maxTokens: 256 },
  rag: { k: 4, quotes: 2, alphaPpm: 500_000 },
};

const PHASE_LABEL: Record<string, string> = {
  queued: "Queued",
  loading: "Loading records",
  tokenizing: "Tokenizing",
  indexing: "Indexing",
  evaluating: "Evaluating",
  storing: "Storing",
  done: "Done",
};
const SHOWN_PHASES = ["tokenizing", "indexing", "evaluating", "storing", "done"] as const;

function NumberField({ id, label, value, onChange, min, max, step = 1, disabled, hint }: { id: string; label: string; value: number; onChange: (n: number) => void; min: number; max: number; step?: number; disabled?: boolean; hint?: string }) {
  return (
    <Field label={label} htmlFor={id} hint={hint ?? `${min}–${max}`}>
      <input id={id} type="number" min={min} max={max} step={step} value={value} disabled={disabled} onChange={(e) => onChange(Number(e.target.value))} className={inputClass} />
    </Field>
  );
}

const TERMINAL = new Set(["succeeded", "failed"]);

export function FactoryWizard() {
  const { status } = useAccount();
  const { openConnectModal } = useConnectModal();
  // Builds run on the server under a signed-in account (one signature, no gas).
  const session = useSession();
  const signIn = useSignIn();
  const [kind, setKind] = useState<Kind>("infinigram");
  const [baseUrl, setBaseUrl] = useState("");
  const [modelName, setModelName] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [picked, setPicked] = useState<Picked[]>([]);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [ig, setIg] = useState(DEFAULTS.infinigram);
  const [knn, setKnn] = useState(DEFAULTS.knn);
  const [ext, setExt] = useState(DEFAULTS.external);
  const [rag, setRag] = useState(DEFAULTS.rag);
  // The corpus's tokenizer (∞-gram, external, RAG); sent only when it is not the default, so the request stays as before.
  const [tokenizer, setTokenizer] = useState<TokenizerName>(DEFAULT_TOKENIZER);
  const [buildId, setBuildId] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const [registered, setRegistered] = useState(false);

  const build = useQuery({
    queryKey: ["factory-build", buildId],
    queryFn: () => fetchBuild(buildId!),
    enabled: buildId !== null,
    refetchInterval: (q) => {
      const b = q.state.data;
      if (!b || !TERMINAL.has(b.status)) return 500;
      // After the registration is mined, keep polling until the indexer links the model.
      return registered && b.status === "succeeded" && b.modelId === null ? 500 : false;
    },
  });
  const locked = buildId !== null && build.data?.status !== "failed";

  async function startBuild() {
    setStartError(null);
    if (name.trim().length < 3) return setStartError("A model name needs at least 3 characters.");
    if (picked.length === 0) return setStartError("Choose at least one Datanet version.");
    if (picked.some((p) => p.version < 1)) return setStartError("Wait for the Datanet versions to load.");
    if (kind === "external" && (!/^https?:\/\//.test(baseUrl) || !modelName.trim())) return setStartError("An external model needs an http(s) base URL and a model name.");
    // One object per kind, so the request type checks each kind's parameters.
    if (kind === "rag" && (baseUrl.trim() !== "" || modelName.trim() !== "") && (!/^https?:\/\//.test(baseUrl) || !modelName.trim())) {
      return setStartError("An endpoint needs an http(s) base URL and a model name (or leave both empty for quoted answers).");
    }
    const endpoint = baseUrl.trim() ? { baseUrl: baseUrl.trim(), model: modelName.trim(), ...(apiKey ? { apiKey } : {}) } : {};
    const tok = tokenizer === DEFAULT_TOKENIZER ? {} : { tokenizer };
    const kindAndParameters =
      kind === "infinigram"
        ? { kind, parameters: { ...ig, ...tok } }
        : kind === "knn"
          ? { kind, parameters: knn }
          : kind === "rag"
            ? { kind, parameters: { ...rag, ...endpoint, ...tok } }
            : { kind, parameters: { ...ext, baseUrl, model: modelName.trim(), ...(apiKey ? { apiKey } : {}), ...tok } };
    setStarting(true);
    try {
      const b = await createBuild({
        ...kindAndParameters,
        name: name.trim(),
        description,
        datanets: picked.map((p) => ({ id: p.id, version: p.version })),
      });
      setRegistered(false);
      setBuildId(b.id);
    } catch (err) {
      setStartError(err instanceof BaseError ? err.shortMessage : String((err as Error)?.message ?? err));
    } finally {
      setStarting(false);
    }
  }

  const b = build.data;
  return (
    <div className="space-y-5" data-testid="factory-wizard">
      <Step n={1} title="Kind" description="What kind of model to build." testId="step-kind">
        <div role="radiogroup" aria-label="Model kind" className="grid gap-3 sm:grid-cols-3">
          {KINDS.map((k) => (
            <button
              key={k.kind}
              type="button"
              role="radio"
              aria-checked={kind === k.kind}
              disabled={locked}
              onClick={() => setKind(k.kind)}
              className={cn(
                "rounded-md border px-4 py-3 text-left transition-colors disabled:cursor-not-allowed",
                kind === k.kind ? "border-primary bg-primary/5 ring-2 ring-primary/30" : "border-border hover:bg-muted/50",
              )}
            >
              <span className="block font-medium">{k.label}</span>
              <span className="mt-1 block text-xs text-muted-foreground">{k.blurb}</span>
            </button>
          ))}
        </div>
        {kind === "external" || kind === "rag" ? (
          <div className="mt-4 grid gap-4 sm:grid-cols-2">
            <Field label={kind === "rag" ? "Base URL (optional)" : "Base URL"} htmlFor="f-base-url" hint={kind === "rag" ? "An OpenAI-compatible API that writes answers from the retrieved records; empty: answers quote them." : "The OpenAI-compatible API, e.g. https://api.example.com/v1"}>
              <input id="f-base-url" type="url" value={baseUrl} disabled={locked} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://…/v1" className={inputClass} />
            </Field>
            <Field label="Model name" htmlFor="f-ext-model" hint="The model to call at that endpoint.">
              <input id="f-ext-model" value={modelName} disabled={locked} onChange={(e) => setModelName(e.target.value)} className={inputClass} />
            </Field>
            <Field label="API key (optional)" htmlFor="f-ext-key" hint="Sent as a Bearer token to your endpoint only; stored encrypted, never shown again or put in the model card.">
              <input id="f-ext-key" type="password" autoComplete="off" value={apiKey} disabled={locked} onChange={(e) => setApiKey(e.target.value)} className={inputClass} />
            </Field>
          </div>
        ) : null}
      </Step>

      <Step n={2} title="Datanets" description="Published Datanet versions to build from (at most 16)." testId="step-datanets">
        <DatanetPicker picked={picked} onChange={setPicked} disabled={locked} />
      </Step>

      <Step n={3} title="Parameters" description="Defaults come from the build schema." testId="step-parameters">
        <div className="space-y-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Name" htmlFor="f-name" hint="3–80 characters.">
              <input id="f-name" value={name} maxLength={80} disabled={locked} onChange={(e) => setName(e.target.value)} className={inputClass} />
            </Field>
            <Field label="Description" htmlFor="f-desc">
              <textarea id="f-desc" value={description} rows={2} maxLength={20_000} disabled={locked} onChange={(e) => setDescription(e.target.value)} className={cn(inputClass, "h-auto py-2")} />
            </Field>
          </div>
          {kind !== "knn" ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Tokenizer" htmlFor="p-tokenizer" hint="How the corpus is split into tokens: generation, span tracing, retrieval and token pricing use it.">
                <select id="p-tokenizer" value={tokenizer} disabled={locked} onChange={(e) => setTokenizer(e.target.value as TokenizerName)} className={inputClass}>
                  {TOKENIZER_NAMES.map((t) => (
                    <option key={t} value={t}>
                      {TOKENIZER_LABELS[t]}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
          ) : null}
          <div className="grid gap-4 sm:grid-cols-4">
            {kind === "infinigram" ? (
              <>
                <NumberField id="p-max-support" label="Max support" value={ig.maxSupport} min={1} max={100_000} disabled={locked} onChange={(v) => setIg({ ...ig, maxSupport: v })} />
                <NumberField id="p-max-tokens" label="Max tokens" value={ig.maxTokens} min={1} max={1_024} disabled={locked} onChange={(v) => setIg({ ...ig, maxTokens: v })} />
                <NumberField id="p-temperature" label="Temperature" value={ig.temperature} min={0} max={5} step={0.1} disabled={locked} onChange={(v) => setIg({ ...ig, temperature: v })} />
                <NumberField id="p-top-k" label="Top-k" value={ig.topK} min={1} max={1_000} disabled={locked} onChange={(v) => setIg({ ...ig, topK: v })} />
              </>
            ) : kind === "knn" ? (
              <>
                <NumberField id="p-k" label="k (neighbours)" value={knn.k} min={1} max={100} disabled={locked} onChange={(v) => setKnn({ ...knn, k: v })} />
                <NumberField id="p-dims" label="Hash dimensions" value={knn.dims} min={256} max={2 ** 22} hint="A power of two, 256–4,194,304." disabled={locked} onChange={(v) => setKnn({ ...knn, dims: v })} />
              </>
            ) : kind === "rag" ? (
              <>
                <NumberField id="p-rag-k" label="k (records retrieved)" value={rag.k} min={1} max={20} disabled={locked} onChange={(v) => setRag({ ...rag, k: v })} />
                <NumberField id="p-rag-quotes" label="Quotes" value={rag.quotes} min={1} max={20} disabled={locked} onChange={(v) => setRag({ ...rag, quotes: v })} />
                <NumberField id="p-rag-alpha" label="α (ppm)" value={rag.alphaPpm} min={0} max={1_000_000} hint="Share paid by retrieval for endpoint answers, 0–1,000,000." disabled={locked} onChange={(v) => setRag({ ...rag, alphaPpm: v })} />
              </>
            ) : (
              <>
                <NumberField id="p-min-span" label="Min span tokens" value={ext.minSpanTokens} min={1} max={64} disabled={locked} onChange={(v) => setExt({ ...ext, minSpanTokens: v })} />
                <NumberField id="p-max-support" label="Max support" value={ext.maxSupport} min={1} max={100_000} disabled={locked} onChange={(v) => setExt({ ...ext, maxSupport: v })} />
                <NumberField id="p-max-tokens" label="Max tokens" value={ext.maxTokens} min={1} max={4_096} disabled={locked} onChange={(v) => setExt({ ...ext, maxTokens: v })} />
              </>
            )}
          </div>
        </div>
      </Step>

      <Step n={4} title="Build" description="The build runs on the server: tokenizing, indexing, evaluating on held-out records, storing the artifact." testId="step-build">
        <div className="space-y-4">
          <div className="flex flex-wrap items-center gap-3">
            {status !== "connected" ? (
              <Button onClick={() => openConnectModal?.()} disabled={locked}>
                Connect wallet to build
              </Button>
            ) : !session.signedIn ? (
              <SignInButton
                signIn={signIn}
                label="Sign in to build"
                onSignIn={async () => {
                  if (await signIn.signIn()) await startBuild();
                }}
                disabled={starting || locked}
              />
            ) : (
              <Button onClick={startBuild} disabled={starting || locked} aria-busy={starting}>
                {starting ? "Starting…" : b?.status === "failed" ? "Build again" : "Build"}
              </Button>
            )}
            {b ? <BuildStatusBadge build={b} /> : null}
          </div>
          {status !== "connected" || !session.signedIn ? (
            <p className="text-sm text-muted-foreground">Builds run on the server under your account: connect your wallet and sign in (one signature, no gas).</p>
          ) : null}
          {signIn.failure ? (
            <p role="alert" className="text-sm text-destructive">
              {signIn.failure.title}: {signIn.failure.message}
            </p>
          ) : null}
          {startError ? (
            <p role="alert" className="text-sm text-destructive">
              {startError}
            </p>
          ) : null}
          {build.isError && !b ? <p className="text-sm text-destructive">{build.error.message}</p> : null}
          {b ? <BuildProgress build={b} /> : null}
          {b?.status === "failed" ? (
            <div role="alert" className="rounded-md border border-destructive/40 bg-destructive/5 px-4 py-3 text-sm">
              <p className="font-medium">The build failed</p>
              <p className="mt-1 break-words text-muted-foreground">{b.error ?? "No reason was given."}</p>
            </div>
          ) : null}
          {b?.status === "succeeded" && b.evaluation ? <EvaluationView kind={b.kind} evaluation={b.evaluation} /> : null}
        </div>
      </Step>

      <Step n={5} title="Publish" description="Register the model on-chain as its builder." testId="step-publish" muted={b?.status !== "succeeded"}>
        {b?.status === "succeeded" && b.registration ? (
          <PublishStep build={b} onConfirmed={() => setRegistered(true)} />
        ) : (
          <p className="text-sm text-muted-foreground">Publishing opens once the build has succeeded.</p>
        )}
      </Step>
    </div>
  );
}

function BuildStatusBadge({ build }: { build: ModelBuild }) {
  const variant = build.status === "succeeded" ? "success" : build.status === "failed" ? "destructive" : "info";
  return <Badge variant={variant} data-testid="build-status">{build.status}</Badge>;
}

function BuildProgress({ build }: { build: ModelBuild }) {
  const pctDone = Math.round(Math.max(0, Math.min(1, build.progress)) * 100);
  const current = SHOWN_PHASES.indexOf(build.phase as (typeof SHOWN_PHASES)[number]);
  return (
    <div className="space-y-2" data-testid="build-progress">
      <div className="flex items-center justify-between text-sm">
        <span data-testid="build-phase">{PHASE_LABEL[build.phase] ?? build.phase}</span>
        <span className="tabular-nums text-muted-foreground">{pctDone}%</span>
      </div>
      <div
        role="progressbar"
        aria-label="Build progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pctDone}
        className="h-2 w-full overflow-hidden rounded-full bg-muted"
      >
        <div className={cn("h-full rounded-full transition-all", build.status === "failed" ? "bg-destructive" : "bg-primary")} style={{ width: `${pctDone}%` }} />
      </div>
      <ol className="flex flex-wrap gap-2 text-xs" aria-label="Build phases">
        {SHOWN_PHASES.map((p, i) => (
          <li key={p}>
            <Badge variant={build.phase === "done" || (current >= 0 && i < current) ? "success" : i === current ? "info" : "outline"}>{PHASE_LABEL[p]}</Badge>
          </li>
        ))}
      </ol>
    </div>
  );
}
