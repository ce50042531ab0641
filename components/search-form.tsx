import { SearchIcon } from "@/components/icons";
import { buttonVariants } from "@/components/ui/button";

/**
 * A plain GET search form (works without JavaScript): the query box plus the list's other filters as
 * hidden fields, so searching keeps them.
 */
export function SearchForm({
  action,
  id,
  label,
  placeholder,
  q,
  keep,
}: {
  action: string;
  id: string;
  label: string;
  placeholder: string;
  q?: string;
  keep: Record<string, string | undefined>;
}) {
  return (
    <form action={action} method="get" role="search" className="mt-6 flex max-w-2xl gap-2">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <div className="relative flex-1">
        <SearchIcon className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
        <input
          id={id}
          type="search"
          name="q"
          defaultValue={q}
          placeholder={placeholder}
          className="h-10 w-full rounded-md border border-input bg-card pl-9 pr-3 text-sm shadow-xs placeholder:text-muted-foreground focus:border-ring focus:outline-none focus:ring-2 focus:ring-ring/30"
        />
      </div>
      {Object.entries(keep).map(([name, value]) => (value ? <input key={name} type="hidden" name={name} value={value} /> : null))}
      <button type="submit" className={buttonVariants({ className: "h-10" })}>
        Search
      </button>
    </form>
  );
}
