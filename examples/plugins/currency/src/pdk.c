/*
 * The helpers of include/extism-pdk.h: a bump arena in the guest's linear memory, and copying
 * between guest memory and Extism memory blocks (8 bytes at a time, then byte by byte).
 */
#include "extism-pdk.h"

/* End of the linker's static data and stack: the arena starts here. */
extern uint8_t __heap_base;

static size_t arena_top;

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

void pdk_begin(void) { arena_top = (size_t)&__heap_base; }

void *pdk_alloc(size_t size) {
  if (arena_top == 0) pdk_begin();
  size_t start = (arena_top + 7) & ~(size_t)7;
  if (size > 0xffffffffu - start) return 0;
  size_t end = start + size;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    /* Grows up to the memory's maximum (rungpt caps it); -1 means the cap was reached. */
    size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  arena_top = end;
  return (void *)start;
}

static void copy_in(char *dst, uint64_t len, uint64_t (*u64)(uint64_t),
                    uint8_t (*u8)(uint64_t), uint64_t base) {
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v = u64(base + i);
    memcpy(dst + i, &v, 8);
  }
  for (; i < len; i++) dst[i] = (char)u8(base + i);
}

Bytes pdk_input(void) {
  Bytes out = {0, 0};
  uint64_t len = extism_input_length();
  char *buf = len < 0xfffffff0u ? pdk_alloc((size_t)len + 1) : 0;
  if (!buf) return out;
  copy_in(buf, len, extism_input_load_u64, extism_input_load_u8, 0);
  buf[len] = 0;
  out.data = buf;
  out.len = (size_t)len;
  return out;
}

ExtismPointer pdk_store(const void *data, size_t len) {
  const uint8_t *p = data;
  ExtismPointer block = extism_alloc(len);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    extism_store_u64(block + i, v);
  }
  for (; i < len; i++) extism_store_u8(block + i, p[i]);
  return block;
}

Bytes pdk_load(ExtismPointer block) {
  Bytes out = {0, 0};
  if (block == 0) return out;
  uint64_t len = extism_length(block);
  char *buf = len < 0xfffffff0u ? pdk_alloc((size_t)len + 1) : 0;
  if (!buf) return out;
  copy_in(buf, len, extism_load_u64, extism_load_u8, block);
  buf[len] = 0;
  out.data = buf;
  out.len = (size_t)len;
  return out;
}

void pdk_output(const void *data, size_t len) { extism_output_set(pdk_store(data, len), len); }

int pdk_error(const char *message) {
  extism_error_set(pdk_store(message, strlen(message)));
  return 1;
}

Bytes pdk_host_call(ExtismPointer (*fn)(ExtismPointer), const char *request, size_t len) {
  ExtismPointer req = pdk_store(request, len);
  ExtismPointer res = fn(req);
  extism_free(req);
  Bytes out = pdk_load(res);
  if (res) extism_free(res);
  return out;
}
