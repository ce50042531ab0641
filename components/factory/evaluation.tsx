import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { Kind } from "./api";

interface PerClass {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

const pct = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "—");
const num = (x: unknown, digits = 2) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "—");

function Metric({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-md border border-border px-3 py-2">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** The held-out evaluation of a finished build, per kind. */
export function EvaluationView({ kind, evaluation }: { kind: Kind; evaluation: Record<string, unknown> }) {
  const note = typeof evaluation.note === "string" ? evaluation.note : null;
  const heldOut = typeof evaluation.heldOutRecords === "number" ? evaluation.heldOutRecords : null;
  const perClass = Array.isArray(evaluation.perClass) ? (evaluation.perClass as PerClass[]) : [];
  return (
    <div className="space-y-3" data-testid="build-evaluation">
      <h4 className="text-sm font-medium">Evaluation{heldOut !== null ? <span className="font-normal text-muted-foreground"> on {heldOut} held-out records</span> : null}</h4>
      {kind === "infinigram" && "nextTokenAccuracy" in evaluation ? (
        <dl className="grid grid-cols-2 gap-2 text-sm sm:max-w-md">
          <Metric label="Next-token accuracy" value={pct(evaluation.nextTokenAccuracy)} testId="eval-accuracy" />
          <Metric label="Perplexity" value={num(evaluation.perplexity)} testId="eval-perplexity" />
        </dl>
      ) : null}
      {kind === "knn" && "accuracy" in evaluation ? (
        <>
          <dl className="grid grid-cols-2 gap-2 text-sm sm:max-w-md">
            <Metric label="Accuracy" value={pct(evaluation.accuracy)} testId="eval-accuracy" />
            <Metric label="Macro-F1" value={num(evaluation.macroF1, 3)} testId="eval-macro-f1" />
          </dl>
          {perClass.length > 0 ? (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Class</TableHead>
                  <TableHead className="text-right">Precision</TableHead>
                  <TableHead className="text-right">Recall</TableHead>
                  <TableHead className="text-right">F1</TableHead>
                  <TableHead className="text-right">Support</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {perClass.map((c) => (
                  <TableRow key={c.label}>
                    <TableCell className="font-medium">{c.label}</TableCell>
                    <TableCell className="text-right tabular-nums">{num(c.precision, 3)}</TableCell>
                    <TableCell className="text-right tabular-nums">{num(c.recall, 3)}</TableCell>
                    <TableCell className="text-right tabular-nums">{num(c.f1, 3)}</TableCell>
                    <TableCell className="text-right tabular-nums">{c.support}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          ) : null}
        </>
      ) : null}
      {note ? <p className="text-sm text-muted-foreground">{note}</p> : null}
    </div>
  );
}
