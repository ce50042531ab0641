import { accountEarnings } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { earningsSeries } from "@/lib/queries";

export const GET = route(accountEarnings, async ({ params, query }) => {
  const series = await earningsSeries(params.address, query);
  return {
    account: params.address,
    bucket: query.bucket,
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    role: query.role ?? null,
    datanetId: query.datanetId ?? null,
    modelId: query.modelId ?? null,
    amount: series.reduce((s, x) => s + x.amount, 0n),
    inferences: series.reduce((s, x) => s + x.inferences, 0),
    series,
  };
});
