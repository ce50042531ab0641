import type { Metadata } from "next";
import { Breadcrumbs, PageHeader } from "@/components/domain";
import { CreateDatanet } from "@/components/datanet/create-datanet";

export const metadata: Metadata = {
  title: "New Datanet",
  description: "Create a community dataset on-chain: describe it, set the contribution rules and bond, and become its owner.",
};

export default function NewDatanetPage() {
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumbs items={[{ href: "/datanets", label: "Datanets" }, { label: "New" }]} />}
        title="New Datanet"
        description="Describe the dataset, choose who keeps contributions and what they bond, then create it with one transaction. You become its owner."
      />
      <div className="container-page max-w-3xl py-8">
        <CreateDatanet />
      </div>
    </>
  );
}
