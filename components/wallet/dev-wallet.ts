"use client";

import type { Wallet } from "@rainbow-me/rainbowkit";
import {
  createWalletClient,
  getAddress,
  hexToBigInt,
  hexToNumber,
  http,
  numberToHex,
  SwitchChainError,
  UnauthorizedProviderError,
  type Address,
  type Chain,
  type Hex,
  type WalletClient,
} from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { ChainNotConfiguredError, createConnector } from "wagmi";

/**
 * The local chain's "Dev wallet": a wagmi connector (wrapped as a RainbowKit wallet) that holds the
 * anvil dev accounts derived from the well-known test mnemonic, signs in the page and sends raw signed
 * transactions to the RPC. No browser extension needed. Only ever offered when the chain is local.
 */

export const DEV_WALLET_ID = "ledgerlineDev";
// All ten anvil accounts: the demo seeds operator 0, curator 1, contributors 2–6 and users 7–9.
export const DEV_WALLET_DEFAULT_ACCOUNTS = 10;

const ACCOUNT_KEY = "ledgerline.devWallet.account";
const CONNECTED_KEY = "ledgerline.devWallet.connected";

export interface DevWalletParameters {
  /** BIP-39 mnemonic (anvil's default on the local chain). */
  mnemonic: string;
  /** How many accounts (m/44'/60'/0'/0/i) to offer: default 10 (indexes 0..9). */
  accounts?: number;
  /** Account index used until the user picks another (persisted in localStorage). Default 0. */
  defaultAccount?: number;
}

/** Extra methods on the dev connector instance (read them from `useAccount().connector`). */
export interface DevWalletProperties extends Record<string, unknown> {
  /** Switch the active dev account; emits a wagmi `change` event when connected. */
  selectAccount(index: number): void;
  /** Index of the active dev account. */
  getAccountIndex(): number;
  /** Addresses of every dev account, by index. */
  listAccounts(): readonly Address[];
}

export interface DevWalletProvider {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
}

function storageGet(key: string): string | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key: string, value: string | null): void {
  try {
    if (typeof window === "undefined") return;
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Storage may be unavailable (private mode); the wallet still works for this page.
  }
}

class DevWalletNotConnectedError extends Error {
  override name = "ConnectorNotConnectedError";
  constructor() {
    super("The dev wallet is not connected.");
  }
}

interface RpcTransactionRequest {
  from?: Hex;
  to?: Hex | null;
  data?: Hex;
  input?: Hex;
  value?: Hex;
  gas?: Hex;
  gasPrice?: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  nonce?: Hex;
}

const big = (v: Hex | undefined) => (v === undefined || v === null ? undefined : hexToBigInt(v));

/** eth_sendTransaction params (hex quantities) → viem's sendTransaction parameters. */
function fromRpcTransaction(tx: RpcTransactionRequest) {
  const fees =
    tx.gasPrice !== undefined
      ? { gasPrice: big(tx.gasPrice) }
      : { maxFeePerGas: big(tx.maxFeePerGas), maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas) };
  return {
    to: tx.to ?? undefined,
    data: tx.data ?? tx.input,
    value: big(tx.value),
    gas: big(tx.gas),
    nonce: tx.nonce !== undefined ? hexToNumber(tx.nonce) : undefined,
    ...fees,
  };
}

type TypedField = { name: string; type: string };

/**
 * eth_signTypedData_v4 carries JSON: integers arrive as decimal or hex strings. viem's local signer needs
 * bigints for (u)int fields, so revive them by walking the declared types.
 */
export function reviveTypedData(input: unknown) {
  const td = (typeof input === "string" ? JSON.parse(input) : input) as {
    domain?: Record<string, unknown>;
    types: Record<string, TypedField[]>;
    primaryType: string;
    message: Record<string, unknown>;
  };
  const { EIP712Domain: _domainType, ...types } = td.types;
  const revive = (type: string, value: unknown): unknown => {
    if (value === null || value === undefined) return value;
    if (type.endsWith("]")) {
      const inner = type.slice(0, type.lastIndexOf("["));
      return (value as unknown[]).map((v) => revive(inner, v));
    }
    if (/^u?int(\d+)?$/.test(type)) {
      return typeof value === "string" || typeof value === "number" ? BigInt(value) : value;
    }
    const fields = types[type];
    if (fields && typeof value === "object") {
      const obj = value as Record<string, unknown>;
      return Object.fromEntries(fields.map((f) => [f.name, revive(f.type, obj[f.name])]));
    }
    return value;
  };
  const domain = { ...(td.domain ?? {}) };
  if (domain.chainId !== undefined && domain.chainId !== null) domain.chainId = Number(domain.chainId);
  else delete domain.chainId;
  return {
    domain,
    types,
    primaryType: td.primaryType,
    message: revive(td.primaryType, td.message) as Record<string, unknown>,
  };
}

