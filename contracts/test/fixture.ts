/**
 * Shared test fixture: a fresh anvil per test file, Ledgerline deployed with lib/chain/deploy.ts (token,
 * registries, market, vOPEN, Governor, Timelock), named dev accounts funded through the faucet, and helpers
 * for transactions, events, revert names, the clock and signatures.
 *
 * Two modes: "admin" (the `admin` dev account holds every admin role, for tests that set parameters
 * directly) and "governor" (no admin: the timelock holds the roles, as in every real deployment, and only a
 * Governor proposal changes anything; see ./proposals.ts).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  getContract,
  http,
  keccak256,
  maxUint256,
  parseEventLogs,
  toHex,
  type Abi,
  type Account,
  type Address,
  type ContractEventName,
  type Hex,
  type LocalAccount,
  type ParseEventLogsReturnType,
  type TransactionReceipt,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { startAnvil, ANVIL_MNEMONIC, type Anvil } from "../../lib/chain/anvil";
import { deployLedgerline, type Deployment } from "../../lib/chain/deploy";
import type { GovernanceParams, MarketDefaults } from "../../lib/governance/params";
import {
  datanetRegistryAbi,
  inferenceMarketAbi,
  ledgerlineErrorsAbi,
  ledgerlineGovernorAbi,
  ledgerlineTimelockAbi,
  modelRegistryAbi,
  openTokenAbi,
  openVotesAbi,
} from "../../contracts-abi";
import { AUTHORIZATION_TYPES, type Eip3009Authorization } from "../../lib/chain/eip3009";
import { versionRoot } from "../../lib/chain/merkle";

export const OPEN = 10n ** 18n;
export const FAUCET_MAX = 100_000n * OPEN;

/** Dev accounts by role (anvil's default mnemonic, indexes 0..9). */
export const ROLES = [
  "admin", // deployer; holds the admin roles in "admin" mode, nothing in "governor" mode
  "operator", // staked by the deployment, root poster
  "treasury", // protocol treasury
  "builder",
  "owner", // Datanet owner
  "alice",
  "bob",
  "carol",
  "dave",
  "eve", // the stranger: no role anywhere
] as const;
export type Role = (typeof ROLES)[number];

const pollingInterval = 20;

function makeClients(rpcUrl: string) {
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval });
  const testClient = createTestClient({ chain: foundry, transport, mode: "anvil", pollingInterval });
  return { transport, publicClient, testClient };
}

function walletFor(rpcUrl: string, account: Account) {
  return createWalletClient({ chain: foundry, transport: http(rpcUrl), account, pollingInterval });
}

function contractsFor(deployment: Deployment, rpcUrl: string, account: Account) {
  const { publicClient } = makeClients(rpcUrl);
  const wallet = walletFor(rpcUrl, account);
  const client = { public: publicClient, wallet };
  return {
    wallet,
    token: getContract({ address: deployment.token, abi: openTokenAbi, client }),
    datanets: getContract({ address: deployment.datanetRegistry, abi: datanetRegistryAbi, client }),
    models: getContract({ address: deployment.modelRegistry, abi: modelRegistryAbi, client }),
    market: getContract({ address: deployment.inferenceMarket, abi: inferenceMarketAbi, client }),
    votes: getContract({ address: deployment.openVotes, abi: openVotesAbi, client }),
    governor: getContract({ address: deployment.governor, abi: ledgerlineGovernorAbi, client }),
    timelock: getContract({ address: deployment.timelock, abi: ledgerlineTimelockAbi, client }),
  };
}
export type Contracts = ReturnType<typeof contractsFor>;

export type SetupMode = "admin" | "governor";

export interface Ledgerline {
  anvil: Anvil;
  mode: SetupMode;
  publicClient: ReturnType<typeof makeClients>["publicClient"];
  testClient: ReturnType<typeof makeClients>["testClient"];
  deployment: Deployment;
  accounts: Record<Role, LocalAccount>;
  addr: Record<Role, Address>;
  /** Contracts bound to a role's wallet: `as.alice.market.write.pay([...])`. */
  as: Record<Role, Contracts>;
  /** Read-only contracts. */
  read: Contracts;
  /** Contracts bound to any account (e.g. a fresh key). */
  contractsFor(account: Account): Contracts;
  /** Waits for a tx, asserts success, returns the receipt. */
  send(tx: Promise<Hex> | Hex): Promise<TransactionReceipt>;
  /** Mints OPEN with the faucet (in chunks of at most FAUCET_MAX). */
  fund(to: Address, amount: bigint): Promise<void>;
  now(): Promise<bigint>;
  /** Moves the chain's clock forward by `seconds` (at least 1) and mines a block at the new time. */
  increaseTime(seconds: number): Promise<void>;
  blockNumber(): Promise<bigint>;
  /** evm_snapshot / evm_revert: cheap resets between property runs. */
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  balanceOf(account: Address): Promise<bigint>;
  stop(): Promise<void>;
}

