"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { formatNumber } from "@/components/format";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/utils";
import { fetchDatanets, fetchVersions, type DatanetSummary } from "./api";

export interface Picked {
  id: number;
  version: number;
}

const MAX_DATANETS = 16;

/** Datanets with at least one published version; tick one to choose which version to build from. */
export function DatanetPicker({ picked, onChange, disabled }: { picked: Picked[]; onChange: (p: Picked[]) => void; disabled?: boolean }) {
  const datanets = useQuery({ queryKey: ["factory-datanets"], queryFn: fetchDatanets });
  if (datanets.isPending)
    return (
      <div className="space-y-2">
        <Skeleton className="h-12 w-full" />
        <Skeleton className="h-12 w-full" />
      </div>
    );
  if (datanets.isError) return <p className="text-sm text-destructive">Could not load the Datanets: {datanets.error.message}</p>;
  const published = datanets.data.filter((d) => d.versionCount > 0);
  if (published.length === 0) return <p className="text-sm text-muted-foreground">No Datanet has a published version yet.</p>;

  const set = (id: number, version: number | null) => {
    const rest = picked.filter((p) => p.id !== id);
    onChange(version === null ? rest : [...rest, { id, version }].sort((a, b) => a.id - b.id));
  };
  return (
    <ul className="divide-y divide-border rounded-md border border-border" aria-label="Datanets">
      {published.map((d) => (
        <DatanetRow
          key={d.id}
          datanet={d}
          picked={picked.find((p) => p.id === d.id) ?? null}
          onPick={(v) => set(d.id, v)}
          disabled={disabled || (picked.length >= MAX_DATANETS && !picked.some((p) => p.id === d.id))}
        />
      ))}
    </ul>
  );
}

function DatanetRow({ datanet, picked, onPick, disabled }: { datanet: DatanetSummary; picked: Picked | null; onPick: (version: number | null) => void; disabled?: boolean }) {
  const checked = picked !== null;
  const versions = useQuery({ queryKey: ["factory-datanet-versions", datanet.id], queryFn: () => fetchVersions(datanet.id), enabled: checked });
  const newest = versions.data?.[0]?.version;
  // Ticking a Datanet picks its newest published version once the list is in.
  useEffect(() => {
    if (checked && picked.version === 0 && newest !== undefined) onPick(newest);
  }, [checked, picked, newest, onPick]);

  const id = `dn-${datanet.id}`;
  return (
    <li className={cn("flex flex-wrap items-center gap-3 px-3 py-2.5", checked && "bg-primary/5")}>
      <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onPick(e.target.checked ? (newest ?? 0) : null)} className="size-4 accent-primary" />
      <label htmlFor={id} className="min-w-0 flex-1 cursor-pointer">
        <span className="block font-medium">{datanet.name}</span>
        <span className="block text-xs text-muted-foreground">
          #{datanet.id} · {formatNumber(datanet.versionCount)} version{datanet.versionCount === 1 ? "" : "s"} · {formatNumber(datanet.acceptedRecords)} records · {formatNumber(datanet.contributors)} contributor
          {datanet.contributors === 1 ? "" : "s"}
        </span>
      </label>
      {checked ? (
        versions.isPending ? (
          <Skeleton className="h-9 w-40" />
        ) : versions.isError ? (
          <span className="text-xs text-destructive">{versions.error.message}</span>
        ) : (
          <select
            aria-label={`Version of ${datanet.name}`}
            value={picked.version}
            disabled={disabled}
            onChange={(e) => onPick(Number(e.target.value))}
            className="h-9 rounded-md border border-border bg-card px-2 text-sm"
          >
            {versions.data.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version} · {formatNumber(v.count)} records{v.rootVerified ? "" : " (root unverified)"}
              </option>
            ))}
          </select>
        )
      ) : null}
    </li>
  );
}
