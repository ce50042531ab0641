/** Every invalid input to the attribution engine throws this, with a message meant for a person. */
export class AttributionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AttributionError";
  }
}