export interface SetupOptions {
  /** Default "admin". */
  mode?: SetupMode;
  protocolBps?: number;
  operatorBps?: number;
  /** Refund timeout, challenge window, unbonding delay, stakes, dispute bond (local-chain defaults otherwise). */
  market?: Partial<MarketDefaults>;
  governance?: Partial<GovernanceParams>;
  /** DatanetRegistry's content attester at deployment (default none). */
  attester?: Address;
  /** OPEN staked for the operator at deployment (default: the minimum stake). */
  operatorStake?: bigint;
  /** OPEN each of the non-admin roles gets from the faucet (default 100,000). */
  fundEach?: bigint;
}

export async function setupLedgerline(opts: SetupOptions = {}): Promise<Ledgerline> {
  const mode = opts.mode ?? "admin";
  const anvil = await startAnvil();
  try {
    const { publicClient, testClient } = makeClients(anvil.rpcUrl);
    // Deterministic chain time: each block is one second after the previous one, never the wall clock, and
    // time moves further only by increaseTime. Without this, consecutive blocks can share a timestamp and a
    // gas estimate made at one timestamp can fall short at the next (e.g. postEpoch extends the poster's
    // stake lock only when its window ends later than the lock), so a transaction would run out of gas.
    await testClient.request({ method: "anvil_setBlockTimestampInterval", params: [1] } as never);
    const accounts = Object.fromEntries(
      ROLES.map((r, i) => [r, mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i })]),
    ) as unknown as Record<Role, LocalAccount>;
    const addr = Object.fromEntries(ROLES.map((r) => [r, accounts[r].address])) as Record<Role, Address>;

    const deployment = await deployLedgerline({
      publicClient,
      walletClient: walletFor(anvil.rpcUrl, accounts.admin),
      admin: mode === "admin" ? addr.admin : undefined,
      operator: addr.operator,
      protocolTreasury: addr.treasury,
      protocolBps: opts.protocolBps,
      operatorBps: opts.operatorBps,
      market: opts.market,
      governance: opts.governance,
      attester: opts.attester,
      operatorStake: opts.operatorStake,
    });

    const as = Object.fromEntries(
      ROLES.map((r) => [r, contractsFor(deployment, anvil.rpcUrl, accounts[r])]),
    ) as Record<Role, Contracts>;

    const send = async (tx: Promise<Hex> | Hex) => {
      const hash = await tx;
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval });
      if (receipt.status !== "success") throw new Error(`tx ${hash} reverted`);
      return receipt;
    };
    const fund = async (to: Address, amount: bigint) => {
      for (let left = amount; left > 0n; ) {
        const chunk = left > FAUCET_MAX ? FAUCET_MAX : left;
        await send(as.admin.token.write.faucet([to, chunk]));
        left -= chunk;
      }
    };
    const fundEach = opts.fundEach ?? 100_000n * OPEN;
    for (const r of ROLES) if (r !== "admin" && fundEach > 0n) await fund(addr[r], fundEach);

    return {
      anvil,
      mode,
      publicClient,
      testClient,
      deployment,
      accounts,
      addr,
      as,
      read: as.eve,
      contractsFor: (account) => contractsFor(deployment, anvil.rpcUrl, account),
      send,
      fund,
      now: async () => (await publicClient.getBlock({ blockTag: "latest" })).timestamp,
      increaseTime: async (seconds) => {
        // With the fixed block interval evm_increaseTime has no effect: set the next block's time instead.
        const latest = await publicClient.getBlock({ blockTag: "latest" });
        await testClient.setNextBlockTimestamp({ timestamp: latest.timestamp + BigInt(Math.max(1, seconds)) });
        await testClient.mine({ blocks: 1 });
      },
      blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
      snapshot: () => testClient.snapshot(),
      revert: async (id) => {
        await testClient.revert({ id });
      },
      balanceOf: (account) => as.eve.token.read.balanceOf([account]),
      stop: () => anvil.stop(),
    };
  } catch (e) {
    await anvil.stop();
    throw e;
  }
}

/**
 * The custom error name of a reverted contract call (decoding errors that bubble up from other
 * Ledgerline contracts too), or undefined when `err` is not a contract revert.
 */
export function revertName(err: unknown): string | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data?.errorName) return reverted.data.errorName;
  if (reverted.raw) {
    try {
      return decodeErrorResult({ abi: ledgerlineErrorsAbi, data: reverted.raw }).errorName;
    } catch {
      return `unknown error ${reverted.raw.slice(0, 10)}`;
    }
  }
  return reverted.reason ? `reason: ${reverted.reason}` : undefined;
}

