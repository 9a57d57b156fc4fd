/* pprof_receiver.h — private to receivers/pprof: what factory.c registers (the table is in config.c,
 * the lifecycle in pprof_receiver.c). */
#ifndef PF_PPROF_RECEIVER_H
#define PF_PPROF_RECEIVER_H

#include "pipeline/component/component.h"
#include "receivers/pprof/config.h"

pf_component *pprof_receiver_create(const pf_create_args *args, pf_error *err);

#endif
