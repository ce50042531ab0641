import type { Metadata } from "next";
import { PageHeader } from "@/components/domain";
import { FactoryWizard } from "@/components/factory/wizard";

export const metadata: Metadata = {
  title: "Model Factory",
  description: "Build a model from published Datanet versions, evaluate it and register it on-chain.",
};

export default function FactoryPage() {
  return (
    <>
      <PageHeader
        title="Model Factory"
        description="Pick a kind and published Datanet versions, build and evaluate the model, then publish it on-chain with your price and builder share."
      />
      <div className="container-page py-8">
        <FactoryWizard />
      </div>
    </>
  );
}
