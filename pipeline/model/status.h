/* status.h — what a consumer answers for a batch (see pf_consumer in pipeline/component/component.h):
 *   PF_OK         accepted (queued or delivered)
 *   PF_RETRYABLE  refused for now (queue full, backend down, memory limit)
 *   PF_PERMANENT  refused for good (invalid data)
 * It lives with the data model because acknowledgements (ack.h) carry it back to receivers. */
#ifndef PF_STATUS_H
#define PF_STATUS_H

typedef enum pf_status {
    PF_OK = 0,
    PF_RETRYABLE,
    PF_PERMANENT,
} pf_status;

#endif
