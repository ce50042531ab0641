import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";
import { formatEther } from "viem";
import { AddressText, PageHeader, SectionHeading } from "@/components/domain";
import { formatDateTime, formatNumber, formatRelativeTime, plural } from "@/components/format";
import { ActivityIcon, AlertIcon, CheckIcon, ClockIcon, CoinsIcon, ShieldIcon } from "@/components/icons";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Stat, StatGrid } from "@/components/ui/stat";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { getDb } from "@/db/client";
import { decodeSession, SESSION_COOKIE, sessionSecret } from "@/lib/auth/session";
import { getChainConfig } from "@/lib/chain/config";
import { operatorAccount } from "@/lib/chain/operator";
import { operatorStatus, type OperatorStatus } from "@/lib/ops/status";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Operator console",
  description: "This node's health, its operator key's gas balance, settlements and refunds waiting, epochs and recent errors.",
  robots: { index: false },
};

/** Gas-token amounts (ETH on anvil, OPEN on OpenLedger's chain) rounded to 4 decimals; exact in the title. */
function gas(wei: bigint): string {
  const [i, f = ""] = formatEther(wei).split(".");
  const rounded = Number(`0.${f || "0"}`).toFixed(4).slice(1).replace(/\.?0+$/, "");
  return `${Number(i).toLocaleString("en-US")}${rounded}`;
}

/**
 * Who may see this page: anyone on the local dev chain; elsewhere the operator, signed in (Sign-In with Ethereum)
 * with the operator key's address. Recent errors can name payers and transactions.
 */
async function allowed(): Promise<{ ok: true } | { ok: false; operator: string | null }> {
  let cfg;
  try {
    cfg = getChainConfig();
  } catch {
    return { ok: false, operator: null };
  }
  if (cfg.isLocal) return { ok: true };
  let operator: string | null = null;
  try {
    operator = operatorAccount(cfg.chainId).address.toLowerCase();
  } catch {
    return { ok: false, operator: null };
  }
  const db = await getDb();
  const session = decodeSession((await cookies()).get(SESSION_COOKIE)?.value, await sessionSecret(db));
  return session?.address.toLowerCase() === operator ? { ok: true } : { ok: false, operator };
}

function CheckRow({ name, check }: { name: string; check: { ok: boolean; error?: string } }) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-2 py-2" data-testid={`check-${name.toLowerCase()}`}>
      <dt className="font-medium">{name}</dt>
      <dd className="flex min-w-0 flex-col items-end gap-1 text-right">
        <Badge variant={check.ok ? "success" : "destructive"}>{check.ok ? "Up" : "Down"}</Badge>
        {check.error ? <span className="text-xs break-words text-destructive">{check.error}</span> : null}
      </dd>
    </div>
  );
}

