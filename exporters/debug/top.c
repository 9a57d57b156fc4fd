/* top.c — flat/cumulative per-function totals of a profile (top.h). Stack → locations → lines →
 * functions → names, through the batch's dictionary; indices are range-checked so a batch that
 * skipped validation cannot crash the debug output. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/debug/top.h"
#include "pipeline/base/hash.h"
#include "pipeline/base/xalloc.h"

int64_t debug_sample_value(const otlp_sample *s)
{
    if (s->n_values == 0) return (int64_t)s->n_timestamps_unix_nano;
    int64_t sum = 0;
    for (size_t i = 0; i < s->n_values; i++) sum += s->values[i];
    return sum;
}

static bool row_named(const void *ctx, uint32_t row, const void *name)
{
    return strcmp(((const debug_top *)ctx)->rows[row].name, name) == 0;
}

static uint64_t row_hash(const void *ctx, uint32_t row)
{
    return pf_hash_str(((const debug_top *)ctx)->rows[row].name);
}

/* Row for `name`, created when new; name NULL means a location without lines, named by address. */
static debug_top_row *row_for(debug_top *t, const char *name, uint64_t address)
{
    char addr[24];
    if (!name) snprintf(addr, sizeof(addr), "0x%" PRIx64, address);
    const char *key = name ? name : addr;
    uint64_t h = pf_hash_str(key);
    uint32_t found = pf_map_find(&t->index, h, key, row_named, t);
    if (found != PF_MAP_NONE) return &t->rows[found];
    PF_GROW(t->rows, t->cap_rows, t->n_rows + 1, 64);
    debug_top_row *row = &t->rows[t->n_rows];
    memset(row, 0, sizeof(*row));
    if (name) {
        row->name = name;
    } else {
        row->owned_name = pf_xstrdup(addr);
        row->name = row->owned_name;
    }
    pf_map_add(&t->index, h, (uint32_t)t->n_rows++, 64, row_hash, t);
    return row;
}

static const char *function_name(const pf_batch *b, int32_t function_index)
{
    const otlp_dictionary *d = b->req->dictionary;
    if (function_index <= 0 || (size_t)function_index >= d->n_function_table) return "?";
    const otlp_function *f = d->function_table[function_index];
    const char *name = pf_batch_string(b, f->name_strindex);
    if (!*name) name = pf_batch_string(b, f->system_name_strindex);
    return *name ? name : "?";
}

static void count(debug_top_row *row, int64_t value, size_t sample, bool leaf)
{
    if (leaf) row->flat += value;
    if (row->last_sample != sample) {
        row->cum += value;
        row->last_sample = sample;
    }
}

void debug_top_compute(const pf_batch *b, const otlp_profile *p, debug_top *t)
{
    memset(t, 0, sizeof(*t));
    const otlp_dictionary *d = b->req->dictionary;
    for (size_t s = 0; s < p->n_samples; s++) {
        const otlp_sample *sample = p->samples[s];
        int64_t value = debug_sample_value(sample);
        t->total += value;
        if (sample->stack_index < 0 || (size_t)sample->stack_index >= d->n_stack_table) continue;
        const otlp_stack *stack = d->stack_table[sample->stack_index];
        for (size_t k = 0; k < stack->n_location_indices; k++) {
            int32_t li = stack->location_indices[k];
            if (li < 0 || (size_t)li >= d->n_location_table) continue;
            const otlp_location *loc = d->location_table[li];
            if (loc->n_lines == 0) count(row_for(t, NULL, loc->address), value, s + 1, k == 0);
            for (size_t l = 0; l < loc->n_lines; l++)
                count(row_for(t, function_name(b, loc->lines[l]->function_index), 0), value, s + 1, k == 0 && l == 0);
        }
    }
}

typedef struct sort_context {
    const debug_top *top;
    bool by_cum;
} sort_context;

static int compare_rows(const void *a, const void *b, void *data)
{
    const sort_context *ctx = data;
    const debug_top_row *x = &ctx->top->rows[*(const size_t *)a], *y = &ctx->top->rows[*(const size_t *)b];
    int64_t vx = ctx->by_cum ? x->cum : x->flat, vy = ctx->by_cum ? y->cum : y->flat;
    if (vx != vy) return vx > vy ? -1 : 1;
    return strcmp(x->name, y->name);
}

size_t debug_top_order(const debug_top *t, bool by_cum, size_t *order, size_t max)
{
    size_t *all = pf_xmalloc((t->n_rows ? t->n_rows : 1) * sizeof(*all));
    for (size_t i = 0; i < t->n_rows; i++) all[i] = i;
    sort_context ctx = {t, by_cum};
    qsort_r(all, t->n_rows, sizeof(*all), compare_rows, &ctx);
    size_t n = t->n_rows < max ? t->n_rows : max;
    memcpy(order, all, n * sizeof(*order));
    free(all);
    return n;
}

void debug_top_free(debug_top *t)
{
    for (size_t i = 0; i < t->n_rows; i++) free(t->rows[i].owned_name);
    free(t->rows);
    pf_map_free(&t->index);
    memset(t, 0, sizeof(*t));
}
