"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";

/**
 * The Datanet filter of /models: a GET form (works without JavaScript through its button) whose select
 * navigates as soon as it changes. The other filters ride along as hidden fields.
 */
export function DatanetFilter({
  datanets,
  value,
  keep,
}: {
  datanets: { id: number; name: string }[];
  value?: number;
  keep: Record<string, string | undefined>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <form
      action="/models"
      method="get"
      className="flex items-center gap-2"
      onSubmit={(e) => e.preventDefault()}
      aria-busy={pending}
    >
      {Object.entries(keep).map(([name, v]) => (v ? <input key={name} type="hidden" name={name} value={v} /> : null))}
      <label htmlFor="model-datanet" className="text-sm text-muted-foreground">
        Built from
      </label>
      <select
        id="model-datanet"
        name="datanet"
        value={value === undefined ? "" : String(value)}
        onChange={(e) => {
          const qs = new URLSearchParams();
          for (const [k, v] of Object.entries(keep)) if (v) qs.set(k, v);
          if (e.target.value) qs.set("datanet", e.target.value);
          const s = qs.toString();
          startTransition(() => router.push(s ? `/models?${s}` : "/models"));
        }}
        className="h-8 max-w-[16rem] rounded-md border border-input bg-card px-2 text-sm shadow-xs focus:outline-none focus:ring-2 focus:ring-ring/30"
      >
        <option value="">Any Datanet</option>
        {datanets.map((d) => (
          <option key={d.id} value={String(d.id)}>
            {d.name}
          </option>
        ))}
      </select>
      <noscript>
        <button type="submit" className="h-8 rounded-md border border-border px-2 text-sm">
          Filter
        </button>
      </noscript>
    </form>
  );
}
