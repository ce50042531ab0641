/** Paid inference: the quote, and one paid inference (x402 or the payer's own transaction). */
import { z } from "zod";
import { inferenceRequestSchema } from "@/lib/payments/request";
import { endpoint, idOut, named } from "../spec";
import { idPath, modelKind } from "./shared";

const hexInput = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `must be ${what} (0x and ${bytes * 2} hex digits)`)
    .transform((s) => s.toLowerCase() as `0x${string}`);

const SplitOut = z.object({ protocol: z.string(), operator: z.string(), builder: z.string(), contributorPool: z.string() });
const AttributionOut = z.object({
  method: z.string(),
  attributionHash: z.string(),
  entries: z.array(z.object({ contributionId: z.number().nullable(), weightPpm: z.number(), amount: z.string(), contributor: z.string(), datanetId: z.number() })),
});

export const modelInferenceQuote = endpoint({
  method: "GET",
  path: "/api/models/{id}/inference",
  operationId: "quoteInference",
  tag: "Inference",
  summary: "The current price of one inference (wei of OPEN) and the x402 payment requirements, before anything is signed.",
  params: idPath,
  notFound: true,
  response: named(
    "InferenceQuote",
    z.object({
      modelId: idOut,
      price: z.string().meta({ description: "Wei of OPEN, decimal string: a flat-price model's price; a per-token model's fixed fee F." }),
      priceOpen: z.string().meta({ description: "The same price in OPEN, for people." }),
      inputRate: z.string().meta({ description: "Wei per prompt token (R_in); 0 with outputRate 0 = flat price. A per-token request costs T_in·R_in + T_out·R_out + F: its 402 asks for the ceiling at max_tokens and the rest is returned." }),
      outputRate: z.string().meta({ description: "Wei per answer token (R_out)." }),
      active: z.boolean(),
      kind: modelKind,
      token: z.string(),
      market: z.string(),
      chainId: z.number().int(),
      x402: z.record(z.string(), z.unknown()).meta({ description: "The x402 v2 PaymentRequired object a client signs against." }),
    }),
  ),
});

export const modelInference = endpoint({
  method: "POST",
  path: "/api/models/{id}/inference",
  operationId: "runInference",
  tag: "Inference",
  summary: "Pay for and run one inference: with an x402 payment header (gasless: `exact` EIP-3009, or a `batch-settlement` channel voucher), or with the hash of your own `pay` transaction and the nonce its request hash used. Without either: 402 with the payment requirements.",
  description:
    "With `Accept: text/event-stream` the answer streams as server-sent events once the payment is in escrow: `payment` (accepted, requestId, txHash), `token` ({text}, in order), `answer` (output, method, traced spans), `settlement` ({status: pending}, then {status: confirmed, tx, result} with result = the JSON below, or {status: pending, reason: settlement_pending} when recovery will settle), or `error` ({error, reason, refunded, refundTx}). Refusals before the payment is taken (402, 409 replay, 422) stay plain HTTP errors. " +
    "What is served becomes public: the prompt, parameters, answer and attribution record of every settled inference are published (GET /api/settlements) so anyone can recompute the attribution and the epoch roots.",
  params: idPath,
  notFound: true,
  unprocessable: true,
  paid: true,
  body: inferenceRequestSchema.extend({
    payment: z
      .object({ txHash: hexInput(32, "a transaction hash"), nonce: hexInput(32, "the 32-byte nonce of your request hash") })
      .optional()
      .meta({ description: "Paid with a wallet transaction: `pay(modelId, requestHash, maxPrice)` where requestHash = keccak256 of the canonical request with this nonce." }),
  }),
  response: named(
    "InferenceResult",
    z.object({
      requestId: z.string().meta({ description: "The on-chain request id; for an x402 batch-settlement payment (pending settlement), the request hash." }),
      requestHash: z.string().optional().meta({ description: "Batch-settlement: the request hash, the inference's stable id until its batch is booked." }),
      settlement: z
        .enum(["settled", "pending"])
        .meta({ description: "settled on-chain, or pending settlement: charged in a batch-settlement channel and booked on-chain by the operator in a later batch." }),
      modelId: idOut,
      output: z.string(),
      price: z.string().meta({ description: "Wei of OPEN charged." }),
      split: SplitOut.nullable().meta({ description: "The on-chain fee split; null while pending settlement." }),
      attribution: AttributionOut,
      outputHash: z.string(),
      settleTx: z.string().nullable(),
      paymentTx: z.string().nullable(),
      payer: z.string(),
      via: z.enum(["x402", "transaction"]),
      params: z.record(z.string(), z.unknown()),
      usage: z
        .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
        .meta({ description: "Tokens of the prompt and the answer (OpenAI style), counted with the models' tokenizer (r50k_base)." }),
      cost: z
        .object({ charged: z.string(), ceiling: z.string(), returned: z.string() })
        .meta({
          description:
            "Wei of OPEN: the ceiling paid (a per-token model: the quote at max_tokens, T_in·R_in + max_tokens·R_out + F), the charge for the tokens used (T_in·R_in + T_out·R_out + F, = price) and what went back to the payer (ceiling − charged; 0 for a flat price).",
        }),
    }),
  ),
});

export const batchSettlementRefund = endpoint({
  method: "GET",
  path: "/api/payments/batch-settlement/refund",
  operationId: "refundBatchSettlementChannel",
  tag: "Inference",
  summary:
    "Cooperative refund of the unused deposit of your x402 batch-settlement channel: the URL to give the official client's `refundChannel`. Without a payment: 402 with the channel terms; with a refund payload (PAYMENT-SIGNATURE): the charged vouchers are claimed and the rest goes back to the payer in one transaction, answered with PAYMENT-RESPONSE.",
  paid: true,
  response: { contentType: "application/json", description: "`{ message: \"Refund acknowledged\", channelId, transaction, amount }` with the PAYMENT-RESPONSE header." },
});

export const batchCharge = endpoint({
  method: "GET",
  path: "/api/payments/batch-settlement/charges/{requestHash}",
  operationId: "getBatchCharge",
  tag: "Inference",
  summary:
    "An inference paid with an x402 batch-settlement voucher, by its request hash (its id until booked): what was charged, whether it is still pending settlement or booked (and by which transaction), and the stored answer. A payer whose response was lost reads it here.",
  params: z.object({ requestHash: hexInput(32, "the inference's request hash") }),
  notFound: true,
  response: named(
    "BatchCharge",
    z.object({
      requestHash: z.string(),
      channelId: z.string(),
      payer: z.string(),
      modelId: idOut,
      charged: z.string().meta({ description: "Wei of OPEN charged." }),
      settlement: z.enum(["pending", "booked"]),
      bookedTx: z.string().nullable(),
      bookedRequestId: z.number().int().nullable().meta({ description: "Once the booking is indexed: the inference's id in the explorer (/inferences/{id}), with its split and contributor credits." }),
      outputHash: z.string(),
      attributionHash: z.string(),
      output: z.string(),
      createdAt: z.string(),
    }),
  ),
});
