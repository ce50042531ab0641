/**
 * Deploys Ledgerline: OpenToken, DatanetRegistry, ModelRegistry, InferenceMarket and the governance that owns
 * them (OpenVotes, LedgerlineTimelock, LedgerlineGovernor). The operator is staked from the deployer's OPEN
 * and named root poster; every admin role ends with the timelock (or, in tests, with `admin`).
 * On the local chain it then installs the x402 batch-settlement contracts at their canonical addresses
 * (lib/chain/batch-settlement.ts).
 */
import { z } from "zod";
import {
  concat,
  getAddress,
  isAddress,
  keccak256,
  zeroAddress,
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
  ledgerlineGovernorAbi,
  ledgerlineGovernorBytecode,
  ledgerlineTimelockAbi,
  ledgerlineTimelockBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  openTokenAbi,
  openTokenBytecode,
  openVotesAbi,
  openVotesBytecode,
  erc3009DepositCollectorBytecode,
  multicall3Bytecode,
  x402BatchSettlementBytecode,
} from "../../contracts-abi";
import { BATCH_SETTLEMENT_ADDRESS, installBatchSettlementLocally } from "./batch-settlement";
import { deployContract } from "./deploy-contract";
import { governanceDefaults, type GovernanceParams, type MarketDefaults, marketDefaults } from "../governance/params";

export const DEFAULT_PROTOCOL_BPS = 500;
export const DEFAULT_OPERATOR_BPS = 1000;
/** Minted to the deployer (or `admin`) at token deployment unless `initialSupply` is given: 1,000,000,000 OPEN. */
export const DEFAULT_INITIAL_SUPPLY = 1_000_000_000n * 10n ** 18n;
/** Cap on protocolBps + operatorBps (InferenceMarket.MAX_FEE_BPS). */
export const MAX_FEE_BPS = 5000;
export const DEFAULT_ADMIN_ROLE: Hex = zeroHash;
/** anvil's chain id: the batch-settlement contracts are installed there by code copy. */
const LOCAL_CHAIN_ID = 31337;

/** One hash of every deployable's bytecode: a deployment made from other contracts is stale. */
export const CONTRACTS_VERSION: Hex = keccak256(
  concat([
    openTokenBytecode,
    datanetRegistryBytecode,
    modelRegistryBytecode,
    inferenceMarketBytecode,
    openVotesBytecode,
    ledgerlineTimelockBytecode,
    ledgerlineGovernorBytecode,
    x402BatchSettlementBytecode,
    erc3009DepositCollectorBytecode,
    multicall3Bytecode,
  ]),
);

const addressSchema = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), { message: "not an EVM address" })
  .transform((v) => getAddress(v) as Address);

export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  /** {@link CONTRACTS_VERSION} of the code deployed. */
  contractsVersion: z.string().regex(/^0x[0-9a-f]{64}$/),
  token: addressSchema,
  datanetRegistry: addressSchema,
  modelRegistry: addressSchema,
  inferenceMarket: addressSchema,
  openVotes: addressSchema,
  timelock: addressSchema,
  governor: addressSchema,
  /**
   * x402 `batch-settlement` (issue 16): the settlement contract, its ERC-3009 deposit collector and Multicall3, at
   * the canonical addresses @x402/evm hard-codes. Recorded when the deployment installed them (the local chain, see
   * lib/chain/batch-settlement.ts); absent in deployment files of chains where the canonical deployments are used.
   */
  batchSettlement: addressSchema.optional(),
  erc3009DepositCollector: addressSchema.optional(),
  multicall3: addressSchema.optional(),
  /** Block of the first deployment transaction: where an indexer starts. */
  startBlock: z.number().int().nonnegative(),
  deployer: addressSchema,
});

export type Deployment = z.output<typeof deploymentSchema>;

