/**
 * Shared by the Datanet page (server) and the record viewer (client): a value imported from a
 * "use client" module is only a client reference on the server, so the page size lives here.
 */
export const RECORD_PAGE_SIZE = 20;

/** Wire shape of GET /api/datanets/{id}/records (DatanetRecordPage). */
export interface RecordPageWire {
  items: { contributionId: number; index: number; text: string; contributor: string; status: "pending" | "accepted" | "rejected"; version: number | null }[];
  nextCursor: string | null;
  total: number;
  unavailable: number;
}
