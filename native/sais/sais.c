// Suffix array construction (SA-IS) in C, for issue 17's build speed: the same algorithm as
// lib/attribution/sais.ts, so the same (unique) suffix array, without a JIT's bounds checks.
// suffixArray(text: Uint16Array | Int32Array | Uint32Array, upper: number, sa: Int32Array): fills sa.
// The caller (sais.ts) checks the symbols; here only the shapes.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int sais_i32(const int32_t* s, int32_t n, int32_t upper, int32_t* sa);

#define SYM uint16_t
#define SAIS sais_u16
#define INDUCE induce_u16
#define NAIVE naive_u16
#include "sais-body.h"
#undef SYM
#undef SAIS
#undef INDUCE
#undef NAIVE

#define SYM int32_t
#define SAIS sais_i32
#define INDUCE induce_i32
#define NAIVE naive_i32
#include "sais-body.h"

static napi_value suffix_array(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool isTyped = false;
  if (argc < 3 || napi_is_typedarray(env, argv[0], &isTyped) != napi_ok || !isTyped) {
    napi_throw_type_error(env, NULL, "suffixArray(text, upper, sa)");
    return NULL;
  }
  napi_typedarray_type textType, saType;
  size_t n, saLen;
  void *text, *out;
  int32_t upper;
  napi_get_typedarray_info(env, argv[0], &textType, &n, &text, NULL, NULL);
  if (napi_get_value_int32(env, argv[1], &upper) != napi_ok || upper < 0 ||
      napi_is_typedarray(env, argv[2], &isTyped) != napi_ok || !isTyped) {
    napi_throw_type_error(env, NULL, "upper must be a non-negative int32 and sa an Int32Array");
    return NULL;
  }
  napi_get_typedarray_info(env, argv[2], &saType, &saLen, &out, NULL, NULL);
  if (saType != napi_int32_array || saLen != n || n > 0x7ffffffe) {
    napi_throw_range_error(env, NULL, "sa must be an Int32Array as long as the text (at most 2^31 − 2)");
    return NULL;
  }
  int rc;
  if (textType == napi_uint16_array)
    rc = sais_u16((const uint16_t*)text, (int32_t)n, upper, (int32_t*)out);
  else if (textType == napi_int32_array || textType == napi_uint32_array)
    rc = sais_i32((const int32_t*)text, (int32_t)n, upper, (int32_t*)out);
  else {
    napi_throw_type_error(env, NULL, "text must be a Uint16Array, Int32Array or Uint32Array");
    return NULL;
  }
  if (rc != 0) {
    napi_throw_error(env, "ERR_SAIS_MEMORY", "out of memory while sorting suffixes");
    return NULL;
  }
  return NULL;
}

napi_value long_lcp_flags(napi_env env, napi_callback_info info);  // lcp.c

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "suffixArray", NAPI_AUTO_LENGTH, suffix_array, NULL, &fn);
  napi_set_named_property(env, exports, "suffixArray", fn);
  napi_create_function(env, "longLcpFlags", NAPI_AUTO_LENGTH, long_lcp_flags, NULL, &fn);
  napi_set_named_property(env, exports, "longLcpFlags", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
