/** Marketplace activity: the 24-hour stats and the feed of settlements. */
import { z } from "zod";
import { countOut, cursorInput, endpoint, hashOut, idOut, limitInput, named, pageOf, timestamp, wei } from "../spec";
import { Stats } from "./schemas";

export const stats = endpoint({
  method: "GET",
  path: "/api/stats",
  operationId: "getStats",
  tag: "Marketplace",
  summary: "Marketplace activity in the last 24 hours, with an hourly series (from the hourly rollups).",
  response: Stats,
});

const SettlementItem = named(
  "SettlementItem",
  z.object({
    requestId: idOut,
    modelId: idOut,
    modelName: z.string().nullable(),
    price: wei,
    contributorPool: wei,
    contributorsPaid: countOut.meta({ description: "Distinct contributor accounts the settlement credited." }),
    settledAt: timestamp,
    settledTx: hashOut,
  }),
);

export const settlementsFeed = endpoint({
  method: "GET",
  path: "/api/stats/settlements",
  operationId: "listSettlements",
  tag: "Marketplace",
  summary: "The network's settled inferences, newest settlement first, with how many contributors each paid; cursor-paginated.",
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("SettlementPage", pageOf(SettlementItem)),
});
