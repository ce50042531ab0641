import type { BuildPhase } from "@/lib/factory/spec";

export type Kind = "infinigram" | "knn" | "external";

export interface DatanetSummary {
  id: number;
  name: string;
  summary: string;
  versionCount: number;
  contributors: number;
  acceptedRecords: number;
}

export interface DatanetVersion {
  version: number;
  count: number;
  rootVerified: boolean;
  publishedAt: string;
}

export interface Registration {
  metadataURI: string;
  metadataHash: `0x${string}`;
  artifactHash: `0x${string}`;
  datanetIds: string[];
  versions: number[];
  kind: number;
}

export interface ModelBuild {
  id: string;
  kind: Kind;
  name: string;
  status: "queued" | "running" | "succeeded" | "failed";
  phase: BuildPhase;
  progress: number;
  error: string | null;
  tokens: number | null;
  contributions: number | null;
  evaluation: Record<string, unknown> | null;
  registration: Registration | null;
  modelId: number | null;
}

async function readJson<T>(res: Response, what: string): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${what} failed (HTTP ${res.status}).`);
  return body;
}

export async function fetchDatanets(): Promise<DatanetSummary[]> {
  const res = await fetch("/api/datanets?limit=100&sort=newest", { cache: "no-store" });
  return (await readJson<{ items: DatanetSummary[] }>(res, "Loading the Datanets")).items;
}

export async function fetchVersions(id: number): Promise<DatanetVersion[]> {
  const res = await fetch(`/api/datanets/${id}`, { cache: "no-store" });
  return (await readJson<{ versions: DatanetVersion[] }>(res, `Loading Datanet #${id}`)).versions;
}

export async function createBuild(body: unknown): Promise<ModelBuild> {
  const res = await fetch("/api/factory/builds", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return readJson<ModelBuild>(res, "Starting the build");
}

export async function fetchBuild(id: string): Promise<ModelBuild> {
  const res = await fetch(`/api/factory/builds/${id}`, { cache: "no-store" });
  return readJson<ModelBuild>(res, "Loading the build");
}
