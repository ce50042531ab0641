/**
 * Refuses addresses whose percent-encoding cannot be decoded (`/api/inferences/%`, `/datanets/%E0%A4%A`)
 * before routing: Next would throw a URIError while decoding the dynamic segment and answer 500.
 * API paths get the API's error body; pages a short plain-text message.
 */
import { NextResponse, type NextRequest } from "next/server";

function decodable(pathname: string): boolean {
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

export function proxy(request: NextRequest) {
  // The raw path as sent: nextUrl may already be normalised.
  const raw = request.url.replace(/^[a-z]+:\/\/[^/]+/i, "").split(/[?#]/)[0];
  if (decodable(raw)) return NextResponse.next();
  const message = "The address is malformed: it contains a % that is not followed by two hex digits of valid UTF-8. Check the link.";
  if (raw.startsWith("/api/") || raw.startsWith("/v1/")) {
    const body = raw.startsWith("/v1/")
      ? { error: { message, type: "invalid_request_error", code: "bad_request", param: null } }
      : { error: message, reason: "bad_request" };
    return NextResponse.json(body, { status: 400 });
  }
  return new NextResponse(message, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export const config = {
  // Everything but Next's own static files.
  matcher: ["/((?!_next/static|_next/image).*)"],
};
