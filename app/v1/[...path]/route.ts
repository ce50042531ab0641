import { route } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

/** Any /v1 address no route serves: OpenAI's error shape, so its clients show the message. */
const unknown = route({ errorFormat: "openai" }, async ({ request }) => {
  throw new AppError("not_found", `There is no OpenAI-compatible route at ${new URL(request.url).pathname}: use /v1/models or /v1/chat/completions.`);
});

export { unknown as DELETE, unknown as GET, unknown as PATCH, unknown as POST, unknown as PUT };