export interface DeployOptions {
  publicClient: PublicClient;
  /** Must carry an account (local or JSON-RPC); it pays for and sends every transaction. */
  walletClient: WalletClient;
  /** Staked (from the deployer's OPEN) and named root poster. */
  operator: Address;
  protocolTreasury: Address;
  /**
   * Holds every admin role instead of the timelock: tests that set parameters directly. Everything else
   * (`npm start`, deployments) leaves it unset, so only the Governor can change anything.
   */
  admin?: Address;
  /** Signs content attestations for DatanetRegistry (unset: contributions need no attestation). */
  attester?: Address;
  protocolBps?: number;
  operatorBps?: number;
  /** Market parameters (refund timeout, challenge window, stake, dispute bond); defaults per chain. */
  market?: Partial<MarketDefaults>;
  /** Governor and timelock settings; defaults per chain. */
  governance?: Partial<GovernanceParams>;
  /** OPEN staked for the operator (default: the minimum stake). */
  operatorStake?: bigint;
  /** Use an existing OPEN token instead of deploying one. */
  token?: Address;
  /** OPEN minted by the token constructor (ignored with `token`). Default {@link DEFAULT_INITIAL_SUPPLY}. */
  initialSupply?: bigint;
  /**
   * Install the x402 batch-settlement contracts at their canonical addresses by code copy, after everything else
   * (so no other address moves). Default: on the local chain (31337) only, where nothing else could put them
   * there; `false` skips it. Never on another chain.
   */
  batchSettlement?: boolean;
}

function checkBps(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 10_000) throw new RangeError(`${name} must be an integer in 0..10000, got ${v}`);
}

