"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { parseEventLogs, zeroAddress } from "viem";
import { useAccount, usePublicClient, useWriteContract } from "wagmi";
import { formatOpen, shortHash } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useChainInfo } from "@/components/wallet/chain-context";
import { useNetworkMismatch, WrongNetworkHint } from "@/components/wallet/network-guard";
import { SignInButton, useSession, useSignIn } from "@/components/wallet/siwe";
import { classifyTransactionError, useTransaction, type TransactionError } from "@/components/wallet/use-transaction";
import { datanetRegistryAbi } from "@/contracts-abi";
import { contentUri } from "@/lib/metadata";
import { cn } from "@/lib/utils";
import { Contribute, errorMessage, FailureBox } from "./contribute";
import { checkMetadata, LICENSES, MarkdownField, parseBond, storeMetadata, TextField, waitForIndexed } from "./metadata-fields";

type Failure = Parameters<typeof FailureBox>[0]["failure"];

const STEPS = ["Describe", "Rules", "Create"] as const;

/** What a failed createDatanet means to the person, and what to do next. */
export function transactionFailure(error: TransactionError, what: string): Failure {
  switch (error.kind) {
    case "rejected":
      return { soft: true, title: "Signature cancelled", message: `Nothing was sent: ${what} did not happen. Sign again when you are ready.` };
    case "wrong-network":
      return { title: "Wrong network", message: error.message, hint: "Switch your wallet to the app's chain and try again." };
    case "insufficient-funds":
      return { title: "Not enough for gas", message: error.message, hint: "The transaction needs a little of the chain's native currency for gas. Fund this account and try again." };
    case "reverted":
      return {
        title: "The contract refused the transaction",
        message: error.revert ? `${error.revert}. ${error.message}` : error.message,
        hint: error.onChain ? "It was mined and reverted: only gas was spent, nothing changed." : "Nothing was sent: the simulation failed before your wallet was asked.",
      };
    case "rpc":
      return { title: "The chain did not answer", message: error.message, hint: "Check your connection or the node, then try again. If a transaction was sent, reload to see whether it was mined." };
    default:
      return { title: `${what[0].toUpperCase()}${what.slice(1)} failed`, message: error.message };
  }
}

type Phase = "edit" | "storing" | "creating" | "indexing" | "created";

