/**
 * Deploys the four Ledgerline contracts (OpenToken, DatanetRegistry, ModelRegistry, InferenceMarket),
 * grants the operator role and hands the market's admin role to `admin`.
 */
import { z } from "zod";
import {
  getAddress,
  isAddress,
  keccak256,
  toBytes,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import {
  datanetRegistryAbi,
  datanetRegistryBytecode,
  inferenceMarketAbi,
  inferenceMarketBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  openTokenAbi,
  openTokenBytecode,
} from "../../contracts-abi";

export const DEFAULT_PROTOCOL_BPS = 500;
export const DEFAULT_OPERATOR_BPS = 1000;
export const DEFAULT_REFUND_TIMEOUT_SECONDS = 600;
/** Minted to `admin` at token deployment unless `initialSupply` is given: 1,000,000,000 OPEN. */
export const DEFAULT_INITIAL_SUPPLY = 1_000_000_000n * 10n ** 18n;
/** Cap on protocolBps + operatorBps (InferenceMarket.MAX_FEE_BPS). */
export const MAX_FEE_BPS = 5000;

export const OPERATOR_ROLE: Hex = keccak256(toBytes("OPERATOR_ROLE"));
export const DEFAULT_ADMIN_ROLE: Hex = zeroHash;

const addressSchema = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), { message: "not an EVM address" })
  .transform((v) => getAddress(v) as Address);

export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  token: addressSchema,
  datanetRegistry: addressSchema,
  modelRegistry: addressSchema,
  inferenceMarket: addressSchema,
  /** Block of the first deployment transaction: where an indexer starts. */
  startBlock: z.number().int().nonnegative(),
  deployer: addressSchema,
});

export type Deployment = z.output<typeof deploymentSchema>;

export interface DeployOptions {
  publicClient: PublicClient;
  /** Must carry an account (local or JSON-RPC); it pays for and sends every transaction. */
  walletClient: WalletClient;
  /** Receives InferenceMarket's DEFAULT_ADMIN_ROLE (the deployer's is renounced when they differ). */
  admin: Address;
  /** Receives InferenceMarket's OPERATOR_ROLE. */
  operator: Address;
  protocolTreasury: Address;
  protocolBps?: number;
  operatorBps?: number;
  refundTimeoutSeconds?: number;
  /** Use an existing OPEN token instead of deploying one. */
  token?: Address;
  /** OPEN minted to `admin` by the token constructor (ignored with `token`). Default {@link DEFAULT_INITIAL_SUPPLY}. */
  initialSupply?: bigint;
}

function checkBps(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 10_000) throw new RangeError(`${name} must be an integer in 0..10000, got ${v}`);
}

export async function deployLedgerline(opts: DeployOptions): Promise<Deployment> {
  const { publicClient, walletClient } = opts;
  const account = walletClient.account;
  if (!account) throw new Error("deployLedgerline: walletClient has no account");
  const chain = walletClient.chain ?? null;
  const protocolBps = opts.protocolBps ?? DEFAULT_PROTOCOL_BPS;
  const operatorBps = opts.operatorBps ?? DEFAULT_OPERATOR_BPS;
  const refundTimeout = opts.refundTimeoutSeconds ?? DEFAULT_REFUND_TIMEOUT_SECONDS;
  checkBps("protocolBps", protocolBps);
  checkBps("operatorBps", operatorBps);
  if (protocolBps + operatorBps > MAX_FEE_BPS) {
    throw new RangeError(`protocolBps + operatorBps must be <= ${MAX_FEE_BPS}, got ${protocolBps + operatorBps}`);
  }
  if (!Number.isInteger(refundTimeout) || refundTimeout < 0) {
    throw new RangeError(`refundTimeoutSeconds must be a non-negative integer, got ${refundTimeout}`);
  }
  for (const [k, v] of Object.entries({ admin: opts.admin, operator: opts.operator, protocolTreasury: opts.protocolTreasury })) {
    if (!isAddress(v, { strict: false })) throw new Error(`deployLedgerline: ${k} is not an address: ${v}`);
  }

  const chainId = await publicClient.getChainId();
  const deployer = account.address;

  const confirm = async (hash: Hex, what: string): Promise<TransactionReceipt> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`deployLedgerline: ${what} reverted (tx ${hash})`);
    return receipt;
  };
  const deploy = async (what: string, abi: Abi, bytecode: Hex, args: readonly unknown[]) => {
    const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain });
    const receipt = await confirm(hash, `deploying ${what}`);
    if (!receipt.contractAddress) throw new Error(`deployLedgerline: no contract address for ${what} (tx ${hash})`);
    return { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber) };
  };

  let startBlock: number | undefined;
  let token: Address;
  if (opts.token) {
    token = getAddress(opts.token);
  } else {
    const t = await deploy("OpenToken", openTokenAbi, openTokenBytecode, [
      opts.admin,
      opts.initialSupply ?? DEFAULT_INITIAL_SUPPLY,
    ]);
    token = t.address;
    startBlock = t.blockNumber;
  }
  const datanets = await deploy("DatanetRegistry", datanetRegistryAbi, datanetRegistryBytecode, [token]);
  startBlock ??= datanets.blockNumber;
  const models = await deploy("ModelRegistry", modelRegistryAbi, modelRegistryBytecode, [datanets.address]);
  // The deployer administers the market until roles are set up, then hands admin over to `admin`.
  const market = await deploy("InferenceMarket", inferenceMarketAbi, inferenceMarketBytecode, [
    token,
    models.address,
    deployer,
    opts.protocolTreasury,
    protocolBps,
    operatorBps,
    BigInt(refundTimeout),
  ]);

  const write = async (functionName: "grantRole" | "renounceRole", args: readonly [Hex, Address], what: string) => {
    const hash = await walletClient.writeContract({
      address: market.address,
      abi: inferenceMarketAbi,
      functionName,
      args,
      account,
      chain,
    });
    await confirm(hash, what);
  };
  await write("grantRole", [OPERATOR_ROLE, opts.operator], "granting OPERATOR_ROLE");
  if (getAddress(opts.admin) !== getAddress(deployer)) {
    await write("grantRole", [DEFAULT_ADMIN_ROLE, opts.admin], "granting DEFAULT_ADMIN_ROLE");
    await write("renounceRole", [DEFAULT_ADMIN_ROLE, deployer], "renouncing the deployer's DEFAULT_ADMIN_ROLE");
  }

  return deploymentSchema.parse({
    chainId,
    token,
    datanetRegistry: datanets.address,
    modelRegistry: models.address,
    inferenceMarket: market.address,
    startBlock,
    deployer,
  });
}
