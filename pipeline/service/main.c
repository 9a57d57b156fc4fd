/* main.c — the proflow command line: run, validate, components, print-config; signal handling
 * (SIGTERM/SIGINT drain and exit 0, SIGHUP reloads the config and keeps the old one if the new
 * one fails). */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config/loader.h"
#include "net/compress.h"
#include "pipeline/service/default_config.h"
#include "pipeline/base/arena.h"
#include "pipeline/base/log.h"
#include "pipeline/service/service.h"
#include "pipeline/service/registry.h"
#include "pipeline/base/telemetry.h"

typedef struct cli {
    const char *command; /* "run" | "validate" | "components" | "print-config" */
    const char **files;
    size_t n_files;
    const char **sets;
    size_t n_sets;
    bool reference; /* components --reference */
} cli;

static void usage(FILE *out)
{
    fprintf(
        out,
        "proflow %s — continuous-profiling pipeline\n\n"
        "Usage:\n"
        "  proflow [--config FILE]... [--set KEY=VALUE]...        run (no --config: embedded default config)\n"
        "  proflow validate [--config FILE]... [--set KEY=VALUE]... check a config and exit\n"
        "  proflow print-config [--config FILE]... [--set ...]     print the merged, expanded config\n"
        "  proflow components [--reference]                       list components (or their config keys as Markdown)\n"
        "  proflow --version | --help\n\n"
        "--config may repeat: later files merge over earlier ones. ${env:VAR}, ${env:VAR:-default} and\n"
        "${file:PATH} are expanded. --set a.b.c=value overrides one key (value parsed as YAML).\n",
        PROFLOW_VERSION);
}

static bool parse_cli(int argc, char **argv, cli *c)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"set", required_argument, 0, 's'}, {"version", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},         {"reference", no_argument, 0, 'r'}, {0, 0, 0, 0},
    };
    c->command = "run";
    int first = 1;
    if (argc > 1 && argv[1][0] != '-') {
        c->command = argv[1];
        first = 2;
        if (strcmp(c->command, "validate") && strcmp(c->command, "components") && strcmp(c->command, "print-config")) {
            fprintf(stderr, "proflow: unknown command \"%s\"\n\n", c->command);
            usage(stderr);
            return false;
        }
    }
    c->files = calloc((size_t)argc, sizeof(char *));
    c->sets = calloc((size_t)argc, sizeof(char *));
    optind = first;
    int o;
    while ((o = getopt_long(argc, argv, "c:s:vh", opts, NULL)) != -1) {
        switch (o) {
        case 'c': c->files[c->n_files++] = optarg; break;
        case 's': c->sets[c->n_sets++] = optarg; break;
        case 'r': c->reference = true; break;
        case 'v': printf("proflow %s\n", PROFLOW_VERSION); exit(0);
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return false;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "proflow: unexpected argument \"%s\"\n", argv[optind]);
        return false;
    }
    return true;
}

static pf_node *load_tree(const cli *c)
{
    pf_config_sources src = {c->files, c->n_files, c->sets, c->n_sets, pf_default_config_yaml};
    pf_cfg_error err;
    pf_node *root = pf_config_load(&src, &err);
    if (!root) fprintf(stderr, "proflow: %s\n", err.msg);
    return root;
}

static pf_service_config *parse_config(pf_node *root)
{
    pf_cfg_error err;
    pf_service_config *cfg = pf_service_config_parse(root, &err);
    if (!cfg) {
        fprintf(stderr, "proflow: %s\n", err.msg);
        return NULL;
    }
    const char *w = pf_service_config_warnings(cfg);
    if (*w) fprintf(stderr, "proflow: warning: %s", w);
    return cfg;
}

static int cmd_components(const cli *c)
{
    for (size_t i = 0; pf_registry[i]; i++) {
        const pf_factory *f = pf_registry[i];
        if (c->reference) {
            printf("### %s `%s` (%s)\n\n%s\n\n| key | type | default | description |\n|---|---|---|---|\n",
                   pf_kind_name(f->kind), f->type, f->stability, f->description);
            pf_cfg_print_reference(f->config_map, stdout, "");
            printf("\n");
        } else {
            printf("%-10s %-16s %-12s %s\n", pf_kind_name(f->kind), f->type, f->stability, f->description);
        }
    }
    return 0;
}

/* ---- running ---- */

typedef struct runner {
    uv_loop_t *loop;
    const cli *cli;
    pf_node *tree; /* config tree of the running service */
    pf_service *service;
    pf_node *next_tree; /* SIGHUP: validated config waiting for the old service to stop */
    pf_service_config *next_cfg;
    uv_signal_t sigterm, sigint, sighup;
    bool stopping;
    int exit_code;
} runner;

static bool start_service(runner *r, pf_service_config *cfg)
{
    r->service = pf_service_new(r->loop, cfg);
    pf_error err = {{0}, 0};
    if (pf_service_start(r->service, &err)) return true;
    pf_log(PF_LOG_ERROR, NULL, "cannot start: %s", err.msg);
    return false;
}

