/* deliver.c — the half of the pyroscope receiver both APIs share: decoded pprofs with their series
 * labels → one OTLP batch → the pipeline (receivers/helper/receiver_helper.h), refusals worded as Pyroscope's. */
#include <string.h>

#include "pipeline/pprof/pprof.h"
#include "receivers/pyroscope/ingest/name.h"
#include "receivers/pyroscope/pyroscope_receiver.h"

/* Pyroscope's service_name label is OTel's service.name resource attribute; every other label
 * (including __name__, which the exporters read back as the profile type) keeps its name. */
static const char *attribute_key(const char *label)
{
    return strcmp(label, "service_name") == 0 ? "service.name" : label;
}

static void add_resource(pf_batch *b, const pf_pyro_labels *labels, const pf_pprof *pp)
{
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    for (size_t i = 0; i < labels->n; i++)
        pf_resource_set_string(b, rp->resource, attribute_key(labels->items[i].name), labels->items[i].value);
    pf_pprof_to_otlp(b, rp, pp, pf_pyro_label_get(labels, "__name__"));
}

bool pyro_batch_add_pprof(pf_batch *b, pf_arena *scratch, const pf_pyro_labels *labels, const uint8_t *bytes,
                          size_t len, size_t max_bytes, char *err, size_t errlen)
{
    pf_pprof pp;
    if (!pf_pprof_parse(scratch, bytes, len, max_bytes, &pp, err, errlen)) return false;
    add_resource(b, labels, &pp);
    return true;
}

bool pyro_batch_add_profile(pf_batch *b, pf_arena *scratch, const pf_pyro_labels *labels,
                            Perftools__Profiles__Profile *profile, size_t max_bytes, char *err, size_t errlen)
{
    pf_pprof pp;
    if (!pf_pprof_from_profile(scratch, profile, max_bytes, &pp, err, errlen)) return false;
    add_resource(b, labels, &pp);
    return true;
}

void pyro_deliver(pyro_api *api, const pf_http_request *req, pf_batch *b, pf_receiver_answer *res)
{
    pf_receiver_answer_set(res, 200, 0, "%s", "");
    if (pf_batch_profile_count(b) == 0) {
        pf_batch_unref(b);
        return;
    }
    pf_status st = pf_receiver_deliver(&api->rt, api->receiver->next, req, b, res);
    if (st == PF_OK) return;
    char why[sizeof(res->message)];
    memcpy(why, res->message, sizeof(why));
    pf_receiver_answer_set(res, res->http_status, res->grpc_status, "%s: %s",
                           st == PF_RETRYABLE ? "pipeline busy, retry later" : "rejected by the pipeline", why);
}
