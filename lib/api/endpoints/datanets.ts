/** Datanets: the list, one Datanet, its contributions, leaderboard, records and usage. */
import { z } from "zod";
import { DATANET_SORTS } from "@/lib/queries";
import {
  addressOut,
  countOut,
  cursorInput,
  endpoint,
  hashOut,
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
import { CONTRIBUTION_STATUSES, contributionStatus, enumOf, idPath, modelKind, rangeOut } from "./shared";
import { FORECAST_BUDGET_MS, FORECAST_DAYS, FORECAST_MAX_PROMPTS } from "@/lib/forecast/limits";
import { ORIGINAL_SPAN_TOKENS } from "@/lib/attribution/originality";
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

const ppmOut = z.number().int().min(0).max(1_000_000);
const reviewStatus = z.enum(["pending", "accepted"]);

const Originality = named(
  "Originality",
  z.object({
    datanetId: idOut,
    contentHash: hashOut,
    contributionId: idOut.nullable().meta({ description: "The measured contribution; null for a file not registered in this Datanet (an upload preview)." }),
    spanTokens: countOut.meta({ description: `L: the shortest verbatim run (in GPT-2 tokens) that counts as copied (${ORIGINAL_SPAN_TOKENS}).` }),
    tokens: countOut.meta({ description: "Tokens of the measured text: its records as the attribution engine reads them (r50k_base)." }),
    exactDuplicate: z
      .object({
        contributionId: idOut,
        contributor: addressOut,
        status: reviewStatus,
        match: z.enum(["bytes", "normalized"]).meta({ description: "bytes: the same sha-256; normalized: the same text after Unicode NFC, whitespace runs → one space, trimmed." }),
      })
      .nullable()
      .meta({ description: "The earliest accepted or pending contribution with the same bytes or normalised text. Open Datanets refuse to attest an exact duplicate (409 duplicate_content)." }),
    copiedTokens: countOut.meta({ description: "Tokens inside verbatim runs of at least spanTokens tokens that an earlier contribution holds (all tokens for an exact duplicate)." }),
    copiedPpm: ppmOut.meta({ description: "copiedTokens / tokens in parts per million, rounded down." }),
    sources: z
      .array(
        z.object({
          contributionId: idOut,
          contributor: addressOut,
          status: reviewStatus,
          tokens: countOut.meta({ description: "Copied tokens whose source is this contribution (each counted once, for the lowest-id contribution holding it)." }),
          sharePpm: ppmOut.meta({ description: "tokens / the measured text's tokens in ppm, rounded down." }),
        }),
      )
      .meta({ description: "Earlier contributions the copied tokens come from: most tokens first, ties to the lower id." }),
    compared: z.object({
      contributions: countOut.meta({ description: "Earlier contributions searched for copied runs." }),
      tokens: countOut,
      complete: z.boolean().meta({ description: "False when some earlier contributions were not searched (content not held by this server, or past the 2,000,000-token bound); exact duplicates are still found in all of them." }),
    }),
  }),
);

const hashQuery = z
  .string()
  .max(66, "must be a 0x-prefixed 32-byte hex hash")
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex hash")
  .transform((s) => s.toLowerCase());

export const datanetOriginality = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/originality",
  operationId: "getUploadOriginality",
  tag: "Datanets",
  summary: "How much of an uploaded file already exists in a Datanet (the upload preview's originality shield).",
  description: `Measured as a new contribution against every accepted or pending one: an exact duplicate (same bytes, or the same text after Unicode NFC and whitespace collapsing), and the share of its tokens inside verbatim runs of at least ${ORIGINAL_SPAN_TOKENS} tokens that an earlier contribution holds, with the contributions they come from. Copied runs earn their original author in attribution, never the copy. 404 for an unknown Datanet or content (upload it first with POST /api/content).`,
  params: idPath,
  notFound: true,
  query: z.object({ hash: hashQuery.meta({ description: "The sha-256 of the uploaded content (POST /api/content's hash)." }) }),
  response: Originality,
});

/** A wei difference: negative when the file would have moved money the other way. */
const signedWei = z.codec(
  z.string().regex(/^-?[0-9]{1,78}$/).meta({ description: "Amount in wei as a decimal string, possibly negative." }),
  z.bigint(),
  { decode: (s) => BigInt(s), encode: (b) => b.toString() },
);

const ModelForecast = named(
  "ModelForecast",
  z.object({
    modelId: idOut,
    name: z.string(),
    kind: modelKind,
    prompts: countOut.meta({ description: "Paid requests of the model in the window (within the cap)." }),
    replayed: countOut.meta({ description: "Requests run again with and without the file within the time budget." }),
    earning: countOut.meta({ description: "Replayed requests that would have paid the file something." }),
    earned: wei.meta({ description: "What the file would have earned on the replayed requests: its share of each request's contributor pool." }),
    fromContributors: signedWei.meta({ description: "How much of that other contributions would not have received." }),
    fromTreasuries: signedWei.meta({ description: "How much of that the Datanets' treasuries (the pool nothing in an answer earned) would not have received." }),
    changedAnswers: countOut.meta({ description: "∞-gram requests whose answer would have read differently with the file." }),
    unavailable: z.string().nullable().meta({ description: "Why the model was not replayed; null when it was." }),
  }),
);

export const datanetForecast = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/forecast",
  operationId: "getUploadForecast",
  tag: "Datanets",
  summary: "What an uploaded file would have earned: the Datanet's models replayed on their recent paid requests with and without it.",
  description: `Every active model built on the Datanet is rebuilt in memory with the file as the next contribution and run again on its settled requests of the last ${FORECAST_DAYS} days of chain time (newest first, at most ${FORECAST_MAX_PROMPTS} in all) with the parameters they were served with; the file's share of each request's contributor pool is summed. Exact for deterministic models (∞-gram, kNN, span tracing of a stored answer). Runs in a worker process, one forecast at a time, for at most ${FORECAST_BUDGET_MS / 1000} s of replay (\`complete\` is false when it stopped early). 404 for an unknown Datanet or content (upload it first with POST /api/content); 429 when the caller's forecasts or the worker are busy.`,
  params: idPath,
  notFound: true,
  query: z.object({ hash: hashQuery.meta({ description: "The sha-256 of the uploaded content (POST /api/content's hash)." }) }),
  response: named(
    "Forecast",
    z.object({
      datanetId: idOut,
      contentHash: hashOut,
      contributionId: idOut.meta({ description: "The id the file would get if registered next: registration order decides who was first." }),
      window: z.object({
        days: countOut,
        since: timestamp,
        maxPrompts: countOut,
        budgetMs: countOut,
      }),
      models: z.array(ModelForecast),
      prompts: countOut,
      replayed: countOut,
      earning: countOut,
      earned: wei,
      complete: z.boolean().meta({ description: "False when the time budget ran out, or a model could not be replayed." }),
    }),
  ),
});

export const contributionOriginality = endpoint({
  method: "GET",
  path: "/api/datanets/{id}/contributions/{contributionId}/originality",
  operationId: "getContributionOriginality",
  tag: "Datanets",
  summary: "How much of a contribution repeats contributions registered before it (the owner's review queue).",
  description: `Against the Datanet's accepted or pending contributions with a lower id (registration order decides who was first). 404 for an unknown Datanet, a contribution of another Datanet or content this server does not hold; 422 for a rejected contribution.`,
  params: z.object({
    id: idInput.meta({ description: "The Datanet's id." }),
    contributionId: idInput.meta({ description: "The contribution's id." }),
  }),
  notFound: true,
  unprocessable: true,
  response: Originality,
});