static void close_signals(runner *r)
{
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sighup, NULL);
}

static void stopped_for_exit(pf_service *s, void *data)
{
    runner *r = data;
    pf_service_free(s);
    r->service = NULL;
    close_signals(r);
    pf_log(PF_LOG_INFO, NULL, "proflow stopped");
}

static void restart_previous(pf_service *s, void *data)
{
    runner *r = data;
    pf_service_free(s);
    r->service = NULL;
    pf_cfg_error err;
    pf_service_config *old = pf_service_config_parse(r->tree, &err);
    if (old && start_service(r, old)) return;
    pf_log(PF_LOG_ERROR, NULL, "cannot restart the previous configuration; exiting");
    r->exit_code = 1;
    if (r->service)
        pf_service_shutdown(r->service, stopped_for_exit, r);
    else
        close_signals(r);
}

static void stopped_for_reload(pf_service *s, void *data)
{
    runner *r = data;
    pf_service_free(s);
    r->service = NULL;
    pf_service_config *cfg = r->next_cfg;
    r->next_cfg = NULL;
    if (start_service(r, cfg)) {
        pf_node_free(r->tree);
        r->tree = r->next_tree;
        r->next_tree = NULL;
        pf_log(PF_LOG_INFO, NULL, "configuration reloaded");
        return;
    }
    /* The new config validated but could not start (e.g. a port in use): go back to the old one. */
    pf_node_free(r->next_tree);
    r->next_tree = NULL;
    pf_service_shutdown(r->service, restart_previous, r);
}

static void on_signal(uv_signal_t *h, int signum)
{
    runner *r = h->data;
    if (r->stopping || !r->service) return;
    if (signum == SIGHUP) {
        if (r->next_cfg) return; /* a reload is already under way */
        pf_log(PF_LOG_INFO, NULL, "SIGHUP: reloading configuration");
        pf_node *tree = load_tree(r->cli);
        pf_service_config *cfg = tree ? parse_config(tree) : NULL;
        if (!cfg) {
            pf_log(PF_LOG_ERROR, NULL, "new configuration is invalid; keeping the running one");
            pf_node_free(tree);
            return;
        }
        r->next_tree = tree;
        r->next_cfg = cfg;
        pf_service_shutdown(r->service, stopped_for_reload, r);
        return;
    }
    pf_log(PF_LOG_INFO, NULL, "%s: shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    r->stopping = true;
    pf_service_shutdown(r->service, stopped_for_exit, r);
}

static int cmd_run(const cli *c, pf_node *tree, pf_service_config *cfg)
{
    /* Large buffers (request bodies, decoded batches, queued payloads) come and go all the time.
     * glibc raises its mmap threshold after the first such free, and from then on serves them from
     * the heap, where freed holes stay resident: a fixed threshold keeps every large buffer in its own
     * mapping, returned to the system when freed, so RSS follows what the memory budget accounts. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
    runner r = {0};
    r.loop = uv_default_loop();
    r.cli = c;
    r.tree = tree;
    uv_signal_t *sigs[] = {&r.sigterm, &r.sigint, &r.sighup};
    int nums[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        uv_signal_init(r.loop, sigs[i]);
        sigs[i]->data = &r;
        uv_signal_start(sigs[i], on_signal, nums[i]);
    }
    if (!start_service(&r, cfg)) {
        r.exit_code = 1;
        r.stopping = true;
        pf_service_shutdown(r.service, stopped_for_exit, &r);
    }
    uv_run(r.loop, UV_RUN_DEFAULT);
    if (r.service) pf_service_free(r.service);
    pf_service_config_free(r.next_cfg);
    pf_node_free(r.next_tree);
    pf_node_free(r.tree);
    uv_loop_close(r.loop);
    pf_arena_pool_release();
    pf_compress_release();
    return r.exit_code;
}

int main(int argc, char **argv)
{
    cli c = {0};
    if (!parse_cli(argc, argv, &c)) return 2;
    int rc = 0;
    if (strcmp(c.command, "components") == 0) {
        rc = cmd_components(&c);
    } else {
        pf_node *tree = load_tree(&c);
        if (!tree) {
            rc = 1;
        } else if (strcmp(c.command, "print-config") == 0) {
            pf_service_config_redact(tree);
            pf_node_print_yaml(tree, stdout);
            pf_node_free(tree);
        } else {
            pf_service_config *cfg = parse_config(tree);
            if (!cfg) {
                rc = 1;
                pf_node_free(tree);
            } else if (strcmp(c.command, "validate") == 0) {
                printf("%s: configuration is valid\n", c.n_files ? c.files[c.n_files - 1] : "<default>");
                pf_service_config_free(cfg);
                pf_node_free(tree);
            } else {
                rc = cmd_run(&c, tree, cfg);
            }
        }
    }
    free(c.files);
    free(c.sets);
    pf_metrics_reset();
    return rc;
}
