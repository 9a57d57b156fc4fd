/* factory.c — registration of the file_storage extension. */
#include "pipeline/extensions/file_storage/file_storage_extension.h"

const pf_factory pf_extension_file_storage_factory = {
    .type = "file_storage",
    .kind = PF_KIND_EXTENSION,
    .stability = "alpha",
    .description = "Storage for persistent sending queues (sending_queue.storage): append-only segment files with "
                   "CRC-checked records, optional fsync, a size bound.",
    .config_map = file_storage_cfg_map,
    .config_size = sizeof(pf_file_storage_config),
    .create = file_storage_create,
};
