/* telemetry.c — process-wide metric registry and Prometheus text rendering (see telemetry.h).
 * Metrics sit in one list in render order (families contiguous, so HELP/TYPE print once) and in two
 * hash indexes — series by name + labels, families by name — so creating thousands of series (one
 * per scrape target) stays O(1) each. */
#include "pipeline/base/telemetry.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "pipeline/base/hash.h"

struct pf_metric {
    char *name, *labels, *help;
    bool is_counter;
    double value;
    struct pf_metric *next, *prev; /* render order (doubly linked so removal is O(1)) */
    struct pf_metric *series_next; /* chain in the series index */
    struct pf_metric *family_next; /* chain in the family index (first metric of a family only) */
    struct pf_metric *family_last; /* first metric of a family: the family's last metric */
};

typedef struct metric_index {
    pf_metric **slots;
    size_t n_slots, count;
} metric_index;

static pf_metric *head, *tail;
static metric_index series, families;

static size_t series_hash(const char *name, const char *labels)
{
    /* name and labels with the name's NUL between them, so ("ab", "c") and ("a", "bc") differ */
    return (size_t)pf_hash_mix64(
        pf_hash_fnv1a(pf_hash_fnv1a(PF_HASH_SEED, name, strlen(name) + 1), labels, strlen(labels)));
}

static size_t family_hash(const char *name) { return (size_t)pf_hash_str(name); }

static pf_metric **chain_of(pf_metric *m, bool family) { return family ? &m->family_next : &m->series_next; }

static size_t hash_of(const pf_metric *m, bool family)
{
    return family ? family_hash(m->name) : series_hash(m->name, m->labels);
}

static void index_add(metric_index *ix, pf_metric *m, bool family)
{
    if (ix->count + 1 > ix->n_slots) {
        size_t n = ix->n_slots ? ix->n_slots * 2 : 256;
        pf_metric **fresh = pf_xcalloc(n, sizeof(*fresh));
        for (size_t i = 0; i < ix->n_slots; i++)
            for (pf_metric *it = ix->slots[i], *nx; it; it = nx) {
                nx = *chain_of(it, family);
                size_t at = hash_of(it, family) & (n - 1);
                *chain_of(it, family) = fresh[at];
                fresh[at] = it;
            }
        free(ix->slots);
        ix->slots = fresh;
        ix->n_slots = n;
    }
    size_t at = hash_of(m, family) & (ix->n_slots - 1);
    *chain_of(m, family) = ix->slots[at];
    ix->slots[at] = m;
    ix->count++;
}

pf_metric *pf_metric_find(const char *name, const char *labels)
{
    labels = labels ? labels : "";
    if (!series.n_slots) return NULL;
    for (pf_metric *m = series.slots[series_hash(name, labels) & (series.n_slots - 1)]; m; m = m->series_next)
        if (strcmp(m->name, name) == 0 && strcmp(m->labels, labels) == 0) return m;
    return NULL;
}

static pf_metric *family_first(const char *name)
{
    if (!families.n_slots) return NULL;
    for (pf_metric *m = families.slots[family_hash(name) & (families.n_slots - 1)]; m; m = m->family_next)
        if (strcmp(m->name, name) == 0) return m;
    return NULL;
}

static pf_metric *get(const char *name, const char *help, const char *labels, bool is_counter)
{
    pf_metric *m = pf_metric_find(name, labels);
    if (m) return m;
    m = pf_xcalloc(1, sizeof(*m));
    m->name = pf_xstrdup(name);
    m->labels = pf_xstrdup(labels ? labels : "");
    m->help = pf_xstrdup(help ? help : "");
    m->is_counter = is_counter;
    pf_metric *first = family_first(name);
    pf_metric *after = first ? first->family_last : tail;
    m->prev = after;
    m->next = after ? after->next : NULL;
    if (m->next) m->next->prev = m;
    if (after)
        after->next = m;
    else
        head = m;
    if (tail == after) tail = m;
    if (first) {
        first->family_last = m;
    } else {
        m->family_last = m;
        index_add(&families, m, true);
    }
    index_add(&series, m, false);
    return m;
}

static void unlink_chain(metric_index *ix, pf_metric *m, bool family)
{
    pf_metric **at = &ix->slots[hash_of(m, family) & (ix->n_slots - 1)];
    while (*at != m) at = chain_of(*at, family);
    *at = *chain_of(m, family);
    ix->count--;
}

bool pf_metric_remove(const char *name, const char *labels)
{
    pf_metric *m = pf_metric_find(name, labels);
    if (!m) return false;
    pf_metric *first = family_first(name);
    pf_metric *prev = m->prev;
    if (prev)
        prev->next = m->next;
    else
        head = m->next;
    if (m->next)
        m->next->prev = prev;
    else
        tail = prev;
    if (first == m) {
        unlink_chain(&families, m, true);
        if (m->family_last != m) { /* the next metric of the family becomes its first */
            pf_metric *heir = m->next;
            heir->family_last = m->family_last;
            index_add(&families, heir, true);
        }
    } else if (first->family_last == m) {
        first->family_last = prev;
    }
    unlink_chain(&series, m, false);
    free(m->name);
    free(m->labels);
    free(m->help);
    free(m);
    return true;
}

pf_metric *pf_counter(const char *name, const char *help, const char *labels) { return get(name, help, labels, true); }
pf_metric *pf_gauge(const char *name, const char *help, const char *labels) { return get(name, help, labels, false); }

pf_metric *pf_counter1(const char *name, const char *help, const char *key, const char *value)
{
    char *labels = pf_xasprintf("%s=\"%s\"", key, value);
    pf_metric *m = pf_counter(name, help, labels);
    free(labels);
    return m;
}

void pf_metric_add(pf_metric *m, double v) { m->value += v; }
void pf_metric_set(pf_metric *m, double v) { m->value = v; }
double pf_metric_value(const pf_metric *m) { return m->value; }

void pf_metrics_render(pf_buf *out)
{
    const char *family = NULL;
    for (pf_metric *m = head; m; m = m->next) {
        if (!family || strcmp(family, m->name) != 0) {
            family = m->name;
            pf_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
                          m->is_counter ? "counter" : "gauge");
        }
        if (m->labels[0])
            pf_buf_printf(out, "%s{%s} ", m->name, m->labels);
        else
            pf_buf_printf(out, "%s ", m->name);
        if (m->value == floor(m->value) && fabs(m->value) < 9.0e15)
            pf_buf_printf(out, "%.0f\n", m->value);
        else
            pf_buf_printf(out, "%.9g\n", m->value);
    }
}

void pf_metrics_reset(void)
{
    for (pf_metric *m = head, *n; m; m = n) {
        n = m->next;
        free(m->name);
        free(m->labels);
        free(m->help);
        free(m);
    }
    head = tail = NULL;
    free(series.slots);
    free(families.slots);
    series = (metric_index){0};
    families = (metric_index){0};
}
