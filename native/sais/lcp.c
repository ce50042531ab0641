// Long-LCP flags (Kasai et al. 2001, capped at L) in C: the first step of the copy map (lib/attribution/credit.ts
// longLcpFlags, which reads the same way). flags[k] = 1 when the suffixes at sa[k − 1] and sa[k] share ≥ L tokens
// before any separator. Needs a rank array (4 B/token) for the duration of the call.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

#define LCP_FLAGS(NAME, T)                                                                                          \
  static int NAME(const T* tokens, const uint32_t* sa, size_t n, uint32_t L, uint32_t sep, uint8_t* flags) {       \
    uint32_t* rank = malloc((n > 0 ? n : 1) * sizeof *rank);                                                        \
    if (!rank) return -1;                                                                                           \
    for (size_t k = 0; k < n; k++) rank[sa[k]] = (uint32_t)k;                                                       \
    size_t h = 0;                                                                                                   \
    for (size_t i = 0; i < n; i++) {                                                                                \
      size_t k = rank[i];                                                                                           \
      if (k == 0) {                                                                                                 \
        h = 0;                                                                                                      \
        continue;                                                                                                   \
      }                                                                                                             \
      size_t j = sa[k - 1];                                                                                         \
      while (h < L && i + h < n && j + h < n && tokens[i + h] == tokens[j + h] && tokens[i + h] != sep) h++;       \
      flags[k] = h >= L;                                                                                            \
      if (h > 0) h--;                                                                                               \
    }                                                                                                               \
    free(rank);                                                                                                     \
    return 0;                                                                                                       \
  }

LCP_FLAGS(lcp_u16, uint16_t)
LCP_FLAGS(lcp_u32, uint32_t)

// longLcpFlags(tokens: Uint16Array | Uint32Array, sa: Uint32Array, L: number, separator: number, flags: Uint8Array)
napi_value long_lcp_flags(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type tt, st, ft;
  size_t tn = 0, sn = 0, fn = 0;
  void *tokens = NULL, *sa = NULL, *flags = NULL;
  uint32_t L = 0, sep = 0;
  bool a = false, b = false, c = false;
  if (argc < 5 || napi_is_typedarray(env, argv[0], &a) != napi_ok || napi_is_typedarray(env, argv[1], &b) != napi_ok ||
      napi_is_typedarray(env, argv[4], &c) != napi_ok || !a || !b || !c ||
      napi_get_value_uint32(env, argv[2], &L) != napi_ok || napi_get_value_uint32(env, argv[3], &sep) != napi_ok) {
    napi_throw_type_error(env, NULL, "longLcpFlags(tokens, sa, L, separator, flags)");
    return NULL;
  }
  napi_get_typedarray_info(env, argv[0], &tt, &tn, &tokens, NULL, NULL);
  napi_get_typedarray_info(env, argv[1], &st, &sn, &sa, NULL, NULL);
  napi_get_typedarray_info(env, argv[4], &ft, &fn, &flags, NULL, NULL);
  if (st != napi_uint32_array || ft != napi_uint8_array || (tt != napi_uint16_array && tt != napi_uint32_array) || tn != sn || fn != sn) {
    napi_throw_type_error(env, NULL, "tokens (Uint16Array or Uint32Array), sa (Uint32Array) and flags (Uint8Array) must have one length");
    return NULL;
  }
  // The suffix array is the artifact's: trusted to be a permutation of 0..n−1 (checked when loaded or verified).
  int rc = tt == napi_uint16_array ? lcp_u16(tokens, sa, sn, L, sep, flags) : lcp_u32(tokens, sa, sn, L, sep, flags);
  if (rc != 0) napi_throw_error(env, "ERR_LCP_MEMORY", "out of memory for the rank array");
  return NULL;
}
