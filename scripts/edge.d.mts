import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Answers 400 for a path whose percent-encoding cannot be decoded; true when it answered. */
export function refuseMalformedPath(req: IncomingMessage, res: ServerResponse): boolean;
/** The server's `clientError` handler. */
export function answerClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void;
/** Reads and drops the rest of a body its reader cancelled, instead of leaving the connection stalled. */
export function dropBodyWhenAbandoned(req: IncomingMessage): void;
