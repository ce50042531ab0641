"use client";

import { ConnectButton } from "@rainbow-me/rainbowkit";
import { useSyncExternalStore } from "react";
import { useAccount } from "wagmi";
import { useChainInfo } from "@/components/wallet/chain-context";
import { ACCOUNT_BUTTON_CLASS, CONNECT_WALLET_CLASS, WRONG_NETWORK_CLASS } from "@/components/wallet/connect-look";
import { shortAddress } from "@/components/format";
import { DEV_WALLET_ID, type DevWalletProperties } from "@/components/wallet/dev-wallet";
import { SessionStatus } from "@/components/wallet/siwe";
import { WalletUnavailable } from "@/components/wallet/wallet-unavailable";

/** The wallet button (one look with the header's pre-load button), plus the dev-account picker when the dev wallet is connected. */
export function WalletButton() {
  const chain = useChainInfo();
  if (!chain.configured) return <WalletUnavailable chain={chain} />;
  return (
    <div className="flex items-center gap-2">
      <SessionStatus />
      <DevAccountPicker />
      <ConnectButton.Custom>
        {({ account, chain, mounted, openAccountModal, openChainModal, openConnectModal }) => {
          // Not connected (or not mounted yet): the app's own button, the same one the header shows before the wallet
          // stack loads, so nothing changes look after hydration.
          if (!mounted || !account) {
            return (
              <button type="button" className={CONNECT_WALLET_CLASS} data-testid="wallet-connect" data-wallet-ready={mounted ? "true" : undefined} onClick={openConnectModal}>
                Connect wallet
              </button>
            );
          }
          // Connected: our own buttons from this render function's data, opening RainbowKit's modals. Not a nested
          // <ConnectButton>: its effect hands its showBalance to RainbowKit's context on every render with a new
          // object, and this very render function re-runs on that context, so the two re-rendered each other without
          // end (thousands of commits a second), starving the router's transitions and the live updates.
          return (
            <div className="flex items-center gap-2">
              {chain?.unsupported ? (
                <button type="button" className={WRONG_NETWORK_CLASS} data-testid="wallet-wrong-network" onClick={openChainModal}>
                  Wrong network
                </button>
              ) : null}
              <button
                type="button"
                className={ACCOUNT_BUTTON_CLASS}
                data-testid="wallet-account"
                aria-haspopup="dialog"
                aria-busy={account.hasPendingTransactions || undefined}
                title={account.address}
                onClick={openAccountModal}
              >
                {account.displayBalance ? <span className="hidden font-normal text-muted-foreground md:inline">{account.displayBalance}</span> : null}
                <span className="font-mono">{account.displayName}</span>
                {account.hasPendingTransactions ? (
                  <>
                    <span className="size-2 animate-pulse rounded-full bg-primary" aria-hidden="true" />
                    <span className="sr-only">(transaction pending)</span>
                  </>
                ) : null}
              </button>
            </div>
          );
        }}
      </ConnectButton.Custom>
    </div>
  );
}

const subscribeNoop = () => () => {};

function DevAccountPicker() {
  const { connector, address, status } = useAccount();
  // Client-only: the connector exists after hydration, so render nothing on the server pass.
  const hydrated = useSyncExternalStore(subscribeNoop, () => true, () => false);
  if (!hydrated || status !== "connected" || connector?.id !== DEV_WALLET_ID) return null;
  const dev = connector as unknown as DevWalletProperties;
  const accounts = dev.listAccounts();
  const current = accounts.findIndex((a) => a.toLowerCase() === address?.toLowerCase());
  return (
    <label className="hidden items-center gap-1.5 text-xs text-muted-foreground md:flex">
      <span className="font-medium">Dev account</span>
      <select
        aria-label="Dev account"
        className="h-9 rounded-md border border-border bg-card px-2 font-mono text-xs text-foreground shadow-xs focus:outline-none focus:ring-2 focus:ring-ring"
        value={current < 0 ? dev.getAccountIndex() : current}
        onChange={(e) => dev.selectAccount(Number(e.target.value))}
      >
        {accounts.map((a, i) => (
          <option key={a} value={i}>
            #{i} {shortAddress(a)}
          </option>
        ))}
      </select>
    </label>
  );
}
