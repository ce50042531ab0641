import { accountEarningsCsv } from "@/lib/api/endpoints";
import { route } from "@/lib/api/route";
import { earningsCsvStream } from "./csv";

export const dynamic = "force-dynamic";

export const GET = route(accountEarningsCsv, async ({ params }) => {
  return new Response(earningsCsvStream(params.address), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="ledgerline-earnings-${params.address}.csv"`,
      "cache-control": "no-store",
    },
  });
});
