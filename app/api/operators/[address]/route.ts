import { operatorGet } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { notFound } from "@/lib/errors";
import { getOperator } from "@/lib/queries";

export const GET = route(operatorGet, async ({ params }) => {
  const operator = await getOperator(params.address);
  if (!operator) throw notFound(`Operator ${params.address} (an address that never staked)`);
  return operator;
});
