"use client";

import { useRouter } from "next/navigation";
import { useId, useState, useSyncExternalStore } from "react";
import { useAccount, usePublicClient, useWriteContract } from "wagmi";
import { formatOpen } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useChainInfo } from "@/components/wallet/chain-context";
import { useNetworkMismatch, WrongNetworkHint } from "@/components/wallet/network-guard";
import { SignInButton, useSession, useSignIn } from "@/components/wallet/siwe";
import { classifyTransactionError, useTransaction } from "@/components/wallet/use-transaction";
import { datanetRegistryAbi } from "@/contracts-abi";
import { contentUri } from "@/lib/metadata";
import { errorMessage, FailureBox } from "./contribute";
import { transactionFailure } from "./create-datanet";
import { bondText, checkMetadata, MarkdownField, parseBond, storeMetadata, TextField, waitForIndexed } from "./metadata-fields";

type Failure = Parameters<typeof FailureBox>[0]["failure"];

export interface EditableDatanet {
  id: number;
  owner: string;
  name: string;
  license: string;
  summary: string;
  description: string;
  tags: string[];
  metadataHash: string;
  /** wei, decimal */
  bond: string;
}

const noSubscribe = () => () => {};

/**
 * The owner's "Edit" on the Datanet page: summary, description and tags (a new metadata JSON, then setMetadata)
 * and the bond (setBond). Shown only to the connected owner; the registry refuses anyone else (NotDatanetOwner),
 * so hiding it is convenience, not the protection. The name and licence are kept as they are.
 */
