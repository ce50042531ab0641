// Keccak-f[1600], the permutation under keccak256 (lib/chain/keccak.ts). @noble/hashes runs it in JavaScript at
// about 10 µs here, and a paid call hashes dozens of times (EIP-712 type, domain and struct hashes, address
// checksums); this is the same 24 rounds in C on the state noble keeps, so noble still does the padding and the
// absorbing and only the permutation moves.
#include <node_api.h>
#include <stdint.h>
#include <string.h>

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
// ρ offsets and π lane order, walked along the π cycle starting at lane 1.
static const int ROT[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
static const int PI[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

static inline uint64_t rotl(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

static void keccak_f1600(uint64_t s[25]) {
  uint64_t c[5], t;
  for (int round = 0; round < 24; round++) {
    for (int x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];  // θ
    for (int x = 0; x < 5; x++) {
      t = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) s[y + x] ^= t;
    }
    t = s[1];  // ρ and π
    for (int i = 0; i < 24; i++) {
      int j = PI[i];
      uint64_t next = s[j];
      s[j] = rotl(t, ROT[i]);
      t = next;
    }
    for (int y = 0; y < 25; y += 5) {  // χ
      for (int x = 0; x < 5; x++) c[x] = s[y + x];
      for (int x = 0; x < 5; x++) s[y + x] ^= (~c[(x + 1) % 5]) & c[(x + 2) % 5];
    }
    s[0] ^= RC[round];  // ι
  }
}

// permute(state: 200-byte typed array, lanes little-endian): the state permuted in place.
static napi_value permute(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_typed = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, NULL, "permute(state): state must be a typed array of 200 bytes");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = NULL;
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, &offset);
  size_t element = type == napi_uint32_array || type == napi_int32_array ? 4 : type == napi_uint8_array ? 1 : 0;
  if (element == 0 || length * element != 200) {
    napi_throw_type_error(env, NULL, "permute(state): state must be a Uint8Array or Uint32Array of 200 bytes");
    return NULL;
  }
  uint64_t s[25];
  memcpy(s, data, 200);  // the typed array may not be 8-byte aligned
  keccak_f1600(s);
  memcpy(data, s, 200);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "permute", NAPI_AUTO_LENGTH, permute, NULL, &fn);
  napi_set_named_property(env, exports, "permute", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
