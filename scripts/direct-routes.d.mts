import type { IncomingMessage, ServerResponse } from "node:http";

/** Loads the paid-inference route handlers from a production build; `serve` is true when it took the request. */
export function directRoutes(opts: { dir: string; hostname: string; port: number }): Promise<(req: IncomingMessage, res: ServerResponse) => boolean>;
/** The request body as a web stream, read as it is pulled; cancelling it pauses the socket. */
export function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array>;
/** Writes a handler's Response to the Node response. */
export function send(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void>;
