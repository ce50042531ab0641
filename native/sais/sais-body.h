// The SA-IS body for one symbol type (included once per type by sais.c, with SYM, SAIS and INDUCE defined).
// A line-for-line port of lib/attribution/sais.ts's saIs: read the comments there for why each step holds.
// The induce passes prefetch the text and the bucket slot of the entry PF rows ahead (hints only: rows not
// final yet just prefetch the wrong line); measured 5–9 % faster at 10 M tokens.
#ifndef PF
#define PF 16
#endif

// Suffixes of a short text sorted by direct comparison (the shorter suffix, when one is a prefix, first).
static void NAIVE(const SYM* s, int32_t n, int32_t* sa) {
  for (int32_t i = 0; i < n; i++) sa[i] = i;
  for (int32_t i = 1; i < n; i++) {
    int32_t x = sa[i], j = i;
    while (j > 0) {
      int32_t a = sa[j - 1], b = x;
      while (a < n && b < n && s[a] == s[b]) a++, b++;
      int greater = a == n ? 0 : (b == n ? 1 : s[a] > s[b]);  // suffix sa[j − 1] after x?
      if (!greater) break;
      sa[j] = sa[j - 1];
      j--;
    }
    sa[j] = x;
  }
}

static void INDUCE(const SYM* s, int32_t n, int32_t* sa, const int32_t* seeds, int32_t m, const int32_t* sumL,
                   const int32_t* sumS, int32_t* buf, size_t tableBytes) {
  memset(sa, 0xff, (size_t)n * sizeof *sa);
  memcpy(buf, sumS, tableBytes);
  for (int32_t k = 0; k < m; k++) {
    int32_t d = seeds[k];
    sa[buf[s[d]]++] = d;
  }
  memcpy(buf, sumL, tableBytes);
  sa[buf[s[n - 1]]++] = n - 1;
  for (int32_t i = 0; i < n; i++) {
    if (i + 2 * PF < n) {
      int32_t w = sa[i + 2 * PF];
      if (w >= 1) __builtin_prefetch(&s[w - 1]);
    }
    if (i + PF < n) {
      int32_t w = sa[i + PF];
      if (w >= 1) __builtin_prefetch(&sa[buf[s[w - 1]]], 1);
    }
    int32_t v = sa[i];
    if (v >= 1) {
      int32_t c = s[v - 1];
      if (c >= (int32_t)s[v]) sa[buf[c]++] = v - 1;
    }
  }
  memcpy(buf, sumL, tableBytes);
  for (int32_t i = n - 1; i >= 0; i--) {
    if (i >= 2 * PF) {
      int32_t w = sa[i - 2 * PF];
      if (w >= 1) __builtin_prefetch(&s[w - 1]);
    }
    if (i >= PF) {
      int32_t w = sa[i - PF];
      if (w >= 1) __builtin_prefetch(&sa[buf[s[w - 1] + 1] - 1], 1);
    }
    int32_t v = sa[i];
    if (v >= 1) {
      int32_t c = s[v - 1];
      int32_t d = s[v];
      if (c < d || (c == d && i >= sumS[d])) sa[--buf[c + 1]] = v - 1;
    }
  }
}

static int SAIS(const SYM* s, int32_t n, int32_t upper, int32_t* sa) {
  if (n == 0) return 0;
  if (n < 16) {
    NAIVE(s, n, sa);
    return 0;
  }
  size_t tableBytes = ((size_t)upper + 2) * sizeof(int32_t);
  int32_t* sumL = calloc((size_t)upper + 2, sizeof(int32_t));
  int32_t* sumS = calloc((size_t)upper + 2, sizeof(int32_t));
  int32_t* buf = malloc(tableBytes);
  int32_t* lms = NULL;
  int rc = -1;
  if (!sumL || !sumS || !buf) goto done;

  int32_t top = n;
  {
    int nextS = 0;
    int32_t next = s[n - 1];
    sumS[next]++;
    for (int32_t i = n - 2; i >= 0; i--) {
      int32_t c = s[i];
      int isS = c < next || (c == next && nextS);
      if (isS)
        sumL[c + 1]++;
      else {
        sumS[c]++;
        if (nextS) sa[--top] = i + 1;
      }
      nextS = isS;
      next = c;
    }
  }
  for (int32_t i = 0; i <= upper; i++) {
    sumS[i] += sumL[i];
    if (i < upper) sumL[i + 1] += sumS[i];
  }
  int32_t m = n - top;
  lms = malloc((size_t)(m > 0 ? m : 1) * sizeof(int32_t));
  if (!lms) goto done;
  memcpy(lms, sa + top, (size_t)m * sizeof(int32_t));

  INDUCE(s, n, sa, lms, m, sumL, sumS, buf, tableBytes);
  if (m == 0) {
    rc = 0;
    goto done;
  }

  int32_t k = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t v = sa[i];
    if (v > 0 && (int32_t)s[v - 1] > (int32_t)s[v] && i >= sumS[s[v]]) sa[k++] = v;
  }
  memset(sa + m, 0, (size_t)(n - m) * sizeof(int32_t));
  for (int32_t i = 0; i < m; i++) {
    int32_t j = lms[i];
    sa[m + (j >> 1)] = (i + 1 < m ? lms[i + 1] : n) - j;
  }
  int32_t name = 0, prev = -1, prevLen = 0;
  for (int32_t i = 0; i < m; i++) {
    int32_t j = sa[i];
    int32_t len = sa[m + (j >> 1)];
    int same = 0;
    if (len == prevLen && prev + len < n && j + len < n) {
      int32_t d = 0;
      while (d <= len && s[prev + d] == s[j + d]) d++;
      same = d > len;
    }
    if (!same) name++;
    sa[m + (j >> 1)] = name;
    prev = j;
    prevLen = len;
  }
  if (name < m) {
    for (int32_t i = n - 1, w = n; i >= m; i--) {
      int32_t v = sa[i];
      if (v != 0) sa[--w] = v - 1;
    }
    if (sais_i32(sa + (n - m), m, name - 1, sa) != 0) goto done;
  } else {
    for (int32_t i = m, r = 0; i < n; i++) {
      int32_t v = sa[i];
      if (v != 0) sa[v - 1] = r++;
    }
  }
  for (int32_t i = 0; i < m; i++) sa[i] = lms[sa[i]];
  memcpy(lms, sa, (size_t)m * sizeof(int32_t));
  INDUCE(s, n, sa, lms, m, sumL, sumS, buf, tableBytes);
  rc = 0;
done:
  free(sumL);
  free(sumS);
  free(buf);
  free(lms);
  return rc;
}
