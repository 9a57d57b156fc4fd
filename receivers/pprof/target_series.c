/* target_series.c — per-target metric series of the pprof scraper, shared by targets with the same
 * labels and removed from the registry with the last of them (see target_series.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "receivers/pprof/target_series.h"
#include "pipeline/base/hash.h"

static const struct {
    const char *name, *help;
    bool counter;
} families[PPROF_M_COUNT] = {
    [PPROF_M_UP] = {"proflow_receiver_pprof_up", "1 if the last scrape of the target succeeded, else 0.", false},
    [PPROF_M_DURATION] = {"proflow_receiver_pprof_scrape_duration_seconds", "Duration of the last scrape.", false},
    [PPROF_M_BYTES] = {"proflow_receiver_pprof_scrape_bytes", "Response body size of the last scrape.", false},
    [PPROF_M_ERRORS] = {"proflow_receiver_pprof_scrape_errors_total", "Failed scrapes.", true},
    [PPROF_M_SKIPPED] = {"proflow_receiver_pprof_scrapes_skipped_total",
                         "Scrapes skipped because the previous one of the target was still running.", true},
    [PPROF_M_SCRAPES] = {"proflow_receiver_pprof_scrapes_total", "Completed scrapes, successful or not.", true},
};

#define LAST_ERROR "proflow_receiver_pprof_last_error"
#define FREQUENCY  "proflow_scrape_profile_frequency_hz"

static const char *const outcome_names[PPROF_OUTCOMES] = {
    [PPROF_FAIL_TIMEOUT] = "timeout",         [PPROF_FAIL_CONNECTION] = "connection",
    [PPROF_FAIL_HTTP_STATUS] = "http_status", [PPROF_FAIL_BODY_SIZE_LIMIT] = "body_size_limit",
    [PPROF_FAIL_BAD_PPROF] = "bad_pprof",
};

static scrape_series **slot_of(scrape_series_set *set, const char *labels)
{
    return &set->slots[pf_hash_str(labels) & (set->n_slots - 1)];
}

static void grow(scrape_series_set *set)
{
    size_t old_n = set->n_slots;
    scrape_series **old = set->slots;
    set->n_slots = old_n ? old_n * 2 : 64;
    set->slots = pf_xcalloc(set->n_slots, sizeof(*set->slots));
    for (size_t i = 0; i < old_n; i++)
        for (scrape_series *it = old[i], *next; it; it = next) {
            next = it->next_in_slot;
            scrape_series **at = slot_of(set, it->labels);
            it->next_in_slot = *at;
            *at = it;
        }
    free(old);
}

scrape_series *scrape_series_acquire(scrape_series_set *set, const char *receiver, const char *job,
                                     const char *instance, const char *profile)
{
    char *labels =
        pf_xasprintf("receiver=\"%s\",job=\"%s\",instance=\"%s\",profile=\"%s\"", receiver, job, instance, profile);
    if (set->n_slots) {
        for (scrape_series *it = *slot_of(set, labels); it; it = it->next_in_slot)
            if (strcmp(it->labels, labels) == 0) {
                free(labels);
                it->refs++;
                return it;
            }
    }
    if (set->count + 1 > set->n_slots) grow(set);
    scrape_series *ser = pf_xcalloc(1, sizeof(*ser));
    ser->labels = labels;
    ser->refs = 1;
    for (size_t f = 0; f < PPROF_M_COUNT; f++)
        ser->m[f] = families[f].counter ? pf_counter(families[f].name, families[f].help, labels)
                                        : pf_gauge(families[f].name, families[f].help, labels);
    scrape_series **at = slot_of(set, labels);
    ser->next_in_slot = *at;
    *at = ser;
    set->count++;
    ser->older = set->newest;
    if (set->newest)
        set->newest->newer = ser;
    else
        set->oldest = ser;
    set->newest = ser;
    return ser;
}

static char *last_error_labels(const scrape_series *ser, scrape_outcome reason)
{
    return pf_xasprintf("%s,reason=\"%s\"", ser->labels, outcome_names[reason]);
}

pf_metric *scrape_series_last_error(scrape_series *ser, scrape_outcome reason)
{
    if (!ser->last_error[reason]) {
        char *labels = last_error_labels(ser, reason);
        ser->last_error[reason] = pf_gauge(LAST_ERROR,
                                           "1 when the last scrape of the target failed for this reason (timeout, "
                                           "connection, http_status, body_size_limit, bad_pprof), else 0.",
                                           labels);
        free(labels);
    }
    return ser->last_error[reason];
}

pf_metric *scrape_series_frequency(scrape_series *ser)
{
    if (!ser->frequency)
        ser->frequency = pf_gauge(FREQUENCY,
                                  "Effective CPU profiling frequency in force (Hz): seconds profiled per scrape "
                                  "interval x the runtime's native rate / interval, boosts included.",
                                  ser->labels);
    return ser->frequency;
}

static void remove_family(const scrape_series *ser, size_t family)
{
    pf_metric_remove(families[family].name, ser->labels);
}

static void remove_last_errors(const scrape_series *ser)
{
    for (size_t r = 0; r < PPROF_OUTCOMES; r++) {
        if (!ser->last_error[r]) continue;
        char *labels = last_error_labels(ser, (scrape_outcome)r);
        pf_metric_remove(LAST_ERROR, labels);
        free(labels);
    }
}

static void destroy(scrape_series *ser)
{
    free(ser->labels);
    free(ser);
}

void scrape_series_release(scrape_series_set *set, scrape_series *ser)
{
    if (--ser->refs) return;
    scrape_series **at = slot_of(set, ser->labels);
    while (*at != ser) at = &(*at)->next_in_slot;
    *at = ser->next_in_slot;
    set->count--;
    if (ser->older)
        ser->older->newer = ser->newer;
    else
        set->oldest = ser->newer;
    if (ser->newer)
        ser->newer->older = ser->older;
    else
        set->newest = ser->older;
    for (size_t f = 0; f < PPROF_M_COUNT; f++) remove_family(ser, f);
    remove_last_errors(ser);
    if (ser->frequency) pf_metric_remove(FREQUENCY, ser->labels);
    destroy(ser);
}

void scrape_series_set_free(scrape_series_set *set)
{
    /* The registry finds a series by walking its list from the front, where each family's series sit
     * in creation order: removing family by family, oldest first, keeps every walk short. */
    for (size_t f = 0; f < PPROF_M_COUNT; f++)
        for (scrape_series *it = set->oldest; it; it = it->newer) remove_family(it, f);
    for (scrape_series *it = set->oldest; it; it = it->newer) {
        remove_last_errors(it);
        if (it->frequency) pf_metric_remove(FREQUENCY, it->labels);
    }
    for (scrape_series *it = set->oldest, *next; it; it = next) {
        next = it->newer;
        destroy(it);
    }
    free(set->slots);
    memset(set, 0, sizeof(*set));
}
