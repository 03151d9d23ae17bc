#ifndef TOKENIZE_CAVRO_SHIM_H
#define TOKENIZE_CAVRO_SHIM_H
#include <avro.h>

// avro-c's value accessors are function-like macros dispatching through `iface`,
// which Swift cannot import. Each one the project uses is wrapped here.

static inline avro_type_t tk_avro_value_get_type(avro_value_t *value) {
    return avro_value_get_type(value);
}
static inline avro_schema_t tk_avro_value_get_schema(avro_value_t *value) {
    return avro_value_get_schema(value);
}
static inline int tk_avro_value_get_boolean(avro_value_t *value, int *out) {
    return avro_value_get_boolean(value, out);
}
static inline int tk_avro_value_get_bytes(avro_value_t *value, const void **buf, size_t *size) {
    return avro_value_get_bytes(value, buf, size);
}
static inline int tk_avro_value_get_double(avro_value_t *value, double *out) {
    return avro_value_get_double(value, out);
}
static inline int tk_avro_value_get_float(avro_value_t *value, float *out) {
    return avro_value_get_float(value, out);
}
static inline int tk_avro_value_get_int(avro_value_t *value, int32_t *out) {
    return avro_value_get_int(value, out);
}
static inline int tk_avro_value_get_long(avro_value_t *value, int64_t *out) {
    return avro_value_get_long(value, out);
}
static inline int tk_avro_value_get_string(avro_value_t *value, const char **str, size_t *size) {
    return avro_value_get_string(value, str, size);
}
static inline int tk_avro_value_get_enum(avro_value_t *value, int *out) {
    return avro_value_get_enum(value, out);
}
static inline int tk_avro_value_get_fixed(avro_value_t *value, const void **buf, size_t *size) {
    return avro_value_get_fixed(value, buf, size);
}
static inline int tk_avro_value_get_size(avro_value_t *value, size_t *size) {
    return avro_value_get_size(value, size);
}
static inline int tk_avro_value_get_by_index(avro_value_t *value, size_t index, avro_value_t *child, const char **name) {
    return avro_value_get_by_index(value, index, child, name);
}
static inline int tk_avro_value_get_current_branch(avro_value_t *value, avro_value_t *branch) {
    return avro_value_get_current_branch(value, branch);
}
static inline int tk_avro_value_reset(avro_value_t *value) {
    return avro_value_reset(value);
}
static inline void tk_avro_value_iface_decref(avro_value_iface_t *iface) {
    avro_value_iface_decref(iface);
}
#endif
