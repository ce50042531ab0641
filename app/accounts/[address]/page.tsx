import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getAddress, isAddress } from "viem";
import { AccountView } from "@/components/account/account-view";
import { AddressText, Breadcrumbs, PageHeader } from "@/components/domain";

export const dynamic = "force-dynamic";

type Params = Promise<{ address: string }>;

/** A well-formed 0x address (any case, checksum not enforced), lower-cased; else null. */
function parseAddress(raw: string): string | null {
  const s = decodeURIComponent(raw);
  return /^0x[0-9a-fA-F]{40}$/.test(s) && isAddress(s, { strict: false }) ? s.toLowerCase() : null;
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const address = parseAddress((await params).address);
  if (!address) return { title: "Account not found" };
  return { title: `Account ${address.slice(0, 6)}…${address.slice(-4)}`, description: `Earnings, attribution credits and claimable OPEN of ${getAddress(address)}.` };
}

export default async function AccountPage({ params }: { params: Params }) {
  const address = parseAddress((await params).address);
  if (!address) notFound();
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ label: "Accounts" }, { label: <AddressText address={address} /> }]} />}
        title={<span className="font-mono text-2xl break-all">{getAddress(address)}</span>}
      >
        <p className="mt-3 text-sm text-muted-foreground">Earnings, attribution credits and claimable balance of this account.</p>
      </PageHeader>
      <div className="container-page py-8">
        <AccountView address={address} />
      </div>
    </>
  );
}
