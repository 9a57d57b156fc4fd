/* exporter_helper_config.c — config tables of the exporter helper (retry_on_failure, sending_queue)
 * with the Collector's exporterhelper names and defaults; see exporter_helper.h. */
#include <stddef.h>

#include "exporters/helper/exporter_helper.h"

static const char *const sizer_choices[] = {"requests", "bytes", "items", NULL};

const pf_cfg_entry pf_retry_cfg_map[] = {
    {.type = PF_CFG_BOOL, .name = "enabled", .def = "true", .offset = offsetof(pf_retry_config, enabled),
     .desc = "Retry retryable failures."},
    {.type = PF_CFG_DURATION, .name = "initial_interval", .def = "5s",
     .offset = offsetof(pf_retry_config, initial_interval), .min = 1e6, .max = 86400e9,
     .desc = "Wait after the first failure."},
    {.type = PF_CFG_DURATION, .name = "max_interval", .def = "30s", .offset = offsetof(pf_retry_config, max_interval),
     .min = 1e6, .max = 86400e9, .desc = "Upper bound of the backoff."},
    {.type = PF_CFG_DURATION, .name = "max_elapsed_time", .def = "300s",
     .offset = offsetof(pf_retry_config, max_elapsed_time),
     .desc = "Give up on a batch this long after its first attempt (0 = never)."},
    {.type = PF_CFG_DOUBLE, .name = "multiplier", .def = "1.5", .offset = offsetof(pf_retry_config, multiplier),
     .min = 1, .max = 100, .desc = "Factor applied to the interval after each retry."},
    {.type = PF_CFG_DOUBLE, .name = "randomization_factor", .def = "0.5",
     .offset = offsetof(pf_retry_config, randomization_factor), .min = 0, .max = 1,
     .desc = "Jitter: each wait is drawn from interval * [1 - factor, 1 + factor]."},
    PF_CFG_END,
};

const pf_cfg_entry pf_queue_cfg_map[] = {
    {.type = PF_CFG_BOOL, .name = "enabled", .def = "true", .offset = offsetof(pf_queue_config, enabled),
     .desc = "Buffer batches in memory; when false a batch is only accepted while a consumer is free."},
    {.type = PF_CFG_INT, .name = "num_consumers", .def = "10", .offset = offsetof(pf_queue_config, num_consumers),
     .min = 1, .max = 10000, .desc = "Sends in progress at once (retry waits included)."},
    {.type = PF_CFG_INT, .name = "queue_size", .def = "1000", .offset = offsetof(pf_queue_config, queue_size),
     .min = 1, .max = 1e15, .desc = "Capacity of the queue, in units of sizer."},
    {.type = PF_CFG_STRING, .name = "sizer", .def = "requests", .offset = offsetof(pf_queue_config, sizer),
     .choices = sizer_choices, .desc = "Unit of queue_size: requests (batches), bytes (bytes held: encoded and compressed, as sent) or items (profile samples; a "
             "batch without samples counts as one)."},
    {.type = PF_CFG_BOOL, .name = "block_on_overflow", .def = "false",
     .offset = offsetof(pf_queue_config, block_on_overflow),
     .desc = "The loop never blocks: a full queue then asks senders to retry after 1s instead."},
    {.type = PF_CFG_STRING, .name = "storage", .offset = offsetof(pf_queue_config, storage),
     .desc = "Id of a file_storage extension (file_storage or file_storage/<name>): the queue is kept on disk, a request is "
             "acknowledged once written, and what is queued survives restarts and crashes. Unset: in memory."},
    PF_CFG_END,
};
