/* target_set.c — the live set of scrape targets: creating one (with its metric series), retiring one
 * that file_sd no longer lists (its series go with it), and syncing a file_sd source's targets with
 * what its files now say. */
#include <stdlib.h>
#include <string.h>

#include "receivers/pprof/scraper_internal.h"

char *scrape_target_key(const scrape_target_spec *spec)
{
    pf_buf key = {0};
    pf_buf_puts(&key, spec->url);
    for (size_t i = 0; i < spec->labels->n; i++)
        pf_buf_printf(&key, "\x1f%s=%s", spec->labels->items[i].name, spec->labels->items[i].value);
    return key.data;
}

scrape_target *scrape_target_add(scrape_manager *s, scrape_job *job, const scrape_target_spec *spec, const char *key)
{
    scrape_target *t = pf_xcalloc(1, sizeof(*t));
    t->s = s;
    t->job = job;
    t->key = pf_xstrdup(key);
    t->url = pf_xstrdup(spec->url);
    t->instance = pf_xstrdup(spec->instance);
    t->profile = *spec->profile;
    pf_labels_copy(&t->labels, spec->labels);
    t->hz = spec->hz;
    const char *sec = strstr(t->url, "seconds=");
    for (const char *more; sec && (more = strstr(sec + 1, "seconds=")); sec = more) {}
    if (t->profile.delta && t->profile.server_side_delta && sec) t->seconds_at = (size_t)(sec - t->url) + 8;
    if (spec->hz_error)
        pf_log(PF_LOG_WARN, s->id, "target %s (%s): %s; using %g Hz", t->url, t->profile.name, spec->hz_error, t->hz);
    t->series = scrape_series_acquire(&s->series, s->id, job->cfg->job_name, spec->instance, spec->profile->name);
    PF_GROW(s->targets, s->cap_targets, s->n_targets + 1, 64);
    t->slot = s->n_targets;
    s->targets[s->n_targets++] = t;
    if (s->started) scrape_target_schedule(t);
    return t;
}

void scrape_target_free(scrape_target *t)
{
    free(t->key);
    free(t->url);
    free(t->instance);
    pf_labels_free(&t->labels);
    pf_scrape_delta_free(t->delta);
    free(t);
}

void scrape_target_release_if_idle(scrape_target *t)
{
    if (!t->retired || t->in_flight || (t->timer_started && !t->timer_closed)) return;
    scrape_manager *s = t->s;
    scrape_target_free(t);
    s->retiring--;
    scrape_manager_check_done(s);
}

static void on_retired_timer_closed(uv_handle_t *h)
{
    scrape_target *t = h->data;
    t->timer_closed = true;
    scrape_target_release_if_idle(t);
}

void scrape_target_retire(scrape_target *t)
{
    scrape_manager *s = t->s;
    t->retired = true;
    s->retiring++;
    if (t->queued) scrape_queue_remove(s, t);
    scrape_target *last = s->targets[--s->n_targets];
    s->targets[t->slot] = last;
    last->slot = t->slot;
    pf_scrape_delta_free(t->delta); /* the only sizeable state; the rest goes once the target is idle */
    t->delta = NULL;
    scrape_series_release(&s->series, t->series); /* /metrics stops reporting the target now */
    t->series = NULL;
    if (t->timer_started) uv_close((uv_handle_t *)&t->timer, on_retired_timer_closed);
    scrape_target_release_if_idle(t);
}

/* ---- file_sd sync ---- */

typedef struct wanted {
    char *key;
    scrape_target_spec spec; /* strings and labels owned */
    scrape_profile_def profile;
    pf_labels labels;
} wanted;

typedef struct wanted_list {
    wanted *items;
    size_t n;
} wanted_list;

static void collect(const scrape_target_spec *spec, void *data)
{
    wanted_list *l = data;
    l->items = pf_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    wanted *w = &l->items[l->n++];
    memset(w, 0, sizeof(*w));
    w->key = scrape_target_key(spec);
    w->profile = *spec->profile;
    pf_labels_copy(&w->labels, spec->labels);
    w->spec.url = pf_xstrdup(spec->url);
    w->spec.instance = pf_xstrdup(spec->instance);
    w->spec.hz = spec->hz;
    w->spec.hz_error = spec->hz_error;
}

static int compare_wanted(const void *a, const void *b)
{
    return strcmp(((const wanted *)a)->key, ((const wanted *)b)->key);
}

static void free_wanted(wanted *w)
{
    free(w->key);
    free((char *)w->spec.url);
    free((char *)w->spec.instance);
    pf_labels_free(&w->labels);
}

void scrape_sd_source_update(const scrape_sd_file *files, size_t n_files, void *data)
{
    scrape_sd_source *src = data;
    scrape_manager *s = src->s;
    if (s->stopping) return;
    wanted_list want = {0};
    for (size_t f = 0; f < n_files; f++)
        for (size_t g = 0; g < files[f].groups.n; g++)
            scrape_targets_discover_group(src->job->cfg, &files[f].groups.items[g].targets,
                                          &files[f].groups.items[g].labels, files[f].path, collect, &want);
    if (want.n) qsort(want.items, want.n, sizeof(*want.items), compare_wanted);

    /* Merge two key-sorted lists: kept targets keep their delta state and schedule. */
    scrape_target **next = pf_xcalloc(want.n ? want.n : 1, sizeof(*next));
    size_t n_next = 0, i = 0, k = 0, added = 0, removed = 0;
    while (i < src->n_targets || k < want.n) {
        int c = i == src->n_targets ? 1 : k == want.n ? -1 : strcmp(src->targets[i]->key, want.items[k].key);
        if (c < 0) {
            scrape_target_retire(src->targets[i++]);
            removed++;
            continue;
        }
        if (c == 0) {
            next[n_next++] = src->targets[i++];
        } else {
            wanted *w = &want.items[k];
            w->spec.profile = &w->profile;
            w->spec.labels = &w->labels;
            next[n_next++] = scrape_target_add(s, src->job, &w->spec, w->key);
            added++;
        }
        /* Two groups may list the same target: it is scraped once. */
        for (const char *key = want.items[k].key; k < want.n && strcmp(want.items[k].key, key) == 0;) k++;
    }
    for (size_t w = 0; w < want.n; w++) free_wanted(&want.items[w]);
    free(want.items);
    free(src->targets);
    src->targets = next;
    src->n_targets = n_next;
    if (added || removed)
        pf_log(PF_LOG_INFO, s->id, "job %s: file_sd now lists %zu targets (%zu added, %zu removed)",
               src->job->cfg->job_name, n_next, added, removed);
}
