/**
 * What the web server answers itself, before Next sees a request (scripts/web-server.mjs): paths Next cannot
 * decode, and bytes Node cannot parse as HTTP. Both in the API's error shape (OpenAI's under /v1/).
 */
import http from "node:http";

const apiError = (path, message, code) =>
  JSON.stringify(path.startsWith("/v1/") ? { error: { message, type: "invalid_request_error", code, param: null } } : { error: message, reason: code });

/**
 * A path whose percent-encoding cannot be decoded (`/api/inferences/%`, `/datanets/%E0%A4%A`) is refused before
 * routing: Next would throw a URIError while decoding the dynamic segment and answer 500. API paths get the API's
 * error body; pages a short plain-text message. True when it answered.
 */
export function refuseMalformedPath(req, res) {
  const raw = req.url.split(/[?#]/)[0];
  try {
    for (const segment of raw.split("/")) decodeURIComponent(segment);
    return false;
  } catch {
    const message = "The address is malformed: it contains a % that is not followed by two hex digits of valid UTF-8. Check the link.";
    const api = raw.startsWith("/api/") || raw.startsWith("/v1/");
    const body = api ? apiError(raw, message, "bad_request") : message;
    res.writeHead(400, { "content-type": api ? "application/json; charset=utf-8" : "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
    return true;
  }
}

/**
 * The server's `clientError`: headers over Node's 16 KiB limit (431) or malformed HTTP (400), answered in the API's
 * shape instead of Node's empty answer. A socket with an answer still owed (a bad request pipelined behind a stream
 * or a slow answer) is closed instead: a status line written there would land inside that answer or before it.
 */
export function answerClientError(err, socket) {
  if (!socket.writable || err.code === "ECONNRESET" || socket._httpMessage) return socket.destroy();
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? 431 : 400;
  const code = tooLarge ? "headers_too_large" : "bad_request";
  const message = tooLarge ? "The request's headers are larger than the server accepts (16 KiB in all)." : "The request could not be read as HTTP.";
  const path = /^[A-Z]+ (\S+)/.exec(err.rawPacket?.toString("latin1") ?? "")?.[1] ?? "";
  const body = apiError(path, message, code);
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/**
 * Next hands the IncomingMessage to undici as the route's request body. A route that stops reading at its byte cap
 * cancels that body, and Node then destroys the request with the socket detached: the parser stops reading, so the
 * client, still sending, waits on a connection that neither reads nor closes (or meets a reset). Instead the rest of
 * the body is read and dropped, as Node does for bodies nobody reads, and the connection carries the next request.
 * Node's requestTimeout still bounds a body that never ends.
 */
export function dropBodyWhenAbandoned(req) {
  const socket = req.socket;
  const destroy = req.destroy;
  req.destroy = function (err) {
    if (req.complete || err?.name !== "AbortError" || !socket || socket.destroyed) return destroy.call(this, err);
    req.socket = socket;
    req.removeAllListeners("readable");
    req.removeAllListeners("data");
    // After the 'readable' listeners are gone (Node updates that state on the next tick), the stream can flow.
    process.nextTick(() => req.resume());
    return this;
  };
}