/** The /datanets/new wizard: describe, set the rules, create on-chain, optionally upload a first file. */
export function CreateDatanet() {
  const ids = useId();
  const chain = useChainInfo();
  const router = useRouter();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const publicClient = usePublicClient();
  const { writeContractAsync } = useWriteContract();
  const session = useSession();
  const signIn = useSignIn();
  const { wrong: wrongNetwork } = useNetworkMismatch();
  const tx = useTransaction();

  const [step, setStep] = useState(0);
  const [name, setName] = useState("");
  const [summary, setSummary] = useState("");
  const [description, setDescription] = useState("");
  const [tags, setTags] = useState("");
  const [license, setLicense] = useState<string>("CC-BY-4.0");
  const [curated, setCurated] = useState(true);
  const [bond, setBond] = useState("1");
  const [firstUpload, setFirstUpload] = useState(true);
  const [phase, setPhase] = useState<Phase>("edit");
  const [failure, setFailure] = useState<Failure | null>(null);
  const [created, setCreated] = useState<{ id: number; tx: string; bond: bigint } | null>(null);

  const metadata = checkMetadata({ name, summary, description, tags, license });
  const bondCheck = parseBond(bond);
  const connected = status === "connected" && !!address;
  const registry = chain.contracts?.datanetRegistry;
  const busy = phase === "storing" || phase === "creating" || phase === "indexing" || signIn.busy;

  function next() {
    setFailure(null);
    if (step === 0 && !metadata.ok) {
      setFailure({ title: `Check the ${metadata.field}`, message: metadata.message });
      return;
    }
    if (step === 1 && !bondCheck.ok) {
      setFailure({ title: "Check the bond", message: bondCheck.message });
      return;
    }
    setStep((s) => Math.min(s + 1, STEPS.length - 1));
  }

  async function signInAndCreate() {
    setFailure(null);
    if (await signIn.signIn()) await create();
  }

  async function create() {
    if (!metadata.ok || !bondCheck.ok || !registry || !address || !publicClient) return;
    setFailure(null);
    setPhase("storing");
    let metadataHash;
    try {
      // The metadata lives off-chain, content-addressed: the registry stores its sha-256 and URI.
      metadataHash = await storeMetadata(metadata.bytes);
    } catch (err) {
      const message = errorMessage(err);
      setPhase("edit");
      if (/^Sign in/.test(message)) void session.refetch();
      setFailure({ title: "Could not store the description", message, hint: "Nothing was sent to the chain. Sign in again if asked, then retry." });
      return;
    }
    setPhase("creating");
    let id: number;
    let txHash: string;
    try {
      const receipt = await tx.send(async () => {
        const { request } = await publicClient.simulateContract({
          address: registry,
          abi: datanetRegistryAbi,
          account: address,
          functionName: "createDatanet",
          args: [metadataHash, contentUri(metadataHash), bondCheck.wei, curated, zeroAddress],
        });
        return writeContractAsync(request);
      });
      const [event] = parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: "DatanetCreated" });
      if (!event) throw new Error("The transaction was mined but created no Datanet.");
      id = Number(event.args.datanetId);
      txHash = receipt.transactionHash;
    } catch (err) {
      setPhase("edit");
      setFailure(transactionFailure(classifyTransactionError(err), "creating the Datanet"));
      return;
    }
    setPhase("indexing");
    try {
      await waitForIndexed(id);
    } catch (err) {
      // Created on-chain: retrying would create a second one. Say where it will appear instead.
      setFailure({ title: `Datanet #${id} is created`, message: errorMessage(err), hint: `Its page is /datanets/${id}.` });
    }
    setCreated({ id, tx: txHash, bond: bondCheck.wei });
    setPhase("created");
    if (!firstUpload) router.push(`/datanets/${id}`);
  }

  const txState = tx.state.status === "signing" || tx.state.status === "pending" ? tx.state.status : null;

  if (phase === "created" && created) {
    return (
      <div className="space-y-6" data-testid="create-datanet-done">
        <div role="status" className="rounded-md border border-success/30 bg-success/5 px-4 py-3 text-sm">
          <p className="flex flex-wrap items-center gap-2 font-medium">
            <Badge variant="success">Confirmed</Badge>
            Datanet #{created.id} “{metadata.ok ? metadata.metadata.name : name}” is created and indexed.
          </p>
          <p className="mt-1 text-muted-foreground">
            Tx <span className="font-mono">{shortHash(created.tx)}</span>. {firstUpload ? "Upload a first file below, or open its page." : "Opening its page…"}
          </p>
          <Link href={`/datanets/${created.id}`} className={cn(buttonVariants({ size: "sm" }), "mt-3")} data-testid="open-new-datanet">
            Open the Datanet page
          </Link>
        </div>
        {failure ? <FailureBox failure={failure} /> : null}
        {firstUpload ? (
          <section aria-labelledby={`${ids}-first`} className="space-y-3">
            <h2 id={`${ids}-first`} className="text-lg font-semibold">
              First upload
            </h2>
            <p className="text-sm text-muted-foreground">
              Contribute like anyone else: the bond is {formatOpen(created.bond)}
              {curated ? "; as the owner you then accept it on the Datanet page, and publish a version." : ", returned at once (open Datanet)."}
            </p>
            <Contribute datanetId={created.id} bond={created.bond.toString()} curated={curated} />
          </section>
        ) : null}
      </div>
    );
  }

  return (
    <div className="space-y-6" data-testid="create-datanet">
      <ol className="flex flex-wrap gap-2 text-sm" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? "step" : undefined} className={cn("flex items-center gap-2 rounded-full border px-3 py-1", i === step ? "border-primary text-foreground" : "border-border text-muted-foreground")}>
            <span className={cn("inline-flex size-5 items-center justify-center rounded-full text-xs", i <= step ? "bg-primary text-primary-foreground" : "bg-muted")}>{i + 1}</span>
            {s}
          </li>
        ))}
      </ol>

      {step === 0 ? (
        <Card>
          <CardHeader>
            <CardTitle>Describe the Datanet</CardTitle>
            <CardDescription>What contributors will add and model builders will find. You can edit the summary, description and tags later; the name and licence stay.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <TextField id={`${ids}-name`} label="Name" value={name} onChange={setName} maxLength={80} placeholder="e.g. Bird calls of Europe" hint="3 to 80 characters." />
            <TextField id={`${ids}-summary`} label="Summary" value={summary} onChange={setSummary} maxLength={200} hint="One line shown in the Datanet list (at most 200 characters)." />
            <MarkdownField id={`${ids}-description`} label="Description" value={description} onChange={setDescription} hint="Markdown: # headings, - lists, ``` code blocks and paragraphs (shown as text, never HTML). Say what belongs here, and what does not." />
            <TextField id={`${ids}-tags`} label="Tags" value={tags} onChange={setTags} placeholder="birds, audio" hint="Comma-separated, at most 12." />
            <TextField id={`${ids}-license`} label="Licence" value={license} onChange={setLicense} maxLength={64} list={`${ids}-licenses`} hint="The licence contributions are offered under (SPDX id)." />
            <datalist id={`${ids}-licenses`}>
              {LICENSES.map((l) => (
                <option key={l} value={l} />
              ))}
            </datalist>
          </CardContent>
        </Card>
      ) : null}

      {step === 1 ? (
        <Card>
          <CardHeader>
            <CardTitle>Rules for contributions</CardTitle>
            <CardDescription>Every contribution posts the bond; who decides whether it is kept depends on the kind of Datanet.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium">Kind</legend>
              <label className="flex items-start gap-2 text-sm">
                <input type="radio" name={`${ids}-kind`} checked={curated} onChange={() => setCurated(true)} className="mt-1" data-testid="kind-curated" />
                <span>
                  <span className="font-medium">Curated</span>
                  <span className="block text-muted-foreground">You accept (bond returned) or reject (bond to your treasury) each contribution.</span>
                </span>
              </label>
              <label className="flex items-start gap-2 text-sm">
                <input type="radio" name={`${ids}-kind`} checked={!curated} onChange={() => setCurated(false)} className="mt-1" data-testid="kind-open" />
                <span>
                  <span className="font-medium">Open</span>
                  <span className="block text-muted-foreground">Contributions are accepted at once and the bond comes back in the same transaction.</span>
                </span>
              </label>
            </fieldset>
            <TextField id={`${ids}-bond`} label="Contribution bond (OPEN)" value={bond} onChange={setBond} inputMode="decimal" hint="What each contribution locks until it is reviewed. You can change it later; pending contributions keep theirs." />
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={firstUpload} onChange={(e) => setFirstUpload(e.target.checked)} data-testid="first-upload" />
              Upload a first file right after creating it
            </label>
          </CardContent>
        </Card>
      ) : null}

      {step === 2 && metadata.ok && bondCheck.ok ? (
        <Card>
          <CardHeader>
            <CardTitle>Create on-chain</CardTitle>
            <CardDescription>
              One transaction to the DatanetRegistry makes you its owner. The description is stored off-chain by its hash first, which needs you signed in (one
              signature, no gas).
            </CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[8rem_1fr]" data-testid="create-datanet-review">
              <dt className="text-muted-foreground">Name</dt>
              <dd className="break-words font-medium">{metadata.metadata.name}</dd>
              <dt className="text-muted-foreground">Summary</dt>
              <dd className="break-words">{metadata.metadata.summary || "—"}</dd>
              <dt className="text-muted-foreground">Tags</dt>
              <dd className="break-words">{metadata.metadata.tags.join(", ") || "—"}</dd>
              <dt className="text-muted-foreground">Licence</dt>
              <dd>{metadata.metadata.license}</dd>
              <dt className="text-muted-foreground">Kind</dt>
              <dd>{curated ? "Curated" : "Open"}</dd>
              <dt className="text-muted-foreground">Bond</dt>
              <dd>{formatOpen(bondCheck.wei)}</dd>
            </dl>
            <div className="flex flex-wrap items-center gap-2">
              {!connected ? (
                <Button onClick={() => openConnectModal?.()} disabled={!chain.configured}>
                  Connect wallet to create
                </Button>
              ) : !session.signedIn ? (
                <SignInButton signIn={signIn} label="Sign in and create" onSignIn={signInAndCreate} disabled={busy} />
              ) : (
                <Button onClick={() => void create()} disabled={busy || wrongNetwork || !registry} aria-busy={busy} data-testid="create-datanet-submit">
                  {phase === "storing"
                    ? "Storing the description…"
                    : phase === "indexing"
                      ? "Waiting for the indexer…"
                      : txState === "pending"
                        ? "Confirming…"
                        : txState === "signing"
                          ? "Waiting for signature…"
                          : "Create Datanet"}
                </Button>
              )}
            </div>
            <WrongNetworkHint action="create a Datanet" />
            {txState || phase === "indexing" ? (
              <p className="flex items-center gap-2 text-sm" data-testid="create-datanet-status" aria-live="polite">
                <Badge variant="info">{phase === "indexing" ? "Confirmed" : txState === "signing" ? "… Signing" : "… Pending"}</Badge>
                <span className="text-muted-foreground">
                  {phase === "indexing"
                    ? "Mined. Waiting for the indexer to show the new Datanet."
                    : txState === "signing"
                      ? "Confirm the transaction in your wallet."
                      : "Waiting for the transaction to be confirmed."}
                </span>
              </p>
            ) : null}
            {!chain.configured ? <p className="text-sm text-muted-foreground">Creating is unavailable: {chain.problem}</p> : null}
          </CardContent>
        </Card>
      ) : null}

      {failure ? <FailureBox failure={failure} /> : null}
      {signIn.failure ? <FailureBox failure={signIn.failure} /> : null}

      <div className="flex flex-wrap gap-2">
        {step > 0 ? (
          <Button variant="outline" onClick={() => (setFailure(null), setStep((s) => s - 1))} disabled={busy}>
            Back
          </Button>
        ) : null}
        {step < STEPS.length - 1 ? (
          <Button onClick={next} data-testid="wizard-next">
            Next
          </Button>
        ) : null}
      </div>
    </div>
  );
}
