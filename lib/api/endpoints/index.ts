/**
 * Every HTTP endpoint of app/api and /v1: path, summary and zod schemas, one module per resource. Route
 * handlers pass these objects to `route()`; GET /api/openapi.json renders the same objects. Add an endpoint
 * to its resource's module first (and to `endpoints` below), then its route. Browser-safe (zod and viem
 * only): client components derive wire types from these response schemas.
 *
 * The order of the imports below is the order of `#/components/schemas` in the document (a schema is
 * listed when its module registers it with `named()`): the resources' shapes first, then each module's own.
 */
import type { EndpointSpec } from "../spec";
import "./schemas";
import { batchCharge, batchSettlementRefund, modelInference, modelInferenceQuote } from "./inference";
import { openaiChatCompletions, openaiModels } from "./openai";
import { epochBalances, settledInferences, settlementEpoch } from "./settlement";
import { factoryBuildCreate, factoryBuildGet, factoryBuildsList } from "./factory";
import {
  contributionOriginality,
  datanetContributions,
  datanetForecast,
  datanetGet,
  datanetLeaderboard,
  datanetOriginality,
  datanetRecords,
  datanetsList,
  datanetUsage,
} from "./datanets";
import { modelArtifact, modelGet, modelsList, modelUsage } from "./models";
import { inferenceGet, inferencesList, inferenceVerify } from "./inferences";
import { accountAttribution, accountClaim, accountClaims, accountContributions, accountEarnings, accountEarningsCsv } from "./accounts";
import { settlementsFeed, stats } from "./stats";
import { deployment, health, metrics, openapi, stream } from "./system";
import { contentAttestation, contentGet, contentUpload } from "./content";
import { authNonce, authSessionCreate, authSessionDelete, authSessionGet } from "./auth";
import { operatorGet, operatorsList } from "./operators";
import { governanceParams, proposalGet, proposalsList, votingPowerGet } from "./governance";

export {
  accountAttribution,
  accountClaim,
  accountClaims,
  accountContributions,
  accountEarnings,
  accountEarningsCsv,
  authNonce,
  authSessionCreate,
  authSessionDelete,
  authSessionGet,
  contentAttestation,
  contentGet,
  contentUpload,
  contributionOriginality,
  datanetContributions,
  datanetForecast,
  datanetGet,
  datanetLeaderboard,
  datanetOriginality,
  datanetRecords,
  datanetsList,
  datanetUsage,
  deployment,
  epochBalances,
  factoryBuildCreate,
  factoryBuildGet,
  factoryBuildsList,
  health,
  metrics,
  inferenceGet,
  inferencesList,
  inferenceVerify,
  modelArtifact,
  modelGet,
  modelInference,
  modelInferenceQuote,
  batchSettlementRefund,
  batchCharge,
  modelsList,
  modelUsage,
  operatorGet,
  operatorsList,
  governanceParams,
  proposalGet,
  proposalsList,
  votingPowerGet,
  openaiChatCompletions,
  openaiModels,
  openapi,
  settledInferences,
  settlementEpoch,
  settlementsFeed,
  stats,
  stream,
};

/** Every endpoint, in the order the document lists them. */
export const endpoints: readonly EndpointSpec[] = [
  datanetsList,
  datanetGet,
  datanetContributions,
  datanetLeaderboard,
  datanetRecords,
  datanetUsage,
  datanetOriginality,
  contributionOriginality,
  datanetForecast,
  modelsList,
  modelGet,
  modelUsage,
  modelArtifact,
  modelInferenceQuote,
  modelInference,
  batchSettlementRefund,
  batchCharge,
  inferencesList,
  inferenceGet,
  inferenceVerify,
  accountEarnings,
  accountAttribution,
  accountClaim,
  accountClaims,
  accountContributions,
  accountEarningsCsv,
  operatorsList,
  operatorGet,
  governanceParams,
  proposalsList,
  proposalGet,
  votingPowerGet,
  stats,
  settlementsFeed,
  health,
  metrics,
  deployment,
  contentUpload,
  contentGet,
  contentAttestation,
  authNonce,
  authSessionGet,
  authSessionCreate,
  authSessionDelete,
  factoryBuildCreate,
  factoryBuildsList,
  factoryBuildGet,
  stream,
  openapi,
  openaiModels,
  openaiChatCompletions,
  settlementEpoch,
  settledInferences,
  epochBalances,
];
