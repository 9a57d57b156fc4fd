/* ack.h — acknowledgement that waits for durability.
 *
 * A receiver that must not answer before its data is safe creates a pf_ack for the request and
 * attaches it to the batch (pf_batch_add_ack). A component that makes the data durable later (the
 * persistent sending queue: on write + fsync) holds the acks of a batch it accepted
 * (pf_batch_hold_acks) and releases them with the outcome. A component that keeps data in memory on
 * its way to such a component (the batch processor) holds them too, moves them onto the batch it
 * builds, and releases its hold once that batch was handed on. The receiver answers when consume()
 * returned PF_OK and no hold is left (pf_ack_arm), or from the callback once the last hold is
 * released: PF_OK, or the worst status a holder reported (the request is then refused, 503).
 *
 * Where nothing durable is downstream nobody holds, and answers go out as before.
 *
 * Ownership: reference counted; the batch, every holder and the creator each hold a reference. The
 * callback runs at most once, only after pf_ack_arm returned false, and never after the creator
 * dropped an unarmed ack (a refused request was already answered). Loop thread only. */
#ifndef PF_ACK_H
#define PF_ACK_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/model/batch.h"
#include "pipeline/model/status.h"

typedef struct pf_ack pf_ack;
typedef void (*pf_ack_cb)(void *data, pf_status status, const char *why);

pf_ack *pf_ack_new(pf_ack_cb cb, void *data);
void pf_ack_unref(pf_ack *a);
/* Creator, after consume() returned PF_OK: true when nothing holds the ack any more (answer now with
 * *status / *why: PF_OK, or the worst a holder reported; the callback never runs). False: the
 * callback will run. *why stays valid until the creator's pf_ack_unref. */
bool pf_ack_arm(pf_ack *a, pf_status *status, const char **why);

/* A set of held acks. Zero-initialise. */
typedef struct pf_ack_set {
    pf_ack **v;
    size_t n, cap;
} pf_ack_set;

void pf_batch_add_ack(pf_batch *b, pf_ack *a);
bool pf_batch_has_acks(const pf_batch *b);
/* Holds every ack of b (once each) and adds it to `set`. */
void pf_batch_hold_acks(const pf_batch *b, pf_ack_set *set);
/* Attaches every ack of the set to b (without holding again). */
void pf_ack_set_attach(const pf_ack_set *set, pf_batch *b);
/* Moves the holds of `from` into `to`. */
void pf_ack_set_move(pf_ack_set *from, pf_ack_set *to);
/* Releases every hold of the set with the outcome and empties it. */
void pf_ack_set_release(pf_ack_set *set, pf_status status, const char *why);
/* Drops the batch's references (batch.c calls it when the batch dies). */
void pf_batch_acks_release(pf_batch *b);

#endif
