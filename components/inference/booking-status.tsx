"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { apiGet } from "@/lib/api/client";
import { shortHash } from "@/components/format";

/** How often a charge pending settlement is asked about: the operator books within a minute by default. */
const POLL_MS = 3_000;

/**
 * Where a batch-settlement charge is: pending settlement until the operator books it on-chain, then booked, with the
 * booked inference's page (its split and contributor credits) once the indexer has it.
 */
export function BookingStatus({ requestHash }: { requestHash: string }) {
  const charge = useQuery({
    queryKey: ["batch-charge", requestHash],
    queryFn: () => apiGet("/api/payments/batch-settlement/charges/{requestHash}", { params: { requestHash } }),
    refetchInterval: (q) => (q.state.data?.settlement === "booked" && q.state.data.bookedRequestId !== null ? false : POLL_MS),
  });
  const c = charge.data;
  const booked = c?.settlement === "booked";
  return (
    <p role="status" className="text-xs text-muted-foreground" data-testid="booking-status" data-status={booked ? (c.bookedRequestId !== null ? "indexed" : "booked") : "pending"}>
      {!booked ? (
        <>Waiting for the operator to book this charge on-chain (batched with others, within about a minute)…</>
      ) : (
        <>
          Booked on-chain in tx{" "}
          <span className="font-mono" title={c.bookedTx ?? undefined} data-testid="booking-tx">
            {shortHash(c.bookedTx ?? "")}
          </span>
          {c.bookedRequestId !== null ? (
            <>
              {" "}
              ·{" "}
              <Link href={`/inferences/${c.bookedRequestId}`} className="text-primary hover:underline" data-testid="booked-inference">
                Inference #{c.bookedRequestId}: its split and contributor credits
              </Link>
            </>
          ) : (
            " · crediting contributors…"
          )}
        </>
      )}
    </p>
  );
}
