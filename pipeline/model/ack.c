/* ack.c — acknowledgements that wait for durability (see ack.h). */
#include "pipeline/model/ack.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/base/xalloc.h"

struct pf_ack {
    int refs;
    size_t pending;
    bool armed, done;
    pf_status status;
    char why[256];
    pf_ack_cb cb;
    void *data;
};

pf_ack *pf_ack_new(pf_ack_cb cb, void *data)
{
    pf_ack *a = pf_xcalloc(1, sizeof(*a));
    a->refs = 1;
    a->cb = cb;
    a->data = data;
    return a;
}

void pf_ack_unref(pf_ack *a)
{
    if (a && --a->refs == 0) free(a);
}

bool pf_ack_arm(pf_ack *a, pf_status *status, const char **why)
{
    if (a->pending == 0) {
        a->done = true;
        *status = a->status;
        *why = a->why;
        return true;
    }
    a->armed = true;
    return false;
}

static void hold(pf_ack *a)
{
    a->refs++;
    a->pending++;
}

static void release(pf_ack *a, pf_status st, const char *why)
{
    if (st != PF_OK && (a->status == PF_OK || st == PF_PERMANENT) && a->status != PF_PERMANENT) {
        a->status = st;
        snprintf(a->why, sizeof(a->why), "%s", why ? why : "");
    }
    if (a->pending > 0 && --a->pending == 0 && a->armed && !a->done) {
        a->done = true;
        a->cb(a->data, a->status, a->why);
    }
    pf_ack_unref(a);
}

void pf_batch_add_ack(pf_batch *b, pf_ack *a)
{
    for (size_t i = 0; i < b->n_acks; i++)
        if (b->acks[i] == a) return;
    b->acks = pf_xrealloc(b->acks, (b->n_acks + 1) * sizeof(*b->acks));
    b->acks[b->n_acks++] = a;
    a->refs++;
}

bool pf_batch_has_acks(const pf_batch *b) { return b->n_acks > 0; }

static void set_push(pf_ack_set *s, pf_ack *a)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = pf_xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = a;
}

void pf_batch_hold_acks(const pf_batch *b, pf_ack_set *set)
{
    for (size_t i = 0; i < b->n_acks; i++) {
        hold(b->acks[i]);
        set_push(set, b->acks[i]);
    }
}

void pf_ack_set_attach(const pf_ack_set *set, pf_batch *b)
{
    for (size_t i = 0; i < set->n; i++) pf_batch_add_ack(b, set->v[i]);
}

void pf_ack_set_move(pf_ack_set *from, pf_ack_set *to)
{
    for (size_t i = 0; i < from->n; i++) set_push(to, from->v[i]);
    free(from->v);
    *from = (pf_ack_set){0};
}

void pf_ack_set_release(pf_ack_set *set, pf_status status, const char *why)
{
    pf_ack_set s = *set; /* a callback may start new work that reuses *set */
    *set = (pf_ack_set){0};
    for (size_t i = 0; i < s.n; i++) release(s.v[i], status, why);
    free(s.v);
}

void pf_batch_acks_release(pf_batch *b)
{
    for (size_t i = 0; i < b->n_acks; i++) pf_ack_unref(b->acks[i]);
    free(b->acks);
    b->acks = NULL;
    b->n_acks = 0;
}
