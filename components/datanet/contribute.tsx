"use client";

import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useRouter } from "next/navigation";
import { useId, useRef, useState, useSyncExternalStore, type ChangeEvent } from "react";
import { OPEN_TERMS, TermsPicker, termsValid, type ContributionTerms } from "./terms-picker";
import { BaseError, parseEventLogs, parseUnits, zeroAddress, type Address, type Hex } from "viem";
import { useAccount, usePublicClient, useReadContract, useSignTypedData, useWriteContract } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { formatBytes, formatNumber, formatOpen, plural, shortHash } from "@/components/format";
import { useNetworkMismatch, WrongNetworkHint } from "@/components/wallet/network-guard";
import { SignInButton, useSession, useSignIn } from "@/components/wallet/siwe";
import { classifyTransactionError, useTransaction } from "@/components/wallet/use-transaction";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { datanetRegistryAbi, openTokenAbi } from "@/contracts-abi";
import { ApiError, apiPost } from "@/lib/api/client";
import { permitArgs, permitTypedData } from "@/lib/chain/permit";
import { attestationSigner } from "@/lib/content/attestation-typed-data";
import { formatOf, MAX_CONTENT_BYTES, parseRecords } from "@/lib/content/records";
import { cn } from "@/lib/utils";
import { ForecastState, useUploadForecast } from "./forecast";
import { OriginalityState, useUploadOriginality } from "./originality";

export const ACCEPTED_EXTENSIONS = [".txt", ".md", ".jsonl", ".csv"];
const PREVIEW_RECORDS = 3;

export interface UploadedContent {
  hash: Hex;
  bytes: number;
  records: number;
  format: string;
}

/** useSyncExternalStore with nothing to subscribe to: tells server/hydration render from client render. */
const noSubscribe = () => () => {};

/** The file as the server will split it, read in the browser before anything is uploaded. */
interface LocalPreview {
  records: number;
  bytes: number;
  format: string;
  first: string[];
}

/**
 * POSTs raw bytes to /api/content with upload progress (XHR: fetch has no upload progress events).
 * Needs the Sign-In with Ethereum session cookie (sent automatically: same origin).
 */
export function uploadContent(file: File, onProgress: (fraction: number) => void): Promise<UploadedContent> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/content?filename=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new Error("Could not reach the server; check your connection and try again."));
    xhr.onload = () => {
      let body: Partial<UploadedContent> & { error?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.hash) {
        onProgress(1);
        resolve(body as UploadedContent);
      } else reject(new Error(body.error ?? `The upload failed (HTTP ${xhr.status}).`));
    };
    xhr.send(file);
  });
}

/** The server's attestation does not fit this contribution (another account, file or signer). */
class AttestationMismatch extends Error {}

export function errorMessage(err: unknown): string {
  return err instanceof BaseError ? err.shortMessage : String((err as Error)?.message ?? err);
}

/**
 * The attester's binding of the upload to this account (DatanetRegistry checks it when it has an attester;
 * `required: false` when it has none: deadline 0 and an empty signature).
 */
interface Attestation {
  contentHash: Hex;
  required: boolean;
  deadline: bigint;
  signature: Hex;
}

/** How long a bond permit stays valid (chain time): long enough for a slow wallet and a busy chain. */
const PERMIT_VALIDITY_SECONDS = 3600n;

/** Fetched again when less than this is left before its deadline: the transaction must be mined in time. */
const ATTESTATION_MARGIN_SECONDS = 120n;

/**
 * sign-in: the file is read and previewed, waiting for the contributor to sign in before it is uploaded.
 * attesting: uploaded; the server is asked to attest that this account uploaded it first.
 */
type Phase = "idle" | "sign-in" | "uploading" | "attesting" | "ready" | "approving" | "contributing" | "done" | "error";

interface Failure {
  title: string;
  message: string;
  hint?: string;
  /** Informational (nothing happened) rather than an error. */
  soft?: boolean;
}

interface Done {
  id: bigint;
  accepted: boolean;
  tx: Hex;
}

