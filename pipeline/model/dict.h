/* dict.h — append to a batch's ProfilesDictionary without duplicates.
 *
 * Each function returns the index of an entry equal to the one described, adding it if there is none.
 * Indices are int32 as on the wire. Entry 0 of every table is the zero value ("" / empty message), so
 * interning an empty string or all-zero function returns 0.
 *
 * The first call builds a hash index of the existing tables (O(size)); later calls are O(1) amortized.
 * Everything is allocated in the batch's arena. The batch must be writable (see batch.h). */
#ifndef PF_DICT_H
#define PF_DICT_H

#include "pipeline/model/batch.h"

int32_t pf_dict_string(pf_batch *b, const char *s);
int32_t pf_dict_string_n(pf_batch *b, const char *s, size_t len);

int32_t pf_dict_function(pf_batch *b, int32_t name_strindex, int32_t system_name_strindex, int32_t filename_strindex,
                         int64_t start_line);

int32_t pf_dict_mapping(pf_batch *b, uint64_t memory_start, uint64_t memory_limit, uint64_t file_offset,
                        int32_t filename_strindex, const int32_t *attribute_indices, size_t n_attributes);

/* lines are copied. */
int32_t pf_dict_location(pf_batch *b, int32_t mapping_index, uint64_t address, const otlp_line *lines, size_t n_lines,
                         const int32_t *attribute_indices, size_t n_attributes);

/* location_indices are leaf first. */
int32_t pf_dict_stack(pf_batch *b, const int32_t *location_indices, size_t n);

/* trace_id: 16 bytes, span_id: 8 bytes. */
int32_t pf_dict_link(pf_batch *b, const uint8_t trace_id[16], const uint8_t span_id[8]);

/* Attribute entries (KeyValueAndUnit). unit_strindex 0 = no unit. */
int32_t pf_dict_attr_string(pf_batch *b, const char *key, const char *value, int32_t unit_strindex);
int32_t pf_dict_attr_int(pf_batch *b, const char *key, int64_t value, int32_t unit_strindex);
int32_t pf_dict_attr_bool(pf_batch *b, const char *key, bool value);
int32_t pf_dict_attr_double(pf_batch *b, const char *key, double value, int32_t unit_strindex);
/* Any value (deep-copied into the arena when a new entry is made). */
int32_t pf_dict_attr(pf_batch *b, const char *key, const otlp_any_value *value, int32_t unit_strindex);

#endif
