/* fuzz_sampling_api.c — the sampling control API and the Alertmanager webhook on the telemetry
 * listener, without HTTP: the first line is "METHOD PATH[?QUERY]", the rest the body, handed to
 * sampling_control_call as the HTTP handler does. Every answer is a status with a JSON body; the
 * override store stays within max_dynamic_overrides. State is reset for every input. */
#include <jansson.h>

#include "config/loader.h"
#include "pipeline/service/registry.h"
#include "processors/sampling/control.h"
#include "processors/sampling/sampling_processor.h"
#include "tests/fuzz/fuzz_common.h"

static const char *const yaml = "probability: 0.5\nmax_dynamic_overrides: 8\nmax_override_duration: 1h\n"
                                "alertmanager:\n  match_labels: {service: service_name, job: job}\n"
                                "  probability: 1\n  max_duration: 30m\n";
static const pf_factory *factory;
static void *config;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    factory = pf_registry_find(PF_KIND_PROCESSOR, "sampling");
    config = pf_xcalloc(1, factory->config_size);
    pf_cfg_error err = {{0}};
    pf_node *n = pf_yaml_parse(yaml, strlen(yaml), "sampling", &err);
    FUZZ_CHECK(n && pf_cfg_defaults(factory->config_map, config, &err) &&
                   pf_cfg_apply(factory->config_map, n, config, "sampling", &err),
               "%s", err.msg);
    pf_node_free(n);
    return 0;
}

static void detached(void *data) { *(bool *)data = true; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *line, *body_view;
    size_t line_len, body_len;
    fuzz_split(data, size, "\n", &line, &line_len, &body_view, &body_len);
    char *head = fuzz_cstr(line, line_len);
    char *sp = strchr(head, ' ');
    if (!sp) {
        free(head);
        return 0;
    }
    *sp = '\0';
    const char *method = head;
    char *path = sp + 1, *q = strchr(path, '?');
    const char *query = "";
    if (q) {
        *q = '\0';
        query = q + 1;
    }
    uint8_t *body = malloc(body_len ? body_len : 1);
    if (body_len) memcpy(body, body_view, body_len);

    uv_loop_t loop;
    uv_loop_init(&loop);
    sampling_target *t = sampling_control_attach(NULL, &loop, "sampling", config);
    sampling_control *c = sampling_target_control(t);
    /* Twice: the second call sees the state the first left (an override to list, delete, resolve). */
    for (int round = 0; round < 2; round++) {
        pf_buf out = {0};
        int status = sampling_control_call(c, method, path, query, body, body_len, &out);
        FUZZ_CHECK(status >= 200 && status < 600, "status %d", status);
        json_error_t je;
        json_t *j = json_loadb(out.data ? out.data : "", out.len, 0, &je);
        FUZZ_CHECK(j != NULL, "answer %d is not JSON: %.*s", status, (int)out.len, out.data ? out.data : "");
        json_decref(j);
        pf_buf_free(&out);
        pf_buf list = {0};
        FUZZ_CHECK(sampling_control_call(c, "GET", "/api/v1/sampling/overrides", "", NULL, 0, &list) == 200, "list");
        pf_buf_free(&list);
        FUZZ_CHECK(sampling_target_overrides(t)->n <= 8, "%zu overrides above max_dynamic_overrides",
                   sampling_target_overrides(t)->n);
    }
    bool done = false;
    sampling_control_detach(t, detached, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    FUZZ_CHECK(done, "detach did not finish");
    sampling_control_release(t);
    FUZZ_CHECK(uv_loop_close(&loop) == 0, "handles left open");
    free(body);
    free(head);
    return 0;
}