export function Contribute({ datanetId, bond: indexedBond, curated }: { datanetId: number; bond: string; curated: boolean }) {
  const chain = useChainInfo();
  const router = useRouter();
  const ids = useId();
  const { address, status } = useAccount();
  const { openConnectModal } = useConnectModal();
  const publicClient = usePublicClient();
  const { writeContractAsync } = useWriteContract();
  const { signTypedDataAsync } = useSignTypedData();
  const fileInput = useRef<HTMLInputElement>(null);

  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState(0);
  const [content, setContent] = useState<UploadedContent | null>(null);
  const [preview, setPreview] = useState<LocalPreview | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const tx = useTransaction();
  const [failure, setFailure] = useState<Failure | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [attestation, setAttestation] = useState<Attestation | null>(null);
  const [terms, setTerms] = useState<ContributionTerms>(OPEN_TERMS);

  const registry = chain.contracts?.datanetRegistry;
  const token = chain.contracts?.token;
  const connected = status === "connected" && !!address;
  const session = useSession();
  const signIn = useSignIn();
  const { wrong: wrongNetwork } = useNetworkMismatch();
  // The originality shield: how much of the uploaded file already exists in this Datanet.
  const originality = useUploadOriginality(datanetId, content?.hash);
  // Open Datanets accept each text once: the server will not attest an exact duplicate.
  const duplicateBlocked = !curated && !!originality.data?.exactDuplicate;
  // What the file would have earned on the Datanet's recent paid requests (a replay in the worker process).
  const forecast = useUploadForecast(datanetId, duplicateBlocked ? null : content?.hash);

  const onChainDatanet = useReadContract({
    address: registry,
    abi: datanetRegistryAbi,
    functionName: "getDatanet",
    args: [BigInt(datanetId)],
    query: { enabled: !!registry },
  });
  // The bond shown is the most the contribution may take (maxBond): a raise racing it reverts, costing nothing.
  const bond = onChainDatanet.data?.bond ?? BigInt(indexedBond);
  const registryAttester = useReadContract({ address: registry, abi: datanetRegistryAbi, functionName: "attester", query: { enabled: !!registry } });
  const balance = useReadContract({
    address: token,
    abi: openTokenAbi,
    functionName: "balanceOf",
    args: address ? [address] : undefined,
    query: { enabled: !!token && !!address },
  });
  const allowance = useReadContract({
    address: token,
    abi: openTokenAbi,
    functionName: "allowance",
    args: address && registry ? [address, registry] : undefined,
    query: { enabled: !!token && !!address && !!registry },
  });
  // ERC-2612: a token with an EIP-712 domain and permit lets the bond be taken with one signature, no approve
  // transaction (contributeWithPermit). A token without one (or a refused permit) falls back to approve.
  const tokenDomain = useReadContract({ address: token, abi: openTokenAbi, functionName: "eip712Domain", query: { enabled: !!token } });
  const [permitRefused, setPermitRefused] = useState(false);
  const needsAllowance = allowance.data !== undefined && allowance.data < bond;
  const permitBond = needsAllowance && !!tokenDomain.data && !permitRefused;
  const needsApproval = needsAllowance && !permitBond;
  const shortOfOpen = balance.data !== undefined && balance.data < bond;

  const busy = phase === "uploading" || phase === "attesting" || phase === "approving" || phase === "contributing" || signIn.busy;

  function reset() {
    setFile(null);
    setContent(null);
    setPreview(null);
    setProgress(0);
    setFailure(null);
    setAttestation(null);
    tx.reset();
    setPhase("idle");
    signIn.clearFailure();
    if (fileInput.current) fileInput.current.value = "";
  }

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    setDone(null);
    setFailure(null);
    setContent(null);
    setAttestation(null);
    setPreview(null);
    setProgress(0);
    setFile(f ?? null);
    if (!f) {
      setPhase("idle");
      return;
    }
    const ext = `.${f.name.toLowerCase().split(".").pop()}`;
    if (!ACCEPTED_EXTENSIONS.includes(ext)) {
      setPhase("error");
      setFailure({ title: "Unsupported file", message: `Upload a ${ACCEPTED_EXTENSIONS.join(", ")} file.` });
      return;
    }
    if (f.size > MAX_CONTENT_BYTES) {
      setPhase("error");
      setFailure({ title: "File too large", message: `The file is ${formatBytes(f.size)}; the limit is ${formatBytes(MAX_CONTENT_BYTES)}.` });
      return;
    }
    // Preview with the server's own splitting rules (the server's record count is what gets registered).
    const format = formatOf(f.name, f.type || undefined);
    try {
      const { records } = parseRecords(await f.text(), format);
      setPreview({ records: records.length, bytes: f.size, format, first: records.slice(0, PREVIEW_RECORDS) });
    } catch (err) {
      setPhase("error");
      setFailure({ title: "This file cannot be contributed", message: errorMessage(err) });
      return;
    }
    // Uploads are tied to a signed-in address: without a session, wait for the sign-in step.
    if (session.signedIn) await upload(f);
    else setPhase("sign-in");
  }

  async function signInAndUpload() {
    if (!file) return;
    setFailure(null);
    if (await signIn.signIn()) await upload(file);
  }

  async function upload(f: File) {
    setFailure(null);
    setPhase("uploading");
    try {
      const uploaded = await uploadContent(f, setProgress);
      setContent(uploaded);
      void allowance.refetch();
      void balance.refetch();
      void onChainDatanet.refetch();
      // Before any approval: someone else's bytes are refused here, before the contributor spends gas.
      await attest(uploaded);
    } catch (err) {
      setProgress(0);
      const message = errorMessage(err);
      // The session ran out (or was signed out elsewhere): back to the sign-in step, file kept.
      if (/^Sign in/.test(message)) {
        void session.refetch();
        setPhase("sign-in");
        setFailure({ soft: true, title: "Sign in again", message });
      } else {
        setPhase("error");
        setPreview(null);
        setFailure({ title: "Upload failed", message });
      }
    }
  }

  /** The registry's attester (zero: none), read now if the page has not read it yet. */
  async function trustedAttester(): Promise<Address> {
    const trusted = registryAttester.data ?? (await registryAttester.refetch()).data;
    if (trusted === undefined) throw new Error("Could not read the registry's attester from the chain; check your connection and try again.");
    return trusted;
  }

  /** The attestation for `uploaded` (fetched and checked), or null after showing why there is none. */
  async function attest(uploaded: UploadedContent): Promise<Attestation | null> {
    if (!registry || !address) {
      setPhase("ready");
      return null;
    }
    setPhase("attesting");
    try {
      const trusted = await trustedAttester();
      let next: Attestation;
      if (trusted === zeroAddress) next = { contentHash: uploaded.hash, required: false, deadline: 0n, signature: "0x" };
      else {
        const a = await apiPost("/api/content/{hash}/attestation", { params: { hash: uploaded.hash }, body: { datanetId }, what: "The attestation" });
        const message = { datanetId: BigInt(a.datanetId), contentHash: a.contentHash as Hex, uploader: a.uploader as Address, deadline: BigInt(a.deadline) };
        if (message.uploader.toLowerCase() !== address.toLowerCase() || message.contentHash !== uploaded.hash.toLowerCase() || a.datanetId !== datanetId) {
          throw new AttestationMismatch("The server attested another account, file or Datanet than this one: sign in again with this wallet and upload the file again.");
        }
        // Checked here so a misconfigured server is explained before the wallet is asked for anything.
        const signer = await attestationSigner({ chainId: chain.chainId, registry }, message, a.signature as Hex);
        if (signer.toLowerCase() !== trusted.toLowerCase()) {
          throw new AttestationMismatch(`The server signs with ${signer}, but the registry trusts ${trusted}: contributions cannot be attested by this server. Tell its operator.`);
        }
        next = { contentHash: uploaded.hash, required: true, deadline: message.deadline, signature: a.signature as Hex };
      }
      setAttestation(next);
      setPhase("ready");
      return next;
    } catch (err) {
      setAttestation(null);
      if (err instanceof ApiError && err.reason === "duplicate_content") {
        setPhase("error");
        setFailure({
          title: "Already in this Datanet",
          message: err.message,
          hint: "Copied text earns its original author, never the copy. Nothing was signed and no OPEN was moved.",
        });
      } else if (err instanceof ApiError && err.reason === "content_claimed") {
        setPhase("error");
        setFailure({
          title: "Uploaded first by another account",
          message: err.message,
          hint: "Nothing was signed and no OPEN was moved. If the file is yours, contribute it from the account that uploaded it first; otherwise choose a file of your own.",
        });
      } else if (err instanceof ApiError && err.status === 401) {
        void session.refetch();
        setPhase("sign-in");
        setContent(null);
        setFailure({ soft: true, title: "Sign in again", message: err.message });
      } else {
        setPhase("ready");
        setFailure({
          title: "Could not get the attestation",
          message: errorMessage(err),
          // A mismatch will not fix itself by retrying; a failed request might.
          hint:
            err instanceof AttestationMismatch
              ? "Nothing was signed and no OPEN was moved."
              : "The registry needs the server's attestation that you uploaded this file first. Nothing was signed; Sign and contribute tries again.",
        });
      }
      return null;
    }
  }

  function fail(err: unknown, step: "approve" | "contribute") {
    const error = classifyTransactionError(err);
    if (error.kind === "rejected") {
      setPhase("ready");
      setFailure({ soft: true, title: "Signature cancelled", message: "You rejected the transaction; nothing happened and no OPEN was moved." });
      return;
    }
    if (error.errorName === "DuplicateContribution") {
      setPhase("error");
      setFailure({ title: "Already in this Datanet", message: "This file is already in the Datanet: the same content was contributed before. Choose another file." });
    } else if (error.errorName === "BondAboveMax") {
      setPhase("ready");
      const [raised] = (error.errorArgs ?? []) as readonly bigint[];
      void onChainDatanet.refetch();
      void allowance.refetch();
      setFailure({
        title: "The bond changed",
        message: `The Datanet's bond changed to ${raised === undefined ? "a higher amount" : formatOpen(raised)} while you were contributing; nothing was taken. Review the new bond and try again.`,
      });
    } else if (error.errorName === "AttestationExpired") {
      setPhase("ready");
      setAttestation(null);
      setFailure({
        title: "The attestation expired",
        message: "The server's attestation that you uploaded this file first expired before the contribution was sent; nothing was taken.",
        hint: "Sign and contribute again: a fresh attestation is fetched first.",
      });
    } else if (error.errorName === "InvalidAttestation") {
      setPhase("ready");
      setAttestation(null);
      setFailure({
        title: "The registry refused the attestation",
        message:
          "The attestation must name this wallet's account as the one that uploaded the file first, signed by the attester the registry trusts; this one does not. Nothing was taken.",
        hint: "Sign in with this wallet, upload the file again and retry. If it keeps failing, tell the server's operator: its attester key may not be the registry's.",
      });
    } else if (error.errorName === "ERC20InsufficientBalance") {
      setPhase("ready");
      setFailure(insufficientOpen());
    } else if (error.errorName === "PermitFailed") {
      setPhase("ready");
      setPermitRefused(true);
      void allowance.refetch();
      setFailure({
        title: "The token did not accept the permit",
        message: "The signed permit for the bond was refused (expired, or signed for another amount or account) and there is no allowance to fall back on. Nothing was taken.",
        hint: "Approve the bond with a transaction instead (the button below), then contribute.",
      });
    } else if (error.errorName === "ERC20InsufficientAllowance") {
      setPhase("ready");
      void allowance.refetch();
      setFailure({ title: "Approval needed", message: "The registry may not take your bond yet: approve it first." });
    } else {
      setPhase("ready");
      setFailure({ title: step === "approve" ? "Approval failed" : "Contribution failed", message: error.message });
    }
  }

  function insufficientOpen(): Failure {
    return {
      title: "Not enough OPEN for the bond",
      message: `The bond is ${formatOpen(bond)} and this wallet holds ${formatOpen(balance.data ?? 0n)}.`,
      hint: chain.isLocal
        ? "On the local chain, mint test OPEN with the token's faucet (the button below), or pick a funded dev account in the header."
        : "Transfer OPEN to this address, then try again. Nothing was signed.",
    };
  }

  async function faucet() {
    if (!token || !address) return;
    setFailure(null);
    try {
      await tx.send(() => writeContractAsync({ address: token, abi: openTokenAbi, functionName: "faucet", args: [address, parseUnits("1000", 18)] }));
      await balance.refetch();
    } catch (err) {
      const error = classifyTransactionError(err);
      setFailure(error.kind === "rejected" ? { soft: true, title: "Signature cancelled", message: "Nothing happened." } : { title: "Faucet failed", message: error.message });
    }
  }

  async function approve() {
    if (!token || !registry) return;
    setFailure(null);
    setPhase("approving");
    try {
      await tx.send(() => writeContractAsync({ address: token, abi: openTokenAbi, functionName: "approve", args: [registry, bond] }));
      await allowance.refetch();
      setPhase("ready");
    } catch (err) {
      fail(err, "approve");
    }
  }

  async function contribute() {
    if (!content || !registry || !address || !publicClient) return;
    setFailure(null);
    if (shortOfOpen) {
      setFailure(insufficientOpen());
      return;
    }
    const maxBond = bond;
    let bound = attestation;
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (!bound || bound.contentHash !== content.hash || (bound.required && bound.deadline < now + ATTESTATION_MARGIN_SECONDS)) {
      bound = await attest(content);
      if (!bound) return;
    }
    const { deadline, signature } = bound;
    setPhase("contributing");
    try {
      const receipt = await tx.send(async () => {
        // Simulate first: a revert (duplicate, no OPEN) is explained before the wallet is asked to sign.
        const args = [BigInt(datanetId), content.hash, BigInt(content.bytes), content.records, maxBond, deadline, signature] as const;
        if (permitBond && token && tokenDomain.data) {
          // One signature (no gas) lets the registry take exactly the bond; then one transaction.
          const [, name, version, , verifyingContract] = tokenDomain.data;
          const [nonce, block] = await Promise.all([
            publicClient.readContract({ address: token, abi: openTokenAbi, functionName: "nonces", args: [address] }),
            publicClient.getBlock(),
          ]);
          const permitDeadline = block.timestamp + PERMIT_VALIDITY_SECONDS;
          const typed = permitTypedData({ domain: { name, version, chainId: chain.chainId, verifyingContract }, owner: address, spender: registry, value: maxBond, nonce, deadline: permitDeadline });
          const permit = permitArgs(maxBond, permitDeadline, await signTypedDataAsync(typed));
          const { request } = await publicClient.simulateContract({
            address: registry,
            abi: datanetRegistryAbi,
            account: address,
            functionName: "contributeWithPermit",
            args: [...args, terms, permit],
          });
          return writeContractAsync(request);
        }
        if (terms.kind === 0) {
          const { request } = await publicClient.simulateContract({ address: registry, abi: datanetRegistryAbi, account: address, functionName: "contribute", args });
          return writeContractAsync(request);
        }
        const { request } = await publicClient.simulateContract({ address: registry, abi: datanetRegistryAbi, account: address, functionName: "contributeWithTerms", args: [...args, terms] });
        return writeContractAsync(request);
      });
      const logs = parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: ["ContributionSubmitted", "ContributionReviewed"] });
      const submitted = logs.find((l) => l.eventName === "ContributionSubmitted");
      const reviewed = logs.find((l) => l.eventName === "ContributionReviewed");
      const id = submitted?.eventName === "ContributionSubmitted" ? submitted.args.contributionId : 0n;
      setDone({ id, accepted: !!reviewed, tx: receipt.transactionHash });
      setPhase("done");
      setContent(null);
      setAttestation(null);
      setPreview(null);
      setFile(null);
      setTerms(OPEN_TERMS);
      if (fileInput.current) fileInput.current.value = "";
      void allowance.refetch();
      void balance.refetch();
      router.refresh();
    } catch (err) {
      fail(err, "contribute");
    }
  }

  // The transaction in flight (signing or waiting for its receipt), if any.
  const txState = tx.state.status === "signing" || tx.state.status === "pending" ? tx.state.status : null;
  const txBusy = txState !== null;
  // False in the server HTML, true once React has attached the handlers (a file chosen earlier is lost).
  const hydrated = useSyncExternalStore(noSubscribe, () => true, () => false);

  return (
    <Card data-testid="contribute" data-hydrated={hydrated}>
      <CardContent className="space-y-4 pt-5">
        <div className="space-y-1.5">
          <label htmlFor={`${ids}-file`} className="text-sm font-medium">
            File to contribute
          </label>
          <input
            id={`${ids}-file`}
            ref={fileInput}
            type="file"
            accept={ACCEPTED_EXTENSIONS.join(",")}
            onChange={onFile}
            disabled={busy}
            className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-border file:bg-card file:px-3 file:py-1.5 file:text-sm file:font-medium hover:file:bg-muted"
          />
          <p className="text-xs text-muted-foreground">
            .txt and .md split into paragraphs, .jsonl into lines, .csv into rows; at most {formatBytes(MAX_CONTENT_BYTES)}. Each record is
            credited to you when a model uses it.
          </p>
        </div>

        {file && (phase === "uploading" || content) ? (
          <div className="space-y-1" data-testid="contribute-upload">
            <div className="flex justify-between text-xs text-muted-foreground">
              <span className="truncate">{file.name}</span>
              <span className="tabular-nums">{phase === "uploading" ? `Uploading ${Math.round(progress * 100)}%` : "Uploaded"}</span>
            </div>
            <div
              role="progressbar"
              aria-label="Upload progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(progress * 100)}
              className="h-1.5 overflow-hidden rounded-full bg-muted"
            >
              <div className="h-full bg-primary transition-[width]" style={{ width: `${Math.round(progress * 100)}%` }} />
            </div>
          </div>
        ) : null}

        {preview && phase !== "done" ? (
          <div className="space-y-3" data-testid="contribute-preview">
            <p className="text-sm">
              <span className="font-medium">{plural(content?.records ?? preview.records, "record")}</span>
              <span className="text-muted-foreground">
                {" "}
                · {formatBytes(content?.bytes ?? preview.bytes)} · {content?.format ?? preview.format}
                {content ? (
                  <>
                    {" "}
                    · hash <span className="font-mono">{shortHash(content.hash)}</span>
                  </>
                ) : (
                  " · not uploaded yet"
                )}
              </span>
            </p>
            {preview.first.length ? (
              <ol className="space-y-1.5" aria-label="Record preview">
                {preview.first.map((r, i) => (
                  <li key={i} className="line-clamp-3 whitespace-pre-wrap rounded-md bg-muted/40 px-3 py-2 text-xs">
                    {r}
                  </li>
                ))}
                {preview.records > preview.first.length ? (
                  <li className="text-xs text-muted-foreground">…and {formatNumber(preview.records - preview.first.length)} more</li>
                ) : null}
              </ol>
            ) : null}
            {content ? <OriginalityState query={originality} subject="file" curated={curated} /> : null}
            {content && !duplicateBlocked ? <ForecastState query={forecast} /> : null}
            <TermsPicker value={terms} onChange={setTerms} disabled={busy || txBusy} />
            <div className="rounded-md border border-border px-3 py-2 text-sm" data-testid="contribute-bond">
              <p>
                <span className="text-muted-foreground">Bond </span>
                <span className="font-medium tabular-nums" title={`${bond} wei`}>
                  {formatOpen(bond)}
                </span>
                <span className="text-muted-foreground">
                  {curated
                    ? " · returned when the owner accepts, sent to the Datanet's treasury if rejected"
                    : " · returned in the same transaction (open Datanet: accepted at once)"}
                </span>
              </p>
              <p className="mt-1 text-xs text-muted-foreground">
                Registering is an on-chain transaction: you also pay gas in {chain.nativeCurrency.symbol}
                {needsApproval ? ", for the approval and for the contribution" : ""}
                {permitBond ? " for one transaction: you sign a permit for the bond (no gas) and the contribution together" : ""}.
                {connected && balance.data !== undefined ? ` Your balance: ${formatOpen(balance.data)}.` : ""}
              </p>
            </div>
            {connected && !content && phase !== "uploading" ? (
              <p className="text-sm text-muted-foreground" data-testid="contribute-sign-in">
                {session.signedIn
                  ? "You are signed in: upload the file, then sign the contribution."
                  : "Sign in to upload: one signature (no transaction, no gas) ties the upload to your address. Then you sign the contribution."}
              </p>
            ) : null}
            {phase === "attesting" ? (
              <p className="text-sm text-muted-foreground" data-testid="contribute-attesting" aria-live="polite">
                Checking with the server that you uploaded this file first: its attestation lets only you register it (nothing to sign).
              </p>
            ) : null}
            <div className="flex flex-wrap items-center gap-2">
              {!connected ? (
                <Button onClick={() => openConnectModal?.()} disabled={!chain.configured}>
                  Connect wallet to contribute
                </Button>
              ) : !content ? (
                session.signedIn ? (
                  <Button onClick={() => file && void upload(file)} disabled={busy || wrongNetwork || !file} aria-busy={phase === "uploading"}>
                    {phase === "uploading" ? "Uploading…" : "Upload"}
                  </Button>
                ) : (
                  <SignInButton signIn={signIn} label="Sign in to upload" onSignIn={signInAndUpload} disabled={busy || !file} />
                )
              ) : needsApproval ? (
                <Button onClick={approve} disabled={busy || txBusy || shortOfOpen || wrongNetwork || duplicateBlocked} aria-busy={phase === "approving"}>
                  {phase === "approving" ? (txState === "pending" ? "Approving…" : "Waiting for signature…") : `Approve ${formatOpen(bond)}`}
                </Button>
              ) : (
                <Button onClick={contribute} disabled={busy || txBusy || allowance.data === undefined || wrongNetwork || duplicateBlocked || !termsValid(terms)} aria-busy={phase === "contributing"}>
                  {phase === "contributing" ? (txState === "pending" ? "Confirming…" : "Waiting for signature…") : "Sign and contribute"}
                </Button>
              )}
              {connected && content && needsApproval ? <span className="text-xs text-muted-foreground">Step 1 of 2: let the registry take the bond.</span> : null}
              <Button variant="ghost" onClick={reset} disabled={busy || txBusy}>
                Cancel
              </Button>
            </div>
            <WrongNetworkHint action="upload and contribute" />
            {connected && shortOfOpen && !failure ? <FailureBox failure={insufficientOpen()} /> : null}
          </div>
        ) : null}

        {txState ? (
          <p className="flex items-center gap-2 text-sm" data-testid="contribute-status" aria-live="polite">
            <Badge variant="info">{txState === "signing" ? "… Signing" : "… Pending"}</Badge>
            <span className="text-muted-foreground">
              {txState === "signing" ? "Confirm the transaction in your wallet." : "Waiting for the transaction to be confirmed."}
            </span>
          </p>
        ) : null}

        {failure ? <FailureBox failure={failure} /> : null}
        {signIn.failure ? <FailureBox failure={signIn.failure} /> : null}
        {connected && chain.isLocal && (shortOfOpen || failure?.title.startsWith("Not enough OPEN")) ? (
          <Button variant="outline" size="sm" onClick={faucet} disabled={txBusy || wrongNetwork}>
            Get 1,000 test OPEN from the faucet
          </Button>
        ) : null}

        {done ? (
          <div role="status" className="rounded-md border border-success/30 bg-success/5 px-4 py-3 text-sm" data-testid="contribute-done">
            <p className="flex items-center gap-2 font-medium">
              <Badge variant="success">Confirmed</Badge>
              {done.accepted
                ? `Your contribution #${done.id} was accepted at once`
                : `Your contribution #${done.id} is pending review`}
            </p>
            <p className="mt-1 text-muted-foreground">
              {done.accepted
                ? "This is an open Datanet: your bond came back in the same transaction."
                : "The Datanet's owner accepts it (your bond comes back) or rejects it (the bond goes to the treasury)."}{" "}
              Tx <span className="font-mono">{shortHash(done.tx)}</span>
            </p>
          </div>
        ) : null}

        {!chain.configured ? <p className="text-sm text-muted-foreground">Contributing is unavailable: {chain.problem}</p> : null}
      </CardContent>
    </Card>
  );
}

export function FailureBox({ failure }: { failure: Failure }) {
  return (
    <div role="alert" className={cn("rounded-md border px-4 py-3 text-sm", failure.soft ? "border-border bg-muted/40" : "border-destructive/40 bg-destructive/5")}>
      <p className="font-medium">{failure.title}</p>
      <p className="mt-1 break-words text-muted-foreground">{failure.message}</p>
      {failure.hint ? <p className="mt-1">{failure.hint}</p> : null}
    </div>
  );
}
