import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Answers 400 for a path whose percent-encoding cannot be decoded; true when it answered. */
export function refuseMalformedPath(req: IncomingMessage, res: ServerResponse): boolean;
/** The server's `clientError` handler. */
export function answerClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void;
