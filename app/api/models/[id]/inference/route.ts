import { formatUnits } from "viem";
import { modelRegistryAbi } from "@/contracts-abi";
import { modelInference, modelInferenceQuote } from "@/lib/api/endpoints";
import { json, route } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { streamInference, wantsEventStream } from "@/lib/inference/event-stream";
import { paidInference, requirementsFor, servedJson } from "@/lib/inference/paid";
import { serveContext } from "@/lib/inference/runtime";
import { X402_CORS_HEADERS } from "@/lib/payments";

/** The price before anything is signed. */
export const GET = route(modelInferenceQuote, async ({ params, request }) => {
  const ctx = await serveContext();
  const count = await ctx.publicClient.readContract({ address: ctx.deployment.modelRegistry, abi: modelRegistryAbi, functionName: "modelCount" });
  if (params.id > Number(count)) throw new AppError("not_found", `Model ${params.id} was not found.`);
  const model = await ctx.publicClient.readContract({ address: ctx.deployment.modelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [BigInt(params.id)] });
  const x402 = await requirementsFor(params.id, model.price, new URL(request.url).toString());
  return {
    modelId: params.id,
    price: model.price.toString(),
    priceOpen: formatUnits(model.price, 18),
    inputRate: model.inputRate.toString(),
    outputRate: model.outputRate.toString(),
    active: model.active,
    kind: (["infinigram", "knn", "external", "rag"] as const)[model.kind] ?? "external",
    token: ctx.deployment.token,
    market: ctx.deployment.inferenceMarket,
    chainId: ctx.deployment.chainId,
    x402,
  };
});

export const POST = route(modelInference, async ({ params, body, request }) => {
  const input = { modelId: params.id, prompt: body.prompt, params: body.params, payment: body.payment, resource: request.url };
  // The Playground asks for the answer as it is generated, then its attribution and settlement.
  if (wantsEventStream(request)) return streamInference(request, input);
  const outcome = await paidInference(request, input);
  if (outcome.kind === "response") return outcome.response;
  return json(servedJson(outcome.served, outcome), { headers: outcome.headers });
});

/** Browsers preflight the paid retry (it carries PAYMENT-SIGNATURE). */
export function OPTIONS() {
  return new Response(null, { status: 204, headers: { ...X402_CORS_HEADERS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS" } });
}
