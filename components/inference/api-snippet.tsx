import { headers } from "next/headers";
import { Card, CardContent } from "@/components/ui/card";

/** How to call this model from code: x402 pays, the `openai` client reads (server component). */
export async function ApiSnippet({ modelId, kind }: { modelId: number; kind: string }) {
  const h = await headers();
  const base = `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host") ?? "localhost:3000"}`;
  const prompt = kind === "knn" ? "a sweet dessert made of cream and sugar" : "The tiger is";
  const curl = `curl -i ${base}/api/models/${modelId}/inference \\
  -H 'content-type: application/json' \\
  -d '{"prompt": "${prompt}"}'
# → 402 Payment Required: the price is in the PAYMENT-REQUIRED header (x402 v2).
#   Sign it with an x402 client and send it back as PAYMENT-SIGNATURE.`;
  const openai = `import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import OpenAI from "openai";

const x402 = new x402Client();
registerExactEvmScheme(x402, { signer: account /* a viem account holding OPEN */, networks: [network] });
x402.setSpendControls({ allowedAssets: [{ network, asset: openToken }] });

const openai = new OpenAI({ baseURL: "${base}/v1", apiKey: "x402", maxRetries: 0, fetch: wrapFetchWithPayment(fetch, x402) });
const answer = await openai.chat.completions.create({
  model: "model-${modelId}",
  messages: [{ role: "user", content: "${prompt}" }],
});
console.log(answer.choices[0].message.content, answer.ledgerline.attribution);`;
  return (
    <Card data-testid="api-snippet">
      <CardContent className="space-y-4 pt-5 text-sm">
        <p className="text-muted-foreground">Any HTTP client pays with x402; the answer carries its price split and attribution.</p>
        <pre tabIndex={0} className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">{curl}</pre>
        <p className="text-muted-foreground">
          OpenAI-compatible (<code className="font-mono">POST /v1/chat/completions</code>, streaming too), paid by the official x402 client:
        </p>
        <pre tabIndex={0} className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">{openai}</pre>
      </CardContent>
    </Card>
  );
}
