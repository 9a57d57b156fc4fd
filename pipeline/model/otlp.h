/* otlp.h — short names for the protobuf-c types of the wire formats proflow speaks.
 * The generated names (Opentelemetry__Proto__Profiles__V1development__Profile …) are unreadable in
 * application code; everything outside proto/ uses these aliases instead. */
#ifndef PF_OTLP_H
#define PF_OTLP_H

#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb-c.h"
#include "opentelemetry/proto/profiles/v1development/profiles.pb-c.h"
#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"

typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceRequest otlp_request;
typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceResponse otlp_response;
typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesPartialSuccess otlp_partial_success;
typedef Opentelemetry__Proto__Profiles__V1development__ProfilesDictionary otlp_dictionary;
typedef Opentelemetry__Proto__Profiles__V1development__ProfilesData otlp_profiles_data;
typedef Opentelemetry__Proto__Profiles__V1development__ResourceProfiles otlp_resource_profiles;
typedef Opentelemetry__Proto__Profiles__V1development__ScopeProfiles otlp_scope_profiles;
typedef Opentelemetry__Proto__Profiles__V1development__Profile otlp_profile;
typedef Opentelemetry__Proto__Profiles__V1development__Link otlp_link;
typedef Opentelemetry__Proto__Profiles__V1development__ValueType otlp_value_type;
typedef Opentelemetry__Proto__Profiles__V1development__Sample otlp_sample;
typedef Opentelemetry__Proto__Profiles__V1development__Mapping otlp_mapping;
typedef Opentelemetry__Proto__Profiles__V1development__Stack otlp_stack;
typedef Opentelemetry__Proto__Profiles__V1development__Location otlp_location;
typedef Opentelemetry__Proto__Profiles__V1development__Line otlp_line;
typedef Opentelemetry__Proto__Profiles__V1development__Function otlp_function;
typedef Opentelemetry__Proto__Profiles__V1development__KeyValueAndUnit otlp_kvu;
typedef Opentelemetry__Proto__Common__V1__AnyValue otlp_any_value;
typedef Opentelemetry__Proto__Common__V1__ArrayValue otlp_array_value;
typedef Opentelemetry__Proto__Common__V1__KeyValueList otlp_kv_list;
typedef Opentelemetry__Proto__Common__V1__KeyValue otlp_kv;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope otlp_scope;
typedef Opentelemetry__Proto__Resource__V1__Resource otlp_resource;

#define OTLP_REQUEST_INIT                                                                                              \
    OPENTELEMETRY__PROTO__COLLECTOR__PROFILES__V1DEVELOPMENT__EXPORT_PROFILES_SERVICE_REQUEST__INIT
#define OTLP_RESPONSE_INIT                                                                                             \
    OPENTELEMETRY__PROTO__COLLECTOR__PROFILES__V1DEVELOPMENT__EXPORT_PROFILES_SERVICE_RESPONSE__INIT
#define OTLP_PARTIAL_SUCCESS_INIT                                                                                      \
    OPENTELEMETRY__PROTO__COLLECTOR__PROFILES__V1DEVELOPMENT__EXPORT_PROFILES_PARTIAL_SUCCESS__INIT
#define OTLP_DICTIONARY_INIT        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__PROFILES_DICTIONARY__INIT
#define OTLP_RESOURCE_PROFILES_INIT OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__RESOURCE_PROFILES__INIT
#define OTLP_SCOPE_PROFILES_INIT    OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__SCOPE_PROFILES__INIT
#define OTLP_PROFILE_INIT           OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__PROFILE__INIT
#define OTLP_LINK_INIT              OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__LINK__INIT
#define OTLP_VALUE_TYPE_INIT        OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__VALUE_TYPE__INIT
#define OTLP_SAMPLE_INIT            OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__SAMPLE__INIT
#define OTLP_MAPPING_INIT           OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__MAPPING__INIT
#define OTLP_STACK_INIT             OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__STACK__INIT
#define OTLP_LOCATION_INIT          OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__LOCATION__INIT
#define OTLP_LINE_INIT              OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__LINE__INIT
#define OTLP_FUNCTION_INIT          OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__FUNCTION__INIT
#define OTLP_KVU_INIT               OPENTELEMETRY__PROTO__PROFILES__V1DEVELOPMENT__KEY_VALUE_AND_UNIT__INIT
#define OTLP_ANY_VALUE_INIT         OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT
#define OTLP_ARRAY_VALUE_INIT       OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT
#define OTLP_KV_LIST_INIT           OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT
#define OTLP_KV_INIT                OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT
#define OTLP_SCOPE_INIT             OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT
#define OTLP_RESOURCE_INIT          OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT

#define otlp_request_descriptor                                                                                        \
    opentelemetry__proto__collector__profiles__v1development__export_profiles_service_request__descriptor
#define otlp_response_descriptor                                                                                       \
    opentelemetry__proto__collector__profiles__v1development__export_profiles_service_response__descriptor
#define otlp_profiles_data_descriptor opentelemetry__proto__profiles__v1development__profiles_data__descriptor

/* AnyValue oneof cases, shortened. */
#define OTLP_VALUE_NONE     OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET
#define OTLP_VALUE_STRING   OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define OTLP_VALUE_BOOL     OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define OTLP_VALUE_INT      OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define OTLP_VALUE_DOUBLE   OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define OTLP_VALUE_ARRAY    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE
#define OTLP_VALUE_KVLIST   OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE
#define OTLP_VALUE_BYTES    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE
#define OTLP_VALUE_STRINDEX OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE_STRINDEX

#endif
