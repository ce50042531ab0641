import { apiGet, apiPost, type SpecAt, type Wire, type WireItem } from "@/lib/api/client";

/** Wire shapes of the Factory's routes, derived from their specs (lib/api/endpoints/). */
export type ModelBuild = Wire<SpecAt<"/api/factory/builds/{id}">>;
export type Kind = ModelBuild["kind"];
export type DatanetSummary = WireItem<SpecAt<"/api/datanets">>;
export type DatanetVersion = Wire<SpecAt<"/api/datanets/{id}">>["versions"][number];
export type BuildRequest = NonNullable<Parameters<typeof apiPost<"/api/factory/builds">>[1]>["body"];

export async function fetchDatanets(): Promise<DatanetSummary[]> {
  return (await apiGet("/api/datanets", { query: { limit: 100, sort: "newest" }, what: "Loading the Datanets" })).items;
}

export async function fetchVersions(id: number): Promise<DatanetVersion[]> {
  return (await apiGet("/api/datanets/{id}", { params: { id }, what: `Loading Datanet #${id}` })).versions;
}

export async function createBuild(body: BuildRequest): Promise<ModelBuild> {
  return apiPost("/api/factory/builds", { body, what: "Starting the build" });
}

export async function fetchBuild(id: string): Promise<ModelBuild> {
  return apiGet("/api/factory/builds/{id}", { params: { id }, what: "Loading the build" });
}

/** A model's token rates as the indexer has them (wei per token, decimal strings). */
export async function fetchIndexedRates(id: number): Promise<{ inputRate: string; outputRate: string }> {
  const m = await apiGet("/api/models/{id}", { params: { id }, what: `Loading model #${id}` });
  return { inputRate: m.inputRate, outputRate: m.outputRate };
}
