/** A POST whose body is sent chunk by chunk with no declared length (chunked transfer encoding), for `fetch`. */
export function chunkedPost(chunks: Uint8Array[], init: RequestInit = {}): RequestInit {
  const queue = [...chunks];
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = queue.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  return { method: "POST", ...init, body, duplex: "half" } as RequestInit;
}
