/** Datanets: the list, one Datanet, its contributions, leaderboard, records and usage. */
import { z } from "zod";
import { DATANET_SORTS } from "@/lib/queries";
import {
  addressOut,
  countOut,
  cursorInput,
  endpoint,
  idInput,
  idOut,
  limitInput,
  named,
  pageOf,
  rangeShape,
  resolveRange,
  searchInput,
  timestamp,
  wei,
} from "../spec";
import { CONTRIBUTION_STATUSES, contributionStatus, enumOf, idPath, rangeOut } from "./shared";
import { Contribution, DatanetDetail, DatanetSummary, LeaderboardEntry } from "./schemas";

export const datanetsList = endpoint({
  method: "GET",
  path: "/api/datanets",
  operationId: "listDatanets",
  tag: "Datanets",
  summary: "Datanets: search, tag filter, sort; cursor-paginated.",
  query: z.object({
    q: searchInput,
    tag: z.string().trim().toLowerCase().max(50, "must be at most 50 characters").optional().meta({ description: "Only Datanets with this tag." }),
    sort: enumOf(DATANET_SORTS).default("newest").meta({ description: "newest, most used (inferences that credited it), most contributors, or most accepted records." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("DatanetPage", pageOf(DatanetSummary)),
});

export const datanetGet = endpoint({
  method: "GET",
  path: "/api/datanets/{id}",
  operationId: "getDatanet",
  tag: "Datanets",
  summary: "One Datanet with its versions, counts and the models built from it.",
  params: idPath,
  notFound: true,
  response: DatanetDetail,
});

export const datanetContributions = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/contributions",
  operationId: "listDatanetContributions",
  tag: "Datanets",
  summary: "A Datanet's contributions, newest first; cursor-paginated.",
  params: idPath,
  notFound: true,
  query: z.object({
    status: enumOf(CONTRIBUTION_STATUSES).optional().meta({ description: "Only contributions with this review status." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named("ContributionPage", pageOf(Contribution)),
});

export const datanetLeaderboard = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/leaderboard",
  operationId: "getDatanetLeaderboard",
  tag: "Datanets",
  summary: "A Datanet's contributors ranked by earnings through it, with accepted contributions and records; cursor-paginated.",
  params: idPath,
  notFound: true,
  query: z.object({ limit: limitInput, cursor: cursorInput }),
  response: named("LeaderboardPage", pageOf(LeaderboardEntry)),
});

const RecordItem = named(
  "DatanetRecord",
  z.object({
    contributionId: idOut,
    index: countOut.meta({ description: "0-based position of the record in its contribution's content." }),
    text: z.string(),
    contributor: addressOut,
    status: contributionStatus,
    version: countOut.nullable().meta({ description: "The first published version that contains the contribution." }),
  }),
);

export const datanetRecords = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/records",
  operationId: "listDatanetRecords",
  tag: "Datanets",
  summary: "Browse and search a Datanet's records (contributions' content split into records), in contribution order; cursor-paginated.",
  description: "Without `status`, accepted and pending contributions are listed (rejected content is not part of the Datanet). Withdrawn or removed contributions (takedowns) are never listed. An unknown version or a contribution of another Datanet is a 404.",
  params: idPath,
  notFound: true,
  query: z.object({
    q: searchInput,
    version: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .positive("must be a version number (1 or more)")
      .max(1_000_000, "is too large")
      .optional()
      .meta({ description: "Only the contributions in this published version." }),
    contribution: idInput.optional().meta({ description: "Only this contribution's records." }),
    status: enumOf(CONTRIBUTION_STATUSES).optional().meta({ description: "Only contributions with this review status." }),
    limit: limitInput,
    cursor: cursorInput,
  }),
  response: named(
    "DatanetRecordPage",
    pageOf(RecordItem).extend({
      total: countOut.meta({ description: "Records that match, across all pages." }),
      unavailable: countOut.meta({ description: "Contributions in the filter whose content this server does not hold." }),
    }),
  ),
});

export const datanetUsage = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/usage",
  operationId: "getDatanetUsage",
  tag: "Datanets",
  summary: "Inferences that used a Datanet and what its contributors earned, per hour or day (datanet_usage_hourly).",
  description: "Range at most 31 days with bucket=hour and 1096 days with bucket=day. Buckets without usage are omitted.",
  params: idPath,
  notFound: true,
  query: z.object(rangeShape).transform(resolveRange),
  response: named(
    "DatanetUsage",
    z.object({
      datanetId: idOut,
      ...rangeOut,
      inferences: countOut,
      contributorEarnings: wei,
      points: z
        .array(z.object({ t: timestamp, inferences: countOut, contributorEarnings: wei }))
        .meta({ description: "Buckets with usage, oldest first; empty buckets are omitted." }),
    }),
  ),
});
