/**
 * Binary kNN model artifact. Its sha-256 is the model's on-chain artifact hash, so the layout is fixed
 * and every byte is determined by the model: little-endian throughout, no padding, no timestamps.
 *
 *   "LLKN" | u32 version | u32 k | u32 dims | u32 records | u32 nnz | u32 labels | u32 idfEntries
 *   f64 default idf (unseen features)
 *   labels × (u32 byteLength, UTF-8 bytes)                      sorted, unique
 *   records × (u32 contributionId, u32 label)                   contribution ids ascending
 *   (records + 1) × u32 offsets | nnz × u32 features | nnz × f32 values
 *   idfEntries × u32 feature | idfEntries × f64 idf             features with idf ≠ default, ascending
 */
import { AttributionError } from "./errors";
import { contributionSlots, MAX_DIMS, MIN_DIMS, type KnnModel } from "./knn";

const MAGIC = [0x4c, 0x4c, 0x4b, 0x4e]; // "LLKN"
export const KNN_ARTIFACT_VERSION = 1;

function defaultIdf(records: number): number {
  return Math.log(1 + records) + 1;
}

export function serializeKnnModel(model: KnnModel): Uint8Array {
  const n = model.recordLabel.length;
  const nnz = model.offsets[n];
  const dflt = defaultIdf(n);
  const idfFeatures: number[] = [];
  for (let f = 0; f < model.dims; f++) if (model.idf[f] !== dflt) idfFeatures.push(f);
  const enc = new TextEncoder();
  const labelBytes = model.labels.map((l) => enc.encode(l));
  const size =
    4 + 7 * 4 + 8 + labelBytes.reduce((s, b) => s + 4 + b.length, 0) + n * 8 + (n + 1) * 4 + nnz * 8 + idfFeatures.length * 12;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  const u32 = (v: number) => {
    dv.setUint32(o, v, true);
    o += 4;
  };
  out.set(MAGIC, 0);
  o = 4;
  u32(KNN_ARTIFACT_VERSION);
  u32(model.k);
  u32(model.dims);
  u32(n);
  u32(nnz);
  u32(model.labels.length);
  u32(idfFeatures.length);
  dv.setFloat64(o, dflt, true);
  o += 8;
  for (const b of labelBytes) {
    u32(b.length);
    out.set(b, o);
    o += b.length;
  }
  for (let r = 0; r < n; r++) {
    u32(model.recordContribution[r]);
    u32(model.recordLabel[r]);
  }
  for (let r = 0; r <= n; r++) u32(model.offsets[r]);
  for (let j = 0; j < nnz; j++) u32(model.indices[j]);
  for (let j = 0; j < nnz; j++) {
    dv.setFloat32(o, model.values[j], true);
    o += 4;
  }
  for (const f of idfFeatures) u32(f);
  for (const f of idfFeatures) {
    dv.setFloat64(o, model.idf[f], true);
    o += 8;
  }
  if (o !== size) throw new Error(`kNN artifact size mismatch: wrote ${o} of ${size} bytes`);
  return out;
}

function corrupt(why: string): never {
  throw new AttributionError(`The kNN model artifact is corrupt: ${why}.`);
}

