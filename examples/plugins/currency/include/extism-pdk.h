/*
 * A minimal Extism plug-in development kit for C, freestanding (no libc), for rungpt.
 *
 * Part 1 declares the Extism kernel imports (`extism:host/env`): every Extism host provides
 * them. Part 2 declares rungpt's host APIs (`rungpt:log`, `rungpt:config`, `rungpt:fs`,
 * `rungpt:net`): one import module per API, every function `(i64) -> i64`, request and
 * response are Extism memory blocks holding UTF-8 JSON. A module may only import an API its
 * rungpt.yaml lists under `apis`; declaring it here costs nothing until a function is called
 * (the linker emits only imports that are used).
 *
 * Part 3 declares the helpers src/pdk.c implements on top of both.
 */
#ifndef EXTISM_PDK_H
#define EXTISM_PDK_H

typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef unsigned long size_t;

/* An offset into Extism's memory (not the guest's linear memory). 0 means "none". */
typedef uint64_t ExtismPointer;

#define EXTISM_IMPORT(name) \
  __attribute__((import_module("extism:host/env"), import_name(name)))
#define RUNGPT_IMPORT(api, name) __attribute__((import_module(api), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

/* ---- 1. The Extism kernel: `extism:host/env` ---------------------------------------- */

/* The call's input (an action's JSON arguments): its length and its bytes. */
EXTISM_IMPORT("input_length") uint64_t extism_input_length(void);
EXTISM_IMPORT("input_load_u8") uint8_t extism_input_load_u8(uint64_t offset);
EXTISM_IMPORT("input_load_u64") uint64_t extism_input_load_u64(uint64_t offset);

/* Extism memory blocks: allocate, free, size, and byte / 8-byte access. */
EXTISM_IMPORT("alloc") ExtismPointer extism_alloc(uint64_t length);
EXTISM_IMPORT("free") void extism_free(ExtismPointer block);
EXTISM_IMPORT("length") uint64_t extism_length(ExtismPointer block);
EXTISM_IMPORT("load_u8") uint8_t extism_load_u8(ExtismPointer at);
EXTISM_IMPORT("load_u64") uint64_t extism_load_u64(ExtismPointer at);
EXTISM_IMPORT("store_u8") void extism_store_u8(ExtismPointer at, uint8_t value);
EXTISM_IMPORT("store_u64") void extism_store_u64(ExtismPointer at, uint64_t value);

/* The call's result: output block, or an error message block (makes the call fail). */
EXTISM_IMPORT("output_set") void extism_output_set(ExtismPointer block, uint64_t length);
EXTISM_IMPORT("error_set") void extism_error_set(ExtismPointer block);

/* A setting by key (rungpt passes the plugin's declared settings as text); 0 if unset. */
EXTISM_IMPORT("config_get") ExtismPointer extism_config_get(ExtismPointer key);

/* Per-instance scratch variables; lost when rungpt restarts the instance. */
EXTISM_IMPORT("var_get") ExtismPointer extism_var_get(ExtismPointer key);
EXTISM_IMPORT("var_set") void extism_var_set(ExtismPointer key, ExtismPointer value);

/* Log lines; rungpt shows them in the server log and on the plugin's page. */
EXTISM_IMPORT("log_info") void extism_log_info(ExtismPointer message);
EXTISM_IMPORT("log_debug") void extism_log_debug(ExtismPointer message);
EXTISM_IMPORT("log_warn") void extism_log_warn(ExtismPointer message);
EXTISM_IMPORT("log_error") void extism_log_error(ExtismPointer message);

/* ---- 2. rungpt's host APIs: `(i64) -> i64`, JSON in, {"ok": …} | {"error": "…"} out -- */

/* rungpt:log  write {level?, message} -> null */
RUNGPT_IMPORT("rungpt:log", "write") ExtismPointer rungpt_log_write(ExtismPointer request);

/* rungpt:config  get {key?} -> value | {all settings}; state_get {key} -> value | null;
 * state_set {key, value} -> null; state_delete {key} -> null; state_keys {} -> [keys] */
RUNGPT_IMPORT("rungpt:config", "get") ExtismPointer rungpt_config_get(ExtismPointer request);
RUNGPT_IMPORT("rungpt:config", "state_get")
ExtismPointer rungpt_config_state_get(ExtismPointer request);
RUNGPT_IMPORT("rungpt:config", "state_set")
ExtismPointer rungpt_config_state_set(ExtismPointer request);
RUNGPT_IMPORT("rungpt:config", "state_delete")
ExtismPointer rungpt_config_state_delete(ExtismPointer request);
RUNGPT_IMPORT("rungpt:config", "state_keys")
ExtismPointer rungpt_config_state_keys(ExtismPointer request);

/* rungpt:fs  read {path, encoding?}; write {path, content, encoding?, append?};
 * list {path?}; delete {path, recursive?} */
RUNGPT_IMPORT("rungpt:fs", "read") ExtismPointer rungpt_fs_read(ExtismPointer request);
RUNGPT_IMPORT("rungpt:fs", "write") ExtismPointer rungpt_fs_write(ExtismPointer request);
RUNGPT_IMPORT("rungpt:fs", "list") ExtismPointer rungpt_fs_list(ExtismPointer request);
RUNGPT_IMPORT("rungpt:fs", "delete") ExtismPointer rungpt_fs_delete(ExtismPointer request);

/* rungpt:net  request {method?, url, headers?, body?} -> {status, headers, body, url} */
RUNGPT_IMPORT("rungpt:net", "request") ExtismPointer rungpt_net_request(ExtismPointer request);

/* ---- 3. Helpers (src/pdk.c) --------------------------------------------------------- */

/* A byte string in guest memory. `data` is NUL-terminated for convenience. */
typedef struct {
  char *data;
  size_t len;
} Bytes;

/* Starts a call: frees everything the previous call allocated. Call first in every export. */
void pdk_begin(void);
/* Guest memory from a bump arena that pdk_begin resets; 0 when memory is exhausted. */
void *pdk_alloc(size_t size);
/* The call's input, copied into guest memory; data is 0 when it does not fit. */
Bytes pdk_input(void);
/* Copies `len` bytes into a new Extism block. */
ExtismPointer pdk_store(const void *data, size_t len);
/* Copies an Extism block into guest memory; data is 0 when it does not fit. */
Bytes pdk_load(ExtismPointer block);
/* Sets the call's output. */
void pdk_output(const void *data, size_t len);
/* Fails the call with `message`; returns 1 so exports can `return pdk_error(…)`. */
int pdk_error(const char *message);
/* Calls a rungpt host function with a JSON request; returns the JSON envelope text. */
Bytes pdk_host_call(ExtismPointer (*fn)(ExtismPointer), const char *request, size_t len);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);

#endif
