/**
 * Shared by the Datanet page (server) and the record viewer (client): a value imported from a
 * "use client" module is only a client reference on the server, so the page size lives here.
 */
import type { SpecAt, Wire } from "@/lib/api/client";

export const RECORD_PAGE_SIZE = 20;

/** Wire shape of GET /api/datanets/{id}/records (DatanetRecordPage), derived from its spec. */
export type RecordPageWire = Wire<SpecAt<"/api/datanets/{id}/records">>;
