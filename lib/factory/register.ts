import { parseEventLogs, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from "viem";
import { modelRegistryAbi } from "@/contracts-abi";
import type { Deployment } from "@/lib/chain/deploy";

export interface Registration {
  metadataURI: string;
  metadataHash: `0x${string}`;
  artifactHash: `0x${string}`;
  datanetIds: readonly (bigint | string)[];
  versions: readonly number[];
  kind: number;
}

/** Registers a finished build on-chain as its builder (the wallet's account); returns the model id. */
export async function registerModel(opts: {
  wallet: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
  deployment: Pick<Deployment, "modelRegistry">;
  registration: Registration;
  price: bigint;
  builderBps: number;
}): Promise<{ modelId: bigint; tx: `0x${string}` }> {
  const r = opts.registration;
  const { request } = await opts.publicClient.simulateContract({
    account: opts.wallet.account,
    address: opts.deployment.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "registerModel",
    args: [r.metadataURI, r.metadataHash, r.artifactHash, r.datanetIds.map(BigInt), [...r.versions], opts.price, opts.builderBps, r.kind],
  });
  const tx = await opts.wallet.writeContract(request);
  const receipt = await opts.publicClient.waitForTransactionReceipt({ hash: tx });
  if (receipt.status !== "success") throw new Error(`registerModel reverted (${tx})`);
  const [event] = parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs, eventName: "ModelRegistered" });
  return { modelId: event.args.modelId, tx };
}
