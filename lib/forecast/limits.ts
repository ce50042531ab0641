/** The earnings forecast's bounds (browser-safe: the API's docs and the upload preview name them). */
export const FORECAST_DAYS = 7;
export const FORECAST_MAX_PROMPTS = 500;
export const FORECAST_BUDGET_MS = 5_000;
