import { openaiChatCompletions } from "@/lib/api/endpoints";
import { json, route } from "@/lib/api/route";
import { sseResponse } from "@/lib/api/sse";
import { chunkFrame, chunkJson, completionJson, DONE_FRAME, finishReason, ledgerlineField, modelIdOf, paramsOf, promptOf, usageAndCost } from "@/lib/inference/openai";
import { paidInference, publicRequestId, type PaidOutcome } from "@/lib/inference/paid";
import { X402_CORS_HEADERS } from "@/lib/payments";

export const POST = route(openaiChatCompletions, async ({ body, request }) => {
  const input = { modelId: modelIdOf(body.model), prompt: promptOf(body), params: paramsOf(body), resource: request.url };
  if (!body.stream) {
    const outcome = await paidInference(request, input);
    if (outcome.kind === "response") return outcome.response;
    return json(completionJson(body, outcome.served, outcome), { headers: outcome.headers });
  }

  // Streaming: the payment must succeed (or be refused with a 402/4xx) before the 200 stream starts, so
  // the response waits for the first generated text or the end, whichever comes first.
  const pending: string[] = [];
  let push: ((chunk: string) => void) | null = null;
  let firstText!: () => void;
  const started = new Promise<void>((resolve) => (firstText = resolve));
  const run = paidInference(request, input, {
    onText: (chunk) => {
      if (push) push(chunk);
      else pending.push(chunk);
      firstText();
    },
  });
  const first = await Promise.race([started.then(() => null), run.then((o) => o)]);
  if (first?.kind === "response") return first.response;

  return sseResponse(
    async (sendFrame) => {
      const send = (data: unknown) => sendFrame(chunkFrame(data));
      let id = first?.kind === "served" ? `chatcmpl-${publicRequestId(first.served)}` : "chatcmpl-pending";
      let streamed = false;
      send(chunkJson(id, input.modelId, { role: "assistant", content: "" }, null));
      push = (chunk) => {
        streamed = true;
        send(chunkJson(id, input.modelId, { content: chunk }, null));
      };
      for (const chunk of pending.splice(0)) push(chunk);
      try {
        const outcome = (await run) as Extract<PaidOutcome, { kind: "served" }>;
        id = `chatcmpl-${publicRequestId(outcome.served)}`;
        const s = outcome.served;
        // A model that answers at once (kNN) produces no partial text: send the answer whole.
        if (!streamed) send(chunkJson(id, input.modelId, { content: s.output }, null));
        send(
          chunkJson(id, input.modelId, {}, finishReason(s), {
            ...usageAndCost(s),
            ledgerline: ledgerlineField(s, outcome),
          }),
        );
      } catch (err) {
        const e = err as { message?: string; status?: number };
        send({ error: { message: e.message ?? "The inference failed.", type: "server_error", code: e.status ?? 500 } });
      }
      sendFrame(DONE_FRAME);
    },
    { headers: { connection: "keep-alive", "Access-Control-Expose-Headers": X402_CORS_HEADERS["Access-Control-Expose-Headers"] } },
  );
});

export function OPTIONS() {
  return new Response(null, { status: 204, headers: { ...X402_CORS_HEADERS, "Access-Control-Allow-Methods": "POST, OPTIONS" } });
}
