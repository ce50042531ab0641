import type { CorpusIndex } from "../corpus";

/** A corpus index as plain arrays, so two indexes compare field by field whatever their typed-array widths. */
export const plainIndex = (index: CorpusIndex) => ({
  tokens: Array.from(index.tokens),
  sa: Array.from(index.sa),
  contributionIds: Array.from(index.contributionIds),
  datanetIds: Array.from(index.datanetIds),
  starts: Array.from(index.starts),
  unigram: Array.from(index.unigram),
  params: index.params,
});
