/**
 * x402 `batch-settlement` contracts on the chain (issue 16; docs/design/x402-batch-settlement.md).
 *
 * The @x402/evm client, server scheme and facilitator hard-code where the contracts live: the settlement contract
 * and the ERC-3009 deposit collector at their CREATE2 canonical addresses, and Multicall3 at its well-known
 * address (the facilitator reads channel state through `tryAggregate`). Public chains have them there. A local
 * anvil has nothing: {@link installBatchSettlementLocally} deploys Ledgerline's own contracts
 * (contracts/X402BatchSettlement.sol, ERC3009DepositCollector.sol, Multicall3.sol) normally, then copies their
 * *deployed* code (immutables filled) to those addresses with `anvil_setCode`. The settlement contract writes no
 * storage at construction, and OpenZeppelin's EIP712 recomputes its domain for the address it runs at, so the copy
 * at the canonical address signs and verifies under the canonical domain.
 *
 * The addresses below are Ledgerline's own copies; contracts/test/batch-settlement.test.ts pins them (and the
 * EIP-712 domain and withdraw-delay bounds) to what the installed @x402/evm uses.
 */
import { getAddress, type Abi, type Address, type Hex, type PublicClient, type WalletClient } from "viem";
import {
  erc3009DepositCollectorAbi,
  erc3009DepositCollectorBytecode,
  multicall3Abi,
  multicall3Bytecode,
  x402BatchSettlementAbi,
  x402BatchSettlementBytecode,
} from "../../contracts-abi";
import { deployContract } from "./deploy-contract";

/** @x402/evm `BATCH_SETTLEMENT_ADDRESS`. */
export const BATCH_SETTLEMENT_ADDRESS: Address = "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003";
/** @x402/evm `ERC3009_DEPOSIT_COLLECTOR_ADDRESS`. */
export const ERC3009_DEPOSIT_COLLECTOR_ADDRESS: Address = "0x4020806089470a89826cB9fB1f4059150b550004";
/** The well-known Multicall3 address (the facilitator's `MULTICALL3_ADDRESS`, not exported by @x402/evm). */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** The settlement contract's EIP-712 domain name and version (channel ids, vouchers, refunds, claim batches). */
export const BATCH_SETTLEMENT_EIP712 = { name: "x402 Batch Settlement", version: "1" } as const;
/** Bounds on a channel's `withdrawDelay`, seconds (X402BatchSettlement.MIN/MAX_WITHDRAW_DELAY). */
export const MIN_WITHDRAW_DELAY = 900;
export const MAX_WITHDRAW_DELAY = 2_592_000;

/** The chain id on which the contracts are installed by code copy (anvil's; never a public chain). */
const LOCAL_CHAIN_ID = 31337;

export interface BatchSettlementAddresses {
  batchSettlement: Address;
  erc3009DepositCollector: Address;
  multicall3: Address;
}

export const CANONICAL_BATCH_SETTLEMENT: BatchSettlementAddresses = {
  batchSettlement: BATCH_SETTLEMENT_ADDRESS,
  erc3009DepositCollector: ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  multicall3: MULTICALL3_ADDRESS,
};

export interface InstallOptions {
  publicClient: PublicClient;
  /** Must carry an account; it pays for the three deployments. */
  walletClient: WalletClient;
}

/**
 * Deploys the three contracts and copies their runtime code to the canonical addresses (local anvil only: it
 * refuses another chain id). Returns the canonical addresses, where everything is used from. Deployment order is
 * fixed (settlement, collector, Multicall3), so called after the other deployments it moves no other address.
 */
export async function installBatchSettlementLocally({ publicClient, walletClient }: InstallOptions): Promise<BatchSettlementAddresses> {
  const account = walletClient.account;
  if (!account) throw new Error("installBatchSettlementLocally: walletClient has no account");
  const chainId = await publicClient.getChainId();
  if (chainId !== LOCAL_CHAIN_ID) {
    throw new Error(`installBatchSettlementLocally: chain ${chainId} is not the local chain (${LOCAL_CHAIN_ID}); use the canonical deployments there`);
  }

  const deployAndCopy = async (what: string, abi: readonly unknown[], bytecode: Hex, args: readonly unknown[], target: Address) => {
    const { address } = await deployContract(publicClient, walletClient, what, abi as Abi, bytecode, args);
    const code = await publicClient.getCode({ address });
    if (!code || code === "0x") throw new Error(`installBatchSettlementLocally: ${what} has no code at ${address}`);
    // anvil_setCode is not in viem's public RPC schema: a raw request.
    await (publicClient.request as (a: { method: string; params: unknown[] }) => Promise<unknown>)({
      method: "anvil_setCode",
      params: [target, code],
    });
    const copied = await publicClient.getCode({ address: target });
    if (copied !== code) throw new Error(`installBatchSettlementLocally: anvil_setCode did not place ${what} at ${target}`);
  };

  await deployAndCopy("X402BatchSettlement", x402BatchSettlementAbi, x402BatchSettlementBytecode, [], BATCH_SETTLEMENT_ADDRESS);
  // The collector's immutable is the settlement it serves: the canonical address, not the deployment's own.
  await deployAndCopy(
    "ERC3009DepositCollector",
    erc3009DepositCollectorAbi,
    erc3009DepositCollectorBytecode,
    [BATCH_SETTLEMENT_ADDRESS],
    ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  );
  await deployAndCopy("Multicall3", multicall3Abi, multicall3Bytecode, [], MULTICALL3_ADDRESS);

  // The copy must answer under the canonical EIP-712 domain (a storage-backed name would not have been copied).
  const [, name, version, domainChainId, verifyingContract] = await publicClient.readContract({
    address: BATCH_SETTLEMENT_ADDRESS,
    abi: x402BatchSettlementAbi,
    functionName: "eip712Domain",
  });
  if (
    name !== BATCH_SETTLEMENT_EIP712.name ||
    version !== BATCH_SETTLEMENT_EIP712.version ||
    Number(domainChainId) !== chainId ||
    getAddress(verifyingContract) !== BATCH_SETTLEMENT_ADDRESS
  ) {
    throw new Error(`installBatchSettlementLocally: the copied settlement contract has domain ${name}/${version}/${domainChainId}/${verifyingContract}`);
  }
  return { ...CANONICAL_BATCH_SETTLEMENT };
}
