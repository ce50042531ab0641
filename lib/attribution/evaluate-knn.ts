/** Held-out evaluation of a kNN classifier: accuracy, macro-F1 and per-class precision/recall. */
import { AttributionError } from "./errors";
import { predictLabel, type KnnModel, type LabelledRecord } from "./knn";

export interface KnnEvaluation {
  records: number;
  accuracy: number;
  macroF1: number;
  /** every label that is true or predicted somewhere in the held-out set, sorted */
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
}

export function evaluateKnn(model: KnnModel, heldOut: LabelledRecord[], opts: { k?: number } = {}): KnnEvaluation {
  if (!Array.isArray(heldOut) || heldOut.length === 0) throw new AttributionError("Evaluation needs at least one held-out record.");
  const stats = new Map<string, { tp: number; predicted: number; support: number }>();
  const stat = (label: string) => {
    let s = stats.get(label);
    if (!s) stats.set(label, (s = { tp: 0, predicted: 0, support: 0 }));
    return s;
  };
  let correct = 0;
  heldOut.forEach((r, i) => {
    if (typeof r?.text !== "string" || typeof r.label !== "string" || r.label === "") {
      throw new AttributionError(`Held-out record ${i + 1} needs a string "text" and a non-empty "label".`);
    }
    // A text with no known words still gets a (deterministic) prediction: evaluation must not skip it.
    const predicted = predictLabel(model, r.text, opts.k);
    stat(r.label).support++;
    stat(predicted).predicted++;
    if (predicted === r.label) {
      correct++;
      stat(r.label).tp++;
    }
  });
  const labels = [...stats.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Undefined ratios (no predictions, no support) count as 0, as scikit-learn's zero_division=0 does.
  const perClass = labels.map((label) => {
    const s = stats.get(label)!;
    const precision = s.predicted ? s.tp / s.predicted : 0;
    const recall = s.support ? s.tp / s.support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: s.support };
  });
  return {
    records: heldOut.length,
    accuracy: correct / heldOut.length,
    macroF1: perClass.reduce((sum, c) => sum + c.f1, 0) / perClass.length,
    perClass,
  };
}
