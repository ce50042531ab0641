/**
 * Takedowns without a rebuild: a withdrawn contribution leaves a model by leaving its *view*. Corpus models (∞-gram,
 * span tracing) get a view over the same index without the withdrawn contributions (a view answers exactly what an
 * index of its members would); kNN models get the same records minus the withdrawn contributions' (the features and
 * idf stay the artifact's, so nothing is re-learned). Serving and Verify call the same function with the same
 * withdrawal set, so a record names its set by block (`withdrawalsAt`) and anyone recomputes it.
 */
import type { CorpusIndex } from "./corpus-index";
import { AttributionError } from "./errors";
import type { KnnModel } from "./knn";
import type { LoadedModel } from "./run";
import { createView, type ModelView } from "./view";

/** The contributions a model is made of (its view's members, or its artifact's). */
export function modelContributionIds(model: LoadedModel, view?: ModelView): Uint32Array {
  if (model.format === "knn") return model.model.contributionIds;
  return view ? view.contributionIds : model.index.contributionIds;
}

/** Which of `withdrawn` the model contains, ascending. */
export function withdrawnMembers(model: LoadedModel, view: ModelView | undefined, withdrawn: ReadonlySet<number>): number[] {
  if (withdrawn.size === 0) return [];
  const out: number[] = [];
  for (const id of modelContributionIds(model, view)) if (withdrawn.has(id)) out.push(id);
  return out;
}

/** The kNN model restricted to the records of contributions outside `withdrawn` (same features, same idf). */
export function knnWithout(model: KnnModel, withdrawn: ReadonlySet<number>): KnnModel {
  const keep: number[] = [];
  for (let r = 0; r < model.recordContribution.length; r++) if (!withdrawn.has(model.recordContribution[r])) keep.push(r);
  if (keep.length === model.recordContribution.length) return model;
  if (keep.length === 0) throw new AttributionError("Every contribution of this model was withdrawn: it has nothing left to answer with.");
  const n = keep.length;
  const recordLabel = new Uint32Array(n);
  const recordContribution = new Uint32Array(n);
  const offsets = new Uint32Array(n + 1);
  let nnz = 0;
  for (const r of keep) nnz += model.offsets[r + 1] - model.offsets[r];
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  const ids: number[] = [];
  const recordSlot = new Uint32Array(n);
  let at = 0;
  keep.forEach((r, i) => {
    recordLabel[i] = model.recordLabel[r];
    const id = model.recordContribution[r];
    recordContribution[i] = id;
    // Records are sorted by contribution id, so a new id is always the last one seen.
    if (ids.length === 0 || ids[ids.length - 1] !== id) ids.push(id);
    recordSlot[i] = ids.length - 1;
    const a = model.offsets[r];
    const b = model.offsets[r + 1];
    indices.set(model.indices.subarray(a, b), at);
    values.set(model.values.subarray(a, b), at);
    at += b - a;
    offsets[i + 1] = at;
  });
  return { ...model, recordLabel, recordContribution, offsets, indices, values, contributionIds: Uint32Array.from(ids), recordSlot };
}

/** A corpus model's view without `withdrawn` (the given view's members, or the whole index's). */
export function viewWithout(index: CorpusIndex, view: ModelView | undefined, withdrawn: ReadonlySet<number>): ModelView | undefined {
  const members = view ? view.contributionIds : index.contributionIds;
  const kept = [...members].filter((id) => !withdrawn.has(id));
  if (kept.length === members.length) return view;
  if (kept.length === 0) throw new AttributionError("Every contribution of this model was withdrawn: it has nothing left to answer with.");
  return createView(index, kept);
}

/**
 * The model (and view) runAttribution should use once `withdrawn` are taken out. Throws AttributionError when
 * nothing would be left.
 */
export function withoutWithdrawn(model: LoadedModel, view: ModelView | undefined, withdrawn: ReadonlySet<number>): { model: LoadedModel; view?: ModelView } {
  if (withdrawn.size === 0) return { model, view };
  if (model.format === "knn") return { model: { format: "knn", model: knnWithout(model.model, withdrawn) }, view };
  return { model, view: viewWithout(model.index, view, withdrawn) };
}
