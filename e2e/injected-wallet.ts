/**
 * An injected EIP-1193 wallet for Playwright: `window.ethereum` (and an EIP-6963 announcement) defined
 * before the page's scripts run, holding one of anvil's unlocked accounts. Signing and sending are
 * forwarded as JSON-RPC to the stack's anvil, which signs with that account's key; the wallet itself only
 * decides what a person would: which account, which network, and whether to reject a prompt (EIP-1193
 * error 4001). In RainbowKit's modal it is listed under its announced name (and as "Browser Wallet").
 */
import { expect, type Locator, type Page } from "@playwright/test";
import type { Address } from "viem";

export const INJECTED_WALLET_NAME = "Ledgerline Test Wallet";

/** Prompts the wallet rejects as if the person clicked "Reject". */
export interface WalletRejections {
  signTypedData?: boolean;
  sendTransaction?: boolean;
  personalSign?: boolean;
  switchChain?: boolean;
}

export interface InjectedWalletOptions {
  /** One of anvil's dev accounts (unlocked on the node, so it signs for it). */
  account: Address;
  /** The stack's anvil (e2e/stack-info.ts). Anvil answers CORS, so the page calls it directly. */
  rpcUrl: string;
  /** The chain the app is configured for (the one `wallet_switchEthereumChain` may switch to). */
  chainId: number;
  /** The chain the wallet is on when the page loads (default: `chainId`). */
  startChainId?: number;
  reject?: WalletRejections;
}

/** What the page-side wallet exposes for assertions: the methods it was asked, in order. */
export interface InjectedWalletState {
  calls: string[];
  rejected: string[];
  chainId: number;
}

interface InitArgs extends InjectedWalletOptions {
  name: string;
}

// Runs in the page (serialized by addInitScript): self-contained, no imports.
function defineInjectedWallet(o: InitArgs) {
  type Listener = (...args: unknown[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const known = new Set<number>([o.chainId, o.startChainId ?? o.chainId]);
  const state = { chainId: o.startChainId ?? o.chainId, connected: false, reject: { ...(o.reject ?? {}) }, calls: [] as string[], rejected: [] as string[] };
  const hex = (n: number) => `0x${n.toString(16)}`;
  const emit = (event: string, ...args: unknown[]) => {
    for (const fn of [...(listeners.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        console.error(err);
      }
    }
  };
  const rpcError = (code: number, message: string, data?: unknown) => Object.assign(new Error(message), { code, data });
  const rejectIf = (flag: boolean | undefined, method: string) => {
    if (!flag) return;
    state.rejected.push(method);
    throw rpcError(4001, "User rejected the request.");
  };
  let nextId = 0;
  const forward = async (method: string, params: unknown) => {
    const res = await fetch(o.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++nextId, method, params: params ?? [] }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw rpcError(body.error.code, body.error.message, body.error.data);
    return body.result;
  };
  const account = o.account.toLowerCase();

  const provider = {
    isLedgerlineTestWallet: true,
    async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
      state.calls.push(method);
      switch (method) {
        case "eth_chainId":
          return hex(state.chainId);
        case "net_version":
          return String(state.chainId);
        case "eth_accounts":
          return state.connected ? [account] : [];
        case "eth_requestAccounts":
          state.connected = true;
          return [account];
        case "wallet_requestPermissions":
          state.connected = true;
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_getPermissions":
          return state.connected ? [{ parentCapability: "eth_accounts" }] : [];
        case "wallet_revokePermissions":
          state.connected = false;
          emit("accountsChanged", []);
          return null;
        case "wallet_switchEthereumChain": {
          rejectIf(state.reject.switchChain, method);
          const target = parseInt((params?.[0] as { chainId: string }).chainId, 16);
          if (!known.has(target)) throw rpcError(4902, `Unrecognized chain ID ${hex(target)}. Try adding the chain using wallet_addEthereumChain first.`);
          if (target !== state.chainId) {
            state.chainId = target;
            emit("chainChanged", hex(target));
          }
          return null;
        }
        case "wallet_addEthereumChain":
          known.add(parseInt((params?.[0] as { chainId: string }).chainId, 16));
          return null;
        case "wallet_getCapabilities":
          throw rpcError(4200, "The wallet does not support wallet_getCapabilities.");
        case "personal_sign":
          rejectIf(state.reject.personalSign, method);
          return forward(method, params);
        case "eth_signTypedData_v4":
          rejectIf(state.reject.signTypedData, method);
          return forward(method, params);
        case "eth_sendTransaction":
          rejectIf(state.reject.sendTransaction, method);
          return forward(method, params);
        default:
          return forward(method, params);
      }
    },
    on(event: string, fn: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(fn);
      return provider;
    },
    removeListener(event: string, fn: Listener) {
      listeners.get(event)?.delete(fn);
      return provider;
    },
  };

  const w = window as unknown as Record<string, unknown>;
  w.ethereum = provider;
  w.__ledgerlineTestWallet = {
    state,
    setReject: (r: Record<string, boolean>) => {
      state.reject = { ...r };
    },
    // The person picks another network in the wallet's own UI.
    changeChain: (chainId: number) => {
      known.add(chainId);
      if (chainId === state.chainId) return;
      state.chainId = chainId;
      emit("chainChanged", hex(chainId));
    },
  };
  const info = {
    uuid: "6f1d7f0e-4b7c-4c53-9d7e-2f3a1b5c8e90",
    name: o.name,
    icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyOCAyOCI+PHJlY3Qgd2lkdGg9IjI4IiBoZWlnaHQ9IjI4IiByeD0iNiIgZmlsbD0iIzBmNzY2ZSIvPjwvc3ZnPg==",
    rdns: "test.ledgerline.wallet",
  };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

/** Defines the wallet in every page of `page`'s context from the next navigation on. */
export async function installInjectedWallet(page: Page, options: InjectedWalletOptions): Promise<void> {
  await page.addInitScript(defineInjectedWallet, { ...options, name: INJECTED_WALLET_NAME } satisfies InitArgs);
}

/** Changes which prompts the wallet rejects, for the current page. */
export async function setWalletRejections(page: Page, reject: WalletRejections): Promise<void> {
  await page.evaluate((r) => (window as unknown as { __ledgerlineTestWallet: { setReject(r: WalletRejections): void } }).__ledgerlineTestWallet.setReject(r), reject);
}

/** The person switches the wallet to another network themselves (the wallet emits `chainChanged`). */
export async function changeWalletChain(page: Page, chainId: number): Promise<void> {
  await page.evaluate((id) => (window as unknown as { __ledgerlineTestWallet: { changeChain(id: number): void } }).__ledgerlineTestWallet.changeChain(id), chainId);
}

export async function walletState(page: Page): Promise<InjectedWalletState> {
  return page.evaluate(() => {
    const s = (window as unknown as { __ledgerlineTestWallet: { state: InjectedWalletState } }).__ledgerlineTestWallet.state;
    return { calls: [...s.calls], rejected: [...s.rejected], chainId: s.chainId };
  });
}

/** Opens RainbowKit's modal with `trigger` and connects the injected wallet. */
export async function connectInjectedWallet(page: Page, trigger: Locator): Promise<void> {
  await trigger.click();
  const modal = page.getByRole("dialog");
  await expect(modal).toBeVisible();
  await modal.getByRole("button", { name: INJECTED_WALLET_NAME }).click();
  await expect(modal).toBeHidden();
}
