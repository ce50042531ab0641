/** Addresses a hostile or sloppy client sends: undecodable percent-encoding is a 4xx with a message, never a 500. */
import { expect, test } from "@playwright/test";

const PATHS = ["/api/inferences/%", "/api/inferences/%FF", "/%FF", "/datanets/%E0%A4%A", "/models/%", "/inferences/%C3", "/api/datanets/%zz/records", "/v1/models/%"];

for (const path of PATHS) {
  test(`GET ${path} is refused with a readable 4xx`, async ({ request }) => {
    const res = await request.get(path);
    expect(res.status(), await res.text()).toBeGreaterThanOrEqual(400);
    expect(res.status()).toBeLessThan(500);
    const text = await res.text();
    if (path.startsWith("/api/")) expect((await res.json()).error).toMatch(/malformed|not found|must be/i);
    else if (path.startsWith("/v1/")) expect((await res.json()).error.message).toMatch(/malformed|not found/i);
    else expect(text).toMatch(/malformed|not found|could not be found/i);
  });
}
