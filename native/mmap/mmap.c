// Maps a byte range of a file into memory as an ArrayBuffer (issue 17's on-disk mode). Node has no mmap:
// this is the whole addon. Pages are read by the kernel when first touched and dropped under memory
// pressure, so an index larger than RAM is served from the pages its queries touch.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  void* base;
  size_t length;
} mapping_t;

static void unmap(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  mapping_t* m = (mapping_t*)hint;
  munmap(m->base, m->length);
  free(m);
}

static napi_value fail(napi_env env, const char* what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, "ERR_MMAP", msg);
  return NULL;
}

// map(path: string, offset: number, length: number, random: boolean): ArrayBuffer
static napi_value map_range(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "map(path, offset, length, random)");
    return NULL;
  }
  char path[4096];
  size_t path_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok || path_len >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "path must be a string shorter than 4096 bytes");
    return NULL;
  }
  int64_t offset = 0, length = 0;
  bool random = false;
  if (napi_get_value_int64(env, argv[1], &offset) != napi_ok || napi_get_value_int64(env, argv[2], &length) != napi_ok ||
      napi_get_value_bool(env, argv[3], &random) != napi_ok || offset < 0 || length <= 0) {
    napi_throw_type_error(env, NULL, "offset must be ≥ 0, length > 0, random a boolean");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(env, "open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return fail(env, "fstat");
  }
  if (offset + length > st.st_size) {
    close(fd);
    napi_throw_range_error(env, NULL, "the range ends past the end of the file");
    return NULL;
  }
  long page = sysconf(_SC_PAGESIZE);
  int64_t aligned = offset - (offset % page);
  size_t delta = (size_t)(offset - aligned);
  size_t map_len = (size_t)length + delta;
  // Private and writable: a stray write lands in a private copy of the page, never in the file, and never
  // faults the process. MAP_NORESERVE: nothing is committed for pages that are only read.
  void* base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, aligned);
  close(fd);
  if (base == MAP_FAILED) return fail(env, "mmap");
  if (random) madvise(base, map_len, MADV_RANDOM);
  mapping_t* m = malloc(sizeof *m);
  if (!m) {
    munmap(base, map_len);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  m->base = base;
  m->length = map_len;
  napi_value buffer;
  napi_status s = napi_create_external_arraybuffer(env, (char*)base + delta, (size_t)length, unmap, m, &buffer);
  if (s != napi_ok) {
    munmap(base, map_len);
    free(m);
    napi_throw_error(env, NULL, "could not wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  return buffer;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map_range, NULL, &fn);
  napi_set_named_property(env, exports, "map", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