/** Awaits `p`, expecting a revert with the custom error `name`; returns the decoded args. */
export async function expectRevert(p: Promise<unknown>, name: string): Promise<readonly unknown[] | undefined> {
  try {
    await p;
  } catch (err) {
    const got = revertName(err);
    if (got !== name) {
      throw new Error(`expected revert ${name}, got ${got ?? "a non-revert error"}: ${(err as Error).message}`);
    }
    const reverted = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
    const data = (reverted as ContractFunctionRevertedError).data;
    if (data) return data.args;
    const raw = (reverted as ContractFunctionRevertedError).raw;
    return raw ? decodeErrorResult({ abi: ledgerlineErrorsAbi, data: raw }).args : undefined;
  }
  throw new Error(`expected revert ${name}, but the call succeeded`);
}

/** Decoded events of `eventName` in a receipt. */
export function eventsOf<const abi extends Abi, name extends ContractEventName<abi>>(
  abi: abi,
  receipt: TransactionReceipt,
  eventName: name,
): ParseEventLogsReturnType<abi, name, true> {
  return parseEventLogs({ abi, logs: receipt.logs, eventName, strict: true }) as ParseEventLogsReturnType<abi, name, true>;
}

/** A fresh random bytes32 (EIP-3009 nonce, request hash, content hash). */
export function randomHash(): Hex {
  return keccak256(toHex(crypto.getRandomValues(new Uint8Array(32))));
}

export { AUTHORIZATION_TYPES };

export type Authorization = Eip3009Authorization;

/** Signs an EIP-3009 authorization for the OPEN token with `signer` (the EIP-712 domain: "Open", "1"). */
export function signAuthorization(
  signer: LocalAccount,
  token: Address,
  auth: Authorization,
  primaryType: "TransferWithAuthorization" | "ReceiveWithAuthorization" = "TransferWithAuthorization",
): Promise<Hex> {
  return signer.signTypedData({
    domain: { name: "Open", version: "1", chainId: foundry.id, verifyingContract: token },
    types: AUTHORIZATION_TYPES,
    primaryType,
    message: auth,
  });
}

/** An authorization valid from now-1 to now+1h (block time). */
export async function freshAuthorization(
  ctx: Ledgerline,
  from: Address,
  to: Address,
  value: bigint,
  over: Partial<Authorization> = {},
): Promise<Authorization> {
  const now = await ctx.now();
  return { from, to, value, validAfter: now - 1n, validBefore: now + 3600n, nonce: randomHash(), ...over };
}