function Console({ s }: { s: OperatorStatus }) {
  const h = s.health;
  const pendingSettle = s.jobs?.served ?? null;
  const pendingRefund = s.jobs?.failed ?? null;
  const errors = [
    ...s.jobErrors.map((e) => ({ at: e.at, source: `Request #${e.requestId} (${e.status})`, message: e.error, key: `job-${e.requestId}`, reqId: undefined as string | undefined })),
    ...s.problems.map((p, i) => ({ at: new Date(p.at), source: `${p.level}${p.component ? ` · ${p.component}` : ""}`, message: p.msg, key: `log-${i}`, reqId: p.reqId })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, 20);
  return (
    <div className="container-page space-y-10 py-8">
      {s.operator?.low ? (
        <div role="alert" className="flex items-start gap-3 rounded-xl border border-warning/40 bg-warning/10 px-4 py-3 text-sm" data-testid="low-balance">
          <AlertIcon className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden="true" />
          <p>
            <strong>The operator&apos;s gas balance is low</strong>: {gas(s.operator.balance ?? 0n)} left, below the {gas(s.operator.threshold)} warning line
            (OPERATOR_LOW_BALANCE). Settlements, refunds and epoch roots fail once it runs out: send gas to <AddressText address={s.operator.address} chars={6} />.
          </p>
        </div>
      ) : null}

      <section aria-labelledby="status-heading" className="space-y-4">
        <SectionHeading id="status-heading" title="Status" description="What /api/health reports, and what /metrics exports for Prometheus." />
        <StatGrid className="lg:grid-cols-4">
          <Stat
            label="Operator gas"
            icon={<CoinsIcon />}
            value={<span data-testid="operator-balance">{s.operator?.balance !== null && s.operator?.balance !== undefined ? gas(s.operator.balance) : "—"}</span>}
            title={s.operator?.balance !== null && s.operator?.balance !== undefined ? `${s.operator.balance} wei` : undefined}
            hint={s.operator ? (s.operator.error ? s.operator.error : <>key <AddressText address={s.operator.address} /> · warns below {gas(s.operator.threshold)}</>) : "the chain is unreachable"}
          />
          <Stat label="Settlements waiting" icon={<ClockIcon />} value={pendingSettle === null ? "—" : formatNumber(pendingSettle)} hint="answered, not yet settled on-chain (recovery retries)" />
          <Stat label="Refunds waiting" icon={<AlertIcon />} value={pendingRefund === null ? "—" : formatNumber(pendingRefund)} hint="failed, refund not yet through (recovery retries)" />
          <Stat
            label="Queue"
            icon={<ActivityIcon />}
            value={s.jobs ? formatNumber(s.jobs.queued + s.jobs.serving) : "—"}
            hint={s.unsettledPayments === null ? "paid requests being served" : `${plural(s.unsettledPayments, "payment")} in escrow on-chain`}
          />
        </StatGrid>
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              {h.ok ? <CheckIcon className="size-4 text-success" aria-hidden="true" /> : <AlertIcon className="size-4 text-destructive" aria-hidden="true" />}
              {h.ok ? "Everything is up" : `Down: ${h.down.join(", ")}`}
            </CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="divide-y divide-border text-sm">
              <CheckRow name="Chain" check={h.checks.chain} />
              <CheckRow name="Database" check={h.checks.database} />
              <CheckRow name="Indexer" check={h.checks.indexer} />
            </dl>
            <p className="mt-3 text-xs text-muted-foreground">
              Chain head {h.head === null ? "unknown" : `#${formatNumber(h.head)}`} · indexed {h.indexed === null ? "nothing yet" : `#${formatNumber(h.indexed)}`}
              {h.lag !== null ? ` · ${plural(h.lag, "block")} behind (limit ${h.maxLag})` : ""}
            </p>
          </CardContent>
        </Card>
      </section>

      <section aria-labelledby="epochs-heading" className="space-y-4">
        <SectionHeading id="epochs-heading" title="Epochs" description="Merkle roots of contributors' cumulative earnings this node posts; contributors claim against final ones." />
        {s.epochs === null ? (
          <EmptyState compact icon={<AlertIcon />} title="Epochs cannot be read" description="The database is unavailable; see the status above." />
        ) : s.epochs.latest === null ? (
          <EmptyState
            compact
            icon={<ShieldIcon />}
            title="No epoch posted yet"
            description={s.epochs.intervalMs > 0 ? `The epoch job posts one every ${s.epochs.intervalMs / 60_000} min once inferences have settled.` : "Epochs are posted on demand (EPOCH_INTERVAL_MINUTES=0): npm run epoch."}
          />
        ) : (
          <Card>
            <CardContent className="pt-6">
              <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-4" data-testid="epoch-latest">
                <div>
                  <dt className="text-muted-foreground">Latest</dt>
                  <dd className="font-medium">
                    Epoch #{s.epochs.latest.epoch} <Badge variant={s.epochs.latest.status === "final" ? "success" : s.epochs.latest.status === "pending" ? "info" : "warning"}>{s.epochs.latest.status}</Badge>
                  </dd>
                </div>
                <div>
                  <dt className="text-muted-foreground">Covers</dt>
                  <dd className="font-medium">through block #{formatNumber(s.epochs.latest.throughBlock)}</dd>
                </div>
                <div>
                  <dt className="text-muted-foreground">Posted</dt>
                  <dd className="font-medium" title={formatDateTime(s.epochs.latest.postedAt)}>{formatRelativeTime(s.epochs.latest.postedAt)}</dd>
                </div>
                <div>
                  <dt className="text-muted-foreground">{s.epochs.latest.status === "pending" ? "Final" : "Window ended"}</dt>
                  <dd className="font-medium" title={formatDateTime(s.epochs.latest.finalizesAt)}>{formatRelativeTime(s.epochs.latest.finalizesAt)}</dd>
                </div>
              </dl>
              <p className="mt-4 text-xs text-muted-foreground">
                {Object.entries(s.epochs.byStatus)
                  .map(([k, n]) => `${formatNumber(n)} ${k}`)
                  .join(" · ")}{" "}
                · {s.epochs.intervalMs > 0 ? `posted every ${s.epochs.intervalMs / 60_000} min` : "posted on demand"}
              </p>
            </CardContent>
          </Card>
        )}
      </section>

      <section aria-labelledby="errors-heading" className="space-y-4">
        <SectionHeading id="errors-heading" title="Recent errors" description="Failed settlements and refunds on record, and the warnings and errors this process logged (newest first)." />
        {errors.length === 0 ? (
          <EmptyState compact icon={<CheckIcon />} title="No errors" description="Nothing has failed since this process started, and no job carries an error." />
        ) : (
          <Card className="overflow-hidden">
            <div className="overflow-x-auto">
              <Table data-testid="recent-errors">
                <TableHeader>
                  <TableRow>
                    <TableHead>When</TableHead>
                    <TableHead>Where</TableHead>
                    <TableHead>What</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {errors.map((e) => (
                    <TableRow key={e.key}>
                      <TableCell className="whitespace-nowrap align-top text-muted-foreground" title={formatDateTime(e.at)}>
                        {formatRelativeTime(e.at)}
                      </TableCell>
                      <TableCell className="whitespace-nowrap align-top">{e.source}</TableCell>
                      <TableCell className="min-w-64 align-top break-words whitespace-normal">
                        {e.message}
                        {e.reqId ? <span className="block font-mono text-xs text-muted-foreground">request {e.reqId}</span> : null}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
          </Card>
        )}
      </section>
    </div>
  );
}

export default async function OperatorPage() {
  const access = await allowed();
  return (
    <>
      <PageHeader
        title="Operator console"
        description={
          <>
            This node: whether its chain, database and indexer are up, its operator key&apos;s gas, paid requests waiting to be settled or refunded, epochs and recent errors.
            Machines read the same from <Link className="underline underline-offset-2" href="/api/health">/api/health</Link> and <code className="font-mono text-xs">/metrics</code>.
          </>
        }
      />
      {access.ok ? (
        <Console s={await operatorStatus()} />
      ) : (
        <div className="container-page py-8">
          <EmptyState
            icon={<ShieldIcon />}
            title="For this node's operator"
            description={
              access.operator
                ? `Sign in with the operator's key (${access.operator}) to see this console. Health is public at /api/health.`
                : "This node has no operator key configured (OPERATOR_PRIVATE_KEY). Health is public at /api/health."
            }
          />
        </div>
      )}
    </>
  );
}