/** The wagmi connector. Use {@link devWallet} to offer it in RainbowKit's wallet list. */
export function devWalletConnector(parameters: DevWalletParameters) {
  const count = Math.max(1, parameters.accounts ?? DEV_WALLET_DEFAULT_ACCOUNTS);
  let derived: HDAccount[] | undefined;
  const accounts = () =>
    (derived ??= Array.from({ length: count }, (_, i) => mnemonicToAccount(parameters.mnemonic, { addressIndex: i })));

  // The active index lives here; localStorage only persists it across page loads.
  let activeIndex: number | undefined;
  const readIndex = (): number => {
    if (activeIndex === undefined) {
      const stored = Number(storageGet(ACCOUNT_KEY) ?? parameters.defaultAccount ?? 0);
      activeIndex = Number.isInteger(stored) && stored >= 0 && stored < count ? stored : 0;
    }
    return activeIndex;
  };

  return createConnector<DevWalletProvider, DevWalletProperties>((config) => {
    const chain: Chain = config.chains[0];
    const rpcUrl = chain.rpcUrls.default.http[0];
    const transport = http(rpcUrl, { retryCount: 0 });
    let connected = false;
    let provider: DevWalletProvider | undefined;

    const current = (): HDAccount => accounts()[readIndex()];
    const accountFor = (address: unknown): HDAccount => {
      if (typeof address !== "string") return current();
      const found = accounts().find((a) => a.address.toLowerCase() === address.toLowerCase());
      if (!found) throw new UnauthorizedProviderError(new Error(`The dev wallet does not hold ${address}.`));
      return found;
    };
    const walletClientFor = (account: HDAccount): WalletClient =>
      createWalletClient({ account, chain, transport, name: "Dev wallet" });
    const markConnected = (value: boolean) => {
      connected = value;
      storageSet(CONNECTED_KEY, value ? "1" : null);
    };

    const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
      const p = (Array.isArray(params) ? params : []) as unknown[];
      switch (method) {
        case "eth_chainId":
          return numberToHex(chain.id);
        case "net_version":
          return String(chain.id);
        case "eth_accounts":
          return connected ? [current().address] : [];
        case "eth_requestAccounts":
          markConnected(true);
          return [current().address];
        case "wallet_switchEthereumChain": {
          const target = hexToNumber((p[0] as { chainId: Hex }).chainId);
          if (target !== chain.id) throw new SwitchChainError(new ChainNotConfiguredError());
          return null;
        }
        case "wallet_getCapabilities":
          return {};
        case "personal_sign": {
          const [data, address] = p as [Hex, Address];
          return accountFor(address).signMessage({ message: { raw: data } });
        }
        case "eth_sign": {
          const [address, data] = p as [Address, Hex];
          return accountFor(address).signMessage({ message: { raw: data } });
        }
        case "eth_signTypedData_v4": {
          const [address, typedData] = p as [Address, unknown];
          return accountFor(address).signTypedData(reviveTypedData(typedData) as never);
        }
        case "eth_sendTransaction": {
          const tx = p[0] as RpcTransactionRequest;
          const account = accountFor(tx.from);
          // Prepared (nonce, gas, fees), signed here, and sent as eth_sendRawTransaction.
          return walletClientFor(account).sendTransaction({ ...fromRpcTransaction(tx), account, chain } as never);
        }
        default:
          return transport({ chain, retryCount: 0 }).request({ method, params } as never);
      }
    };

    return {
      id: DEV_WALLET_ID,
      name: "Dev wallet",
      type: "devWallet",

      async connect({ withCapabilities } = {}) {
        markConnected(true);
        const addresses = [current().address] as const;
        return {
          accounts: (withCapabilities
            ? addresses.map((address) => ({ address, capabilities: {} }))
            : addresses) as never,
          chainId: chain.id,
        };
      },
      async disconnect() {
        markConnected(false);
      },
      async getAccounts() {
        if (!connected) throw new DevWalletNotConnectedError();
        return [current().address];
      },
      async getChainId() {
        return chain.id;
      },
      async getProvider() {
        provider ??= { request, on: () => {}, removeListener: () => {} };
        return provider;
      },
      // wagmi actions use this client directly: the account is local, so viem signs in the page and
      // submits raw transactions through the HTTP transport.
      async getClient({ chainId } = {}) {
        if (chainId !== undefined && chainId !== chain.id) throw new ChainNotConfiguredError();
        return walletClientFor(current());
      },
      async isAuthorized() {
        return storageGet(CONNECTED_KEY) === "1";
      },
      async switchChain({ chainId }) {
        if (chainId !== chain.id) throw new SwitchChainError(new ChainNotConfiguredError());
        return chain;
      },
      onAccountsChanged(list) {
        if (list.length === 0) this.onDisconnect();
        else config.emitter.emit("change", { accounts: list.map((a) => getAddress(a)) });
      },
      onChainChanged(chainId) {
        config.emitter.emit("change", { chainId: Number(chainId) });
      },
      async onDisconnect() {
        markConnected(false);
        config.emitter.emit("disconnect");
      },

      selectAccount(index: number) {
        if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`No dev account #${index}`);
        activeIndex = index;
        storageSet(ACCOUNT_KEY, String(index));
        if (connected) config.emitter.emit("change", { accounts: [accounts()[index].address] });
      },
      getAccountIndex: readIndex,
      listAccounts: () => accounts().map((a) => a.address),
    };
  });
}

const DEV_WALLET_ICON =
  "data:image/svg+xml;base64," +
  btoa(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28"><rect width="28" height="28" rx="6" fill="#4338ca"/>` +
      `<path d="M9 10.5 5.5 14 9 17.5M19 10.5l3.5 3.5-3.5 3.5M15.5 8.5l-3 11" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
  );

/** RainbowKit wallet entry for the dev wallet (add it only on the local chain). */
export function devWallet(parameters: DevWalletParameters): () => Wallet {
  return () => ({
    id: DEV_WALLET_ID,
    name: "Dev wallet",
    shortName: "Dev",
    iconUrl: DEV_WALLET_ICON,
    iconBackground: "#4338ca",
    iconAccent: "#4338ca",
    installed: true,
    createConnector: (walletDetails) =>
      createConnector((config) => ({ ...devWalletConnector(parameters)(config), ...walletDetails })),
  });
}