/** EIP-712 type of DatanetRegistry's content attestations (domain "DatanetRegistry", "1"). */
export const CONTENT_ATTESTATION_TYPES = {
  ContentAttestation: [
    { name: "datanetId", type: "uint256" },
    { name: "contentHash", type: "bytes32" },
    { name: "uploader", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export interface ContentAttestation {
  datanetId: bigint;
  contentHash: Hex;
  uploader: Address;
  deadline: bigint;
}

/** The attester's binding of `contentHash` to its uploader, as the content server would sign it. */
export function signAttestation(attester: LocalAccount, registry: Address, a: ContentAttestation): Promise<Hex> {
  return attester.signTypedData({
    domain: { name: "DatanetRegistry", version: "1", chainId: foundry.id, verifyingContract: registry },
    types: CONTENT_ATTESTATION_TYPES,
    primaryType: "ContentAttestation",
    message: a,
  });
}

/**
 * Posts `root` with `total` as the operator (or `by`), covering blocks up to the current head (so the pool it
 * declares is the whole settled pool); returns its epoch.
 */
export async function postRoot(
  ctx: Ledgerline,
  root: Hex,
  total: bigint,
  by: Role = "operator",
): Promise<{ epoch: number; receipt: TransactionReceipt }> {
  const throughBlock = await ctx.blockNumber();
  const poolThrough = await ctx.read.market.read.totalContributorPool();
  const receipt = await ctx.send(ctx.as[by].market.write.postEpoch([root, total, throughBlock, poolThrough]));
  const [ev] = eventsOf(inferenceMarketAbi, receipt, "EpochPosted");
  return { epoch: Number(ev.args.epoch), receipt };
}

/** Waits out epoch `e`'s challenge window on the chain's clock and finalizes it. */
export async function finalizeAfterWindow(ctx: Ledgerline, e: number): Promise<TransactionReceipt> {
  const window = await ctx.read.market.read.challengeWindow();
  const x = await ctx.read.market.read.getEpoch([BigInt(e)]);
  const wait = Number(x.postedAt + window - (await ctx.now()));
  if (wait > 0) await ctx.increaseTime(wait);
  return ctx.send(ctx.as.eve.market.write.finalizeEpoch([e]));
}

/** EpochRoots.EpochStatus. */
export const EpochStatus = { None: 0, Pending: 1, Disputed: 2, Final: 3, Discarded: 4 } as const;

/** What the market owes, by kind, and what it holds. */
export async function marketBooks(ctx: Ledgerline) {
  const m = ctx.read.market.read;
  const [balance, escrow, credits, pool, claimed, epochTotal, staked, bonds, unbooked] = await Promise.all([
    ctx.balanceOf(ctx.deployment.inferenceMarket),
    m.totalEscrow(),
    m.totalCredits(),
    m.totalContributorPool(),
    m.claimedTotal(),
    m.epochTotal(),
    m.totalStaked(),
    m.totalDisputeBonds(),
    m.unbookedChannelFunds(),
  ]);
  return {
    balance,
    escrow,
    credits,
    pool,
    claimed,
    epochTotal,
    staked,
    bonds,
    unbooked,
    owed: escrow + credits + (pool - claimed) + staked + bonds + unbooked,
  };
}

/**
 * The market's books balance to the wei: its OPEN == escrow + unwithdrawn credits + unclaimed contributor pool
 * + stakes + dispute bonds + batch-settlement payments not yet booked (no surplus unless `surplus` is given), and claims stay within the final root,
 * whose total stays within the settled pool.
 */
export async function expectBooksBalanced(ctx: Ledgerline, surplus = 0n): Promise<void> {
  const b = await marketBooks(ctx);
  if (b.balance !== b.owed + surplus) {
    throw new Error(`market books off: balance ${b.balance}, owed ${b.owed} + expected surplus ${surplus} (${JSON.stringify(b, (_, v) => (typeof v === "bigint" ? v.toString() : v))})`);
  }
  if (!(b.claimed <= b.epochTotal && b.epochTotal <= b.pool)) {
    throw new Error(`claims outside the bounds: claimed ${b.claimed}, final root total ${b.epochTotal}, pool ${b.pool}`);
  }
}

/**
 * A model to pay for: an open Datanet (owned by `owner`) with one contribution by `alice`, its version 1, and a
 * model registered on it by `builder` at `price` with `builderBps`.
 */
export async function seedModel(ctx: Ledgerline, price: bigint, builderBps: number): Promise<bigint> {
  const created = await ctx.send(ctx.as.owner.datanets.write.createDatanet([randomHash(), "ipfs://d", 0n, false, ctx.addr.owner]));
  const datanetId = eventsOf(datanetRegistryAbi, created, "DatanetCreated")[0].args.datanetId;
  const contentHash = randomHash();
  const c = await ctx.send(ctx.as.alice.datanets.write.contribute([datanetId, contentHash, 10n, 1, 0n, 0n, "0x"]));
  const id = eventsOf(datanetRegistryAbi, c, "ContributionSubmitted")[0].args.contributionId;
  await ctx.send(ctx.as.owner.datanets.write.publishVersion([datanetId, versionRoot([{ id, contentHash }]), 1]));
  const r = await ctx.send(
    ctx.as.builder.models.write.registerModel(["ipfs://m", randomHash(), randomHash(), [datanetId], [1], price, builderBps, 0]),
  );
  return eventsOf(modelRegistryAbi, r, "ModelRegistered")[0].args.modelId;
}

/** `payer` pays for `modelId` (allowance needed) with a fresh request hash. */
export async function payFor(ctx: Ledgerline, payer: Role, modelId: bigint) {
  const requestHash = randomHash();
  const receipt = await ctx.send(ctx.as[payer].market.write.pay([modelId, requestHash, maxUint256]));
  const [ev] = eventsOf(inferenceMarketAbi, receipt, "InferencePaid");
  return { requestId: ev.args.requestId, requestHash, price: ev.args.price, receipt };
}

/** The operator (or `by`) settles a request; returns the InferenceSettled args. */
export async function settleRequest(ctx: Ledgerline, requestId: bigint, requestHash: Hex, by: Role = "operator") {
  const receipt = await ctx.send(ctx.as[by].market.write.settle([requestId, requestHash, randomHash(), randomHash()]));
  return eventsOf(inferenceMarketAbi, receipt, "InferenceSettled")[0].args;
}

/** `n` payments by `payer`, each settled by the operator: grows the contributor pool; returns how much. */
export async function settleSome(ctx: Ledgerline, modelId: bigint, n: number, payer: Role = "carol"): Promise<bigint> {
  let pool = 0n;
  for (let i = 0; i < n; i++) {
    const { requestId, requestHash } = await payFor(ctx, payer, modelId);
    pool += (await settleRequest(ctx, requestId, requestHash)).contributorPool;
  }
  return pool;
}
