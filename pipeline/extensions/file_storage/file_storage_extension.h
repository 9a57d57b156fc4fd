/* file_storage_extension.h — private to pipeline/extensions/file_storage: its config table
 * (config.c) and what factory.c registers (behaviour in file_storage_extension.c). */
#ifndef PF_FILE_STORAGE_EXTENSION_H
#define PF_FILE_STORAGE_EXTENSION_H

#include "config/config_map.h"
#include "pipeline/component/component.h"
#include "pipeline/storage/file_storage.h"

extern const pf_cfg_entry file_storage_cfg_map[];
pf_component *file_storage_create(const pf_create_args *args, pf_error *err);

#endif