export function EditDatanet({ datanet }: { datanet: EditableDatanet }) {
  const ids = useId();
  const router = useRouter();
  const chain = useChainInfo();
  const { address, status } = useAccount();
  const publicClient = usePublicClient();
  const { writeContractAsync } = useWriteContract();
  const session = useSession();
  const signIn = useSignIn();
  const { wrong: wrongNetwork } = useNetworkMismatch();
  const tx = useTransaction();
  const hydrated = useSyncExternalStore(noSubscribe, () => true, () => false);

  const [open, setOpen] = useState(false);
  const [summary, setSummary] = useState(datanet.summary);
  const [description, setDescription] = useState(datanet.description);
  const [tags, setTags] = useState(datanet.tags.join(", "));
  const [bond, setBond] = useState(bondText(BigInt(datanet.bond)));
  const [step, setStep] = useState<null | "storing" | "metadata" | "bond" | "indexing">(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState(false);

  const isOwner = hydrated && status === "connected" && !!address && address.toLowerCase() === datanet.owner.toLowerCase();
  if (!isOwner) return null;

  const registry = chain.contracts?.datanetRegistry;
  const metadata = checkMetadata({ name: datanet.name, license: datanet.license, summary, description, tags });
  const bondCheck = parseBond(bond);
  const metadataChanged =
    metadata.ok &&
    (metadata.metadata.summary !== datanet.summary || metadata.metadata.description !== datanet.description || metadata.metadata.tags.join("\n") !== datanet.tags.join("\n"));
  const bondChanged = bondCheck.ok && bondCheck.wei !== BigInt(datanet.bond);
  const busy = step !== null || signIn.busy;

  async function signInAndSave() {
    setFailure(null);
    if (await signIn.signIn()) await save();
  }

  async function save() {
    if (!registry || !address || !publicClient) return;
    setFailure(null);
    setSaved(false);
    if (!metadata.ok) return setFailure({ title: `Check the ${metadata.field}`, message: metadata.message });
    if (!bondCheck.ok) return setFailure({ title: "Check the bond", message: bondCheck.message });
    const id = BigInt(datanet.id);
    let metadataHash: `0x${string}` | null = null;
    let what = "saving the description";
    try {
      if (metadataChanged) {
        setStep("storing");
        metadataHash = await storeMetadata(metadata.bytes);
        setStep("metadata");
        const hash = metadataHash;
        await tx.send(async () => {
          const { request } = await publicClient.simulateContract({ address: registry, abi: datanetRegistryAbi, account: address, functionName: "setMetadata", args: [id, hash, contentUri(hash)] });
          return writeContractAsync(request);
        });
      }
      if (bondChanged) {
        what = "changing the bond";
        setStep("bond");
        await tx.send(async () => {
          const { request } = await publicClient.simulateContract({ address: registry, abi: datanetRegistryAbi, account: address, functionName: "setBond", args: [id, bondCheck.wei] });
          return writeContractAsync(request);
        });
      }
    } catch (err) {
      setStep(null);
      if (err instanceof Error && /^Sign in/.test(err.message)) {
        void session.refetch();
        return setFailure({ title: "Sign in again", message: err.message, soft: true });
      }
      const error = classifyTransactionError(err);
      return setFailure(
        error.errorName === "NotDatanetOwner"
          ? { title: "Not the owner", message: "The registry accepts changes from the Datanet's owner only; connect the owner's wallet." }
          : error.kind === "other"
            ? { title: "Could not store the description", message: errorMessage(err), hint: "Nothing was sent to the chain." }
            : transactionFailure(error, what),
      );
    }
    setStep("indexing");
    try {
      await waitForIndexed(datanet.id, (d) => (!metadataHash || d.metadataHash.toLowerCase() === metadataHash.toLowerCase()) && (!bondCheck.ok || BigInt(d.bond) === bondCheck.wei));
      setSaved(true);
      setOpen(false);
      router.refresh();
    } catch (err) {
      setFailure({ title: "Saved on-chain", message: errorMessage(err) });
    } finally {
      setStep(null);
    }
  }

  const txState = tx.state.status === "signing" || tx.state.status === "pending" ? tx.state.status : null;
  const label =
    step === "storing"
      ? "Storing the description…"
      : step === "indexing"
        ? "Waiting for the indexer…"
        : txState === "signing"
          ? "Waiting for signature…"
          : txState === "pending"
            ? "Confirming…"
            : metadataChanged && bondChanged
              ? "Save (2 transactions)"
              : "Save";

  if (!open) {
    return (
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="outline" size="sm" onClick={() => setOpen(true)} data-testid="edit-datanet">
          Edit Datanet
        </Button>
        {saved ? (
          <span role="status" className="text-sm text-muted-foreground">
            <Badge variant="success">Saved</Badge> The changes are on-chain and indexed.
          </span>
        ) : null}
      </div>
    );
  }

  return (
    <Card data-testid="edit-datanet-form">
      <CardHeader>
        <CardTitle>Edit Datanet</CardTitle>
        <CardDescription>
          You own this Datanet: the summary, description and tags become a new metadata document (setMetadata), the bond a setBond. Pending contributions keep
          the bond they posted. The name “{datanet.name}” and licence {datanet.license || "—"} stay.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <TextField id={`${ids}-summary`} label="Summary" value={summary} onChange={setSummary} maxLength={200} disabled={busy} />
        <MarkdownField id={`${ids}-description`} label="Description" value={description} onChange={setDescription} disabled={busy} />
        <TextField id={`${ids}-tags`} label="Tags" value={tags} onChange={setTags} disabled={busy} hint="Comma-separated, at most 12." />
        <TextField
          id={`${ids}-bond`}
          label="Contribution bond (OPEN)"
          value={bond}
          onChange={setBond}
          inputMode="decimal"
          disabled={busy}
          hint={`Now ${formatOpen(BigInt(datanet.bond))}. Contributors' transactions carry the most they agreed to, so a raise never takes more than they saw.`}
        />
        <div className="flex flex-wrap items-center gap-2">
          {metadataChanged && !session.signedIn ? (
            <SignInButton signIn={signIn} label="Sign in and save" onSignIn={signInAndSave} disabled={busy} />
          ) : (
            <Button onClick={() => void save()} disabled={busy || wrongNetwork || !registry || (!metadataChanged && !bondChanged)} aria-busy={busy} data-testid="edit-datanet-save">
              {label}
            </Button>
          )}
          <Button variant="ghost" onClick={() => (setOpen(false), setFailure(null))} disabled={busy}>
            Cancel
          </Button>
        </div>
        <WrongNetworkHint action="edit the Datanet" />
        {failure ? <FailureBox failure={failure} /> : null}
        {signIn.failure ? <FailureBox failure={signIn.failure} /> : null}
      </CardContent>
    </Card>
  );
}
