import { AppError } from "@/lib/errors";

/** Every invalid input to the attribution engine throws this, with a message meant for a person (→ 422). */
export class AttributionError extends AppError {
  constructor(message: string) {
    super("unprocessable", message);
    (this as { name: string }).name = "AttributionError";
  }
}