export async function deployLedgerline(opts: DeployOptions): Promise<Deployment> {
  const { publicClient, walletClient } = opts;
  const account = walletClient.account;
  if (!account) throw new Error("deployLedgerline: walletClient has no account");
  const chain = walletClient.chain ?? null;
  const chainId = await publicClient.getChainId();
  const protocolBps = opts.protocolBps ?? DEFAULT_PROTOCOL_BPS;
  const operatorBps = opts.operatorBps ?? DEFAULT_OPERATOR_BPS;
  checkBps("protocolBps", protocolBps);
  checkBps("operatorBps", operatorBps);
  if (protocolBps + operatorBps > MAX_FEE_BPS) {
    throw new RangeError(`protocolBps + operatorBps must be <= ${MAX_FEE_BPS}, got ${protocolBps + operatorBps}`);
  }
  const market = { ...marketDefaults(chainId), ...opts.market };
  const installBatch = opts.batchSettlement ?? chainId === LOCAL_CHAIN_ID;
  const gov = { ...governanceDefaults(chainId), ...opts.governance };
  for (const [k, v] of Object.entries({ operator: opts.operator, protocolTreasury: opts.protocolTreasury })) {
    if (!isAddress(v, { strict: false })) throw new Error(`deployLedgerline: ${k} is not an address: ${v}`);
  }
  const deployer = account.address;

  const confirm = async (hash: Hex, what: string): Promise<TransactionReceipt> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`deployLedgerline: ${what} reverted (tx ${hash})`);
    return receipt;
  };
  const deploy = (what: string, abi: Abi, bytecode: Hex, args: readonly unknown[]) => deployContract(publicClient, walletClient, what, abi, bytecode, args);
  const write = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[], what: string) => {
    const hash = await walletClient.writeContract({ address, abi, functionName, args, account, chain } as never);
    await confirm(hash, what);
  };

  let startBlock: number | undefined;
  let token: Address;
  if (opts.token) {
    token = getAddress(opts.token);
  } else {
    const t = await deploy("OpenToken", openTokenAbi, openTokenBytecode, [deployer, opts.initialSupply ?? DEFAULT_INITIAL_SUPPLY]);
    token = t.address;
    startBlock = t.blockNumber;
  }

  // Governance first: the timelock is every contract's admin from its constructor on. The deployer is the
  // timelock's admin only until the Governor is wired in, then renounces.
  const votes = await deploy("OpenVotes", openVotesAbi, openVotesBytecode, [token]);
  startBlock ??= votes.blockNumber;
  const timelock = await deploy("LedgerlineTimelock", ledgerlineTimelockAbi, ledgerlineTimelockBytecode, [
    BigInt(gov.timelockDelaySeconds),
    [],
    [zeroAddress],
    deployer,
  ]);
  const governor = await deploy("LedgerlineGovernor", ledgerlineGovernorAbi, ledgerlineGovernorBytecode, [
    votes.address,
    timelock.address,
    gov.votingDelaySeconds,
    gov.votingPeriodSeconds,
    gov.proposalThreshold,
    BigInt(gov.quorumPercent),
  ]);
  const roles = await timelockRoles(publicClient, timelock.address);
  await write(timelock.address, ledgerlineTimelockAbi, "grantRole", [roles.proposer, governor.address], "letting the Governor propose");
  await write(timelock.address, ledgerlineTimelockAbi, "grantRole", [roles.canceller, governor.address], "letting the Governor cancel");
  await write(timelock.address, ledgerlineTimelockAbi, "renounceRole", [DEFAULT_ADMIN_ROLE, deployer], "renouncing the timelock admin");
  const admin = opts.admin ? getAddress(opts.admin) : timelock.address;

  const datanets = await deploy("DatanetRegistry", datanetRegistryAbi, datanetRegistryBytecode, [
    token,
    admin,
    opts.attester ?? zeroAddress,
  ]);
  const models = await deploy("ModelRegistry", modelRegistryAbi, modelRegistryBytecode, [datanets.address]);
  const marketContract = await deploy("InferenceMarket", inferenceMarketAbi, inferenceMarketBytecode, [
    token,
    models.address,
    admin,
    {
      protocolTreasury: getAddress(opts.protocolTreasury),
      protocolBps,
      operatorBps,
      refundTimeout: BigInt(market.refundTimeoutSeconds),
      challengeWindow: BigInt(market.challengeWindowSeconds),
      unbondingDelay: BigInt(market.unbondingDelaySeconds),
      minStake: market.minStake,
      disputeBond: market.disputeBond,
      challengerRewardBps: market.challengerRewardBps,
      rootPoster: getAddress(opts.operator),
    },
    // Where the market books batch-settlement payments from: the canonical address (installed there below on the
    // local chain; the canonical deployment elsewhere), none when a local deployment skips the install.
    installBatch || chainId !== LOCAL_CHAIN_ID ? BATCH_SETTLEMENT_ADDRESS : zeroAddress,
  ]);

  const stake = opts.operatorStake ?? market.minStake;
  if (stake > 0n) {
    await write(token, openTokenAbi, "approve", [marketContract.address, stake], "approving the operator's stake");
    await write(marketContract.address, inferenceMarketAbi, "stake", [getAddress(opts.operator), stake], "staking for the operator");
  }

  // Last: deployed after every other contract, so adding them moved no existing address.
  const batch = installBatch ? await installBatchSettlementLocally({ publicClient, walletClient }) : undefined;

  return deploymentSchema.parse({
    chainId,
    contractsVersion: CONTRACTS_VERSION,
    token,
    datanetRegistry: datanets.address,
    modelRegistry: models.address,
    inferenceMarket: marketContract.address,
    openVotes: votes.address,
    timelock: timelock.address,
    governor: governor.address,
    startBlock,
    deployer,
    ...batch,
  });
}

async function timelockRoles(client: PublicClient, timelock: Address) {
  const read = (functionName: "PROPOSER_ROLE" | "CANCELLER_ROLE") =>
    client.readContract({ address: timelock, abi: ledgerlineTimelockAbi, functionName }) as Promise<Hex>;
  const [proposer, canceller] = await Promise.all([read("PROPOSER_ROLE"), read("CANCELLER_ROLE")]);
  return { proposer, canceller };
}
