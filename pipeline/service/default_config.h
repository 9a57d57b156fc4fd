/* default_config.h — the configuration proflow runs with when no --config is given: every receiver
 * listening on localhost on its standard port, batching, and local output a newcomer can look at.
 * Keep it current as receivers land (a test validates it and starts it). */
#ifndef PF_DEFAULT_CONFIG_H
#define PF_DEFAULT_CONFIG_H

static const char pf_default_config_yaml[] = "receivers:\n"
                                             "  otlp:\n"
                                             "    protocols:\n"
                                             "      grpc:\n"
                                             "        endpoint: localhost:4317\n"
                                             "      http:\n"
                                             "        endpoint: localhost:4318\n"
                                             "  pyroscope:\n"
                                             "    endpoint: localhost:4040\n"
                                             "processors:\n"
                                             "  batch:\n"
                                             "exporters:\n"
                                             "  file:\n"
                                             "    path: ./proflow-data\n"
                                             "  debug:\n"
                                             "    verbosity: basic\n"
                                             "extensions:\n"
                                             "  health_check:\n"
                                             "    endpoint: localhost:13133\n"
                                             "service:\n"
                                             "  extensions: [health_check]\n"
                                             "  pipelines:\n"
                                             "    profiles:\n"
                                             "      receivers: [otlp, pyroscope]\n"
                                             "      processors: [batch]\n"
                                             "      exporters: [file, debug]\n"
                                             "  telemetry:\n"
                                             "    metrics:\n"
                                             "      address: localhost:8888\n";

#endif