export function deserializeKnnModel(bytes: Uint8Array): KnnModel {
  if (!(bytes instanceof Uint8Array)) throw new AttributionError("A kNN model artifact must be a byte array.");
  if (bytes.length < 44 || MAGIC.some((m, i) => bytes[i] !== m)) corrupt('it does not start with "LLKN"');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 4;
  const need = (count: number, what: string) => {
    if (count > bytes.length - o) corrupt(`it ends inside the ${what}`);
  };
  const u32 = () => {
    const v = dv.getUint32(o, true);
    o += 4;
    return v;
  };
  const version = u32();
  if (version !== KNN_ARTIFACT_VERSION) corrupt(`unsupported version ${version}`);
  const k = u32();
  const dims = u32();
  const n = u32();
  const nnz = u32();
  const labelCount = u32();
  const idfCount = u32();
  if (k < 1) corrupt("k is 0");
  if (dims < MIN_DIMS || dims > MAX_DIMS || (dims & (dims - 1)) !== 0) corrupt(`dims ${dims} is not a supported power of two`);
  if (n < 1) corrupt("it holds no records");
  if (labelCount < 1) corrupt("it holds no labels");
  if (idfCount > dims) corrupt("more idf entries than features");
  const dflt = dv.getFloat64(o, true);
  o += 8;
  if (dflt !== defaultIdf(n)) corrupt("the default idf does not match the record count");

  const dec = new TextDecoder("utf-8", { fatal: true });
  const labels: string[] = [];
  for (let i = 0; i < labelCount; i++) {
    need(4, "label table");
    const len = u32();
    need(len, "label table");
    let label: string;
    try {
      label = dec.decode(bytes.subarray(o, o + len));
    } catch {
      corrupt(`label ${i + 1} is not valid UTF-8`);
    }
    o += len;
    if (label === "") corrupt(`label ${i + 1} is empty`);
    if (i > 0 && !(labels[i - 1] < label)) corrupt("the label table is not sorted and unique");
    labels.push(label);
  }

  need(n * 8 + (n + 1) * 4, "record table");
  const recordContribution = new Uint32Array(n);
  const recordLabel = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    recordContribution[r] = u32();
    recordLabel[r] = u32();
    if (recordLabel[r] >= labelCount) corrupt(`record ${r} has label ${recordLabel[r]} of ${labelCount}`);
    if (r > 0 && recordContribution[r] < recordContribution[r - 1]) corrupt("records are not sorted by contribution id");
  }
  const offsets = new Uint32Array(n + 1);
  for (let r = 0; r <= n; r++) {
    offsets[r] = u32();
    if (r > 0 && offsets[r] < offsets[r - 1]) corrupt("record offsets decrease");
  }
  if (offsets[0] !== 0 || offsets[n] !== nnz) corrupt("record offsets do not cover the feature table");

  // Exact remaining length: trailing or missing bytes both mean a damaged file.
  if (bytes.length - o !== nnz * 8 + idfCount * 12) corrupt(`the length is ${bytes.length} bytes, which does not match its header`);
  const indices = new Uint32Array(nnz);
  for (let j = 0; j < nnz; j++) {
    const f = u32();
    if (f >= dims) corrupt(`feature ${f} is outside ${dims} dims`);
    indices[j] = f;
  }
  for (let r = 0; r < n; r++) {
    for (let j = offsets[r] + 1; j < offsets[r + 1]; j++) {
      if (indices[j] <= indices[j - 1]) corrupt(`the features of record ${r} are not strictly ascending`);
    }
  }
  const values = new Float32Array(nnz);
  for (let j = 0; j < nnz; j++) {
    const v = dv.getFloat32(o, true);
    o += 4;
    if (!(v >= 0) || !Number.isFinite(v)) corrupt(`feature value ${j} is not a finite non-negative number`);
    values[j] = v;
  }
  const idf = new Float64Array(dims).fill(dflt);
  const idfFeatures = new Uint32Array(idfCount);
  for (let i = 0; i < idfCount; i++) {
    const f = u32();
    if (f >= dims || (i > 0 && f <= idfFeatures[i - 1])) corrupt("the idf table is not ascending within dims");
    idfFeatures[i] = f;
  }
  for (let i = 0; i < idfCount; i++) {
    const v = dv.getFloat64(o, true);
    o += 8;
    if (!Number.isFinite(v) || v < 1) corrupt(`idf ${i} is not a finite number ≥ 1`);
    if (v === dflt) corrupt(`idf ${i} repeats the default (not canonical)`);
    idf[idfFeatures[i]] = v;
  }
  return {
    k,
    dims,
    labels,
    recordLabel,
    recordContribution,
    offsets,
    indices,
    values,
    idf,
    ...contributionSlots(recordContribution),
  };
}
