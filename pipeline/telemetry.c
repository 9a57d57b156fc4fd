/* telemetry.c — process-wide metric registry and Prometheus text rendering (see telemetry.h).
 * Metrics are kept in a list grouped by name so rendering emits HELP/TYPE once per family. */
#include "pipeline/telemetry.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

struct pf_metric {
    char *name, *labels, *help;
    bool is_counter;
    double value;
    struct pf_metric *next;
};

static pf_metric *head;

pf_metric *pf_metric_find(const char *name, const char *labels)
{
    for (pf_metric *m = head; m; m = m->next)
        if (strcmp(m->name, name) == 0 && strcmp(m->labels, labels ? labels : "") == 0) return m;
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
    /* Insert after the last metric of the same family so families render contiguously. */
    pf_metric **pos = &head, *last_same = NULL;
    for (pf_metric *it = head; it; it = it->next)
        if (strcmp(it->name, name) == 0) last_same = it;
    if (last_same) pos = &last_same->next;
    else
        while (*pos) pos = &(*pos)->next;
    m->next = *pos;
    *pos = m;
    return m;
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
            pf_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->is_counter ? "counter" : "gauge");
        }
        if (m->labels[0]) pf_buf_printf(out, "%s{%s} ", m->name, m->labels);
        else pf_buf_printf(out, "%s ", m->name);
        if (m->value == floor(m->value) && fabs(m->value) < 9.0e15) pf_buf_printf(out, "%.0f\n", m->value);
        else pf_buf_printf(out, "%.9g\n", m->value);
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
    head = NULL;
}
