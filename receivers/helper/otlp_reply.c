/* otlp_reply.c — partial_success accounting of the OTLP exporters (see otlp_reply.h). */
#include "receivers/helper/otlp_reply.h"

#include <strings.h>

#include "net/http_client.h"

#include "pipeline/model/otlp.h"
#include "pipeline/otlpjson/pbjson.h"

void pf_otlp_reply_init(pf_otlp_reply *r, const char *exporter_id)
{
    r->exporter_id = exporter_id;
    r->rejected_profiles =
        pf_counter1("proflow_exporter_partial_success_rejected_profiles_total",
                    "Profiles the backend reported as rejected in a partial success.", "exporter", exporter_id);
}

static void partial_success(pf_otlp_reply *r, int64_t rejected_profiles, const char *message)
{
    if (rejected_profiles <= 0 && (!message || !*message)) return;
    if (rejected_profiles > 0) pf_metric_add(r->rejected_profiles, (double)rejected_profiles);
    pf_log_limited(&r->partial_log, 10, PF_LOG_WARN, r->exporter_id, "partial success: %lld profiles rejected: %s",
                   (long long)rejected_profiles, message && *message ? message : "(no message)");
}

bool pf_otlp_reply_read(pf_otlp_reply *r, const uint8_t *body, size_t len, bool json)
{
    if (len == 0) return true;
    otlp_response *resp = NULL;
    if (json) {
        char why[256];
        ProtobufCMessage *m = NULL;
        if (!pf_pbjson_decode(&otlp_response_descriptor, (const char *)body, len, NULL, &m, why, sizeof(why)))
            return false;
        resp = (otlp_response *)m;
    } else {
        resp = (otlp_response *)protobuf_c_message_unpack(&otlp_response_descriptor, NULL, len, body);
    }
    if (!resp) return false;
    if (resp->partial_success)
        partial_success(r, resp->partial_success->rejected_profiles, resp->partial_success->error_message);
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    return true;
}

size_t pf_otlp_version_header(const pf_http_client_config *cfg, pf_http_header *h)
{
    for (size_t i = 0; i < cfg->headers.n; i++)
        if (strcasecmp(cfg->headers.keys[i], PF_OTLP_PROFILES_VERSION_HEADER) == 0) return 0;
    h[0] = (pf_http_header){PF_OTLP_PROFILES_VERSION_HEADER, PF_OTLP_PROFILES_VERSION};
    return 1;
}
