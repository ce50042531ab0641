import { buttonVariants } from "@/components/ui/button";

/**
 * The one "Connect wallet" look: the header's light button before the wallet stack loads, the same button once
 * RainbowKit is there (ConnectButton.Custom, also for the connected account), and the dashboard's call to action. No swap after hydration.
 */
export const CONNECT_WALLET_CLASS = buttonVariants({ className: "h-10 rounded-xl px-3.5 font-semibold" });

/** The connected account (balance and address; opens RainbowKit's account modal): same size and shape, quieter. */
export const ACCOUNT_BUTTON_CLASS = buttonVariants({ variant: "outline", className: "h-10 rounded-xl px-3.5 font-semibold" });

/** The wallet is on another chain than the app's (opens RainbowKit's network modal). */
export const WRONG_NETWORK_CLASS = buttonVariants({ variant: "destructive", className: "h-10 rounded-xl px-3.5 font-semibold" });
