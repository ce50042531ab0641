import { buttonVariants } from "@/components/ui/button";

/**
 * The one "Connect wallet" look: the header's light button before the wallet stack loads, the same button once
 * RainbowKit is there (ConnectButton.Custom), and the dashboard's call to action. No swap after hydration.
 */
export const CONNECT_WALLET_CLASS = buttonVariants({ className: "h-10 rounded-xl px-3.5 font-semibold" });
