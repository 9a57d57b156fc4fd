"""Overload and outage: otlp → batch → otlphttp with the backend down, 1 MB real requests (a Go heap
profile converted to OTLP, ~80k samples, randomised values) sent far faster than the backend could
take them. proflow holds what it accepted in bounded memory (the accounted bytes stay under the
memory_limiter limit, checked through its own metrics), refuses the excess with 503 + Retry-After
before reading it, logs the limited state once per change rather than per request, and once the
backend is back every acknowledged sample arrives (counted per request by Python protobuf at the
backend). Also: a backend that takes one request per second; gRPC refusals carry UNAVAILABLE with a
google.rpc.RetryInfo.

Peak RSS is measured by bench/overload, not here (no timing or RSS thresholds in tests)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, wait_until  # noqa: E402
import overload_lib as ol  # noqa: E402

MIB = 1 << 20
REQUESTS = ol.make_requests(120)
EXPECTED = {rid: n for rid, _, n in REQUESTS}


def config(http_port, metrics_port, backend_port, limit_mib=48, spike_mib=20, extra_exporter="", extensions="",
           queue=""):
    return f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{http_port}}}
processors:
  memory_limiter: {{check_interval: 100ms, limit_mib: {limit_mib}, spike_limit_mib: {spike_mib}}}
  batch:
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{backend_port}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}}
    timeout: 30s
{queue}
{extra_exporter}
{extensions}
service:
  {"extensions: [file_storage]" if extensions else ""}
  pipelines:
    profiles: {{receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp]}}
  telemetry: {{metrics: {{address: 127.0.0.1:{metrics_port}}}}}
"""


def drained(pf, metrics_port):
    m = pf.metrics(metrics_port)
    accepted = metric(m, "otelcol_receiver_accepted_profile_samples", receiver="otlp", transport="http")
    sent = metric(m, "otelcol_exporter_sent_profile_samples", exporter="otlphttp")
    return accepted > 0 and sent >= accepted


class OverloadTest(unittest.TestCase):
    def run_outage(self, rate=None, sink_rate=None, n=120, queue="", memory_refusals=True):
        http_port, metrics_port, backend_port = free_port(), free_port(), free_port()
        sink = ol.Sink(backend_port, rate=sink_rate) if sink_rate else None
        with Proflow(config(http_port, metrics_port, backend_port, queue=queue),
                     wait_ports=[http_port, metrics_port]) as pf:
            results = ol.Load(http_port, REQUESTS[:n], conns=8, rate=rate).run()
            acked, refused = ol.acked(results), ol.refused(results)
            self.assertGreater(len(acked), 0, pf.logs())
            self.assertGreater(len(refused), 0, "the excess must be refused")
            self.assertEqual(len(acked) + len(refused), n, f"other answers: {set(results.values())}")
            self.assertTrue(all(results[rid][1] for rid in refused), "503 without Retry-After")
            m = pf.metrics(metrics_port)
            peak = metric(m, "proflow_memory_accounted_peak_bytes")
            self.assertLessEqual(peak, 48 * MIB, "accounted bytes went over the limit")
            early = sum(metric(m, "proflow_receiver_early_refusals_total", receiver="otlp", transport="http",
                               reason=r) for r in ("memory_limit", "pipeline_busy"))
            enqueue_failed = metric(m, "otelcol_exporter_enqueue_failed_profile_samples", exporter="otlphttp")
            self.assertGreater(early + enqueue_failed, 0)
            if memory_refusals:
                self.assertGreater(metric(m, "proflow_receiver_early_refusals_total", receiver="otlp",
                                          transport="http", reason="memory_limit"), 0)
                # One log line per state change, not one per refused request.
                entering = pf.logs().count("memory limit reached")
                self.assertGreaterEqual(entering, 1)
                self.assertLess(entering, len(refused))
            # Receiver and exporter metrics agree with what the clients were told.
            accepted = metric(m, "otelcol_receiver_accepted_profile_samples", receiver="otlp", transport="http")
            self.assertEqual(accepted, sum(EXPECTED[r] for r in acked))

            if sink is None:
                sink = ol.Sink(backend_port)
            try:
                wait_until(lambda: drained(pf, metrics_port), "the queue to drain", timeout=240)
                dups = ol.check_delivered(self, sink, EXPECTED, acked)
                self.assertEqual(dups, 0)
                m = pf.metrics(metrics_port)
                self.assertEqual(metric(m, "otelcol_exporter_send_failed_profile_samples", exporter="otlphttp"), 0)
            finally:
                sink.stop()
            if memory_refusals:
                pf.wait_metrics(metrics_port, lambda m: metric(m, "proflow_memory_limited") == 0)
                self.assertIn("accepting data again", pf.logs())

    def test_outage_then_recovery(self):
        self.run_outage()

    def test_slow_backend(self):
        # The backend takes one request per second while clients send ten per second; a bytes-sized
        # queue bounds what waits, and the rest is refused.
        self.run_outage(rate=10, sink_rate=1, n=50, memory_refusals=False,
                        queue="    sending_queue: {num_consumers: 2, sizer: bytes, queue_size: 8388608}")

    def test_pyroscope_receiver_refuses_before_reading(self):
        import http.client
        port, metrics_port = free_port(), free_port()
        cfg = f"""
receivers:
  pyroscope: {{endpoint: 127.0.0.1:{port}}}
processors:
  memory_limiter: {{limit_mib: 2, spike_limit_mib: 1}}
exporters:
  debug: {{}}
service:
  pipelines:
    profiles: {{receivers: [pyroscope], processors: [memory_limiter], exporters: [debug]}}
  telemetry: {{metrics: {{address: 127.0.0.1:{metrics_port}}}}}
"""
        with Proflow(cfg, wait_ports=[port, metrics_port]) as pf:
            body = b"a;b;c 1\n" * 200000  # 1.6 MB of folded stacks: more than the budget admits
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/ingest?name=svc&format=folded", body, {"Content-Type": "text/plain"})
            resp = conn.getresponse()
            text = resp.read().decode()
            self.assertEqual(resp.status, 503, text)
            self.assertEqual(resp.getheader("Retry-After"), "1")
            self.assertIn("memory limit", text)
            # The connection stays usable: the refused body was read and thrown away.
            conn.request("POST", "/ingest?name=svc&format=folded", b"a;b;c 1\n", {"Content-Type": "text/plain"})
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
            conn.close()
            m = pf.metrics(metrics_port)
            self.assertEqual(metric(m, "proflow_receiver_early_refusals_total", receiver="pyroscope",
                                    transport="ingest", reason="memory_limit"), 1)
            self.assertLess(metric(m, "proflow_memory_accounted_peak_bytes"), 1 << 20)

    def test_scraper_defers_scrapes_that_would_not_fit(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        big = os.urandom(12 << 20)  # larger than the budget admits; not even a pprof (counted as such)
        hits = []

        class Target(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", str(len(big)))
                self.end_headers()
                self.wfile.write(big)

        target_port, metrics_port = free_port(), free_port()
        server = ThreadingHTTPServer(("127.0.0.1", target_port), Target)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        cfg = f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: big
        scrape_interval: 2s
        scrape_timeout: 5s
        static_configs: [{{targets: ["127.0.0.1:{target_port}"]}}]
        profiling_config:
          profile.process_cpu: {{enabled: false}}
          profile.goroutine: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
processors:
  memory_limiter: {{limit_mib: 24, spike_limit_mib: 12}}
exporters:
  debug: {{}}
service:
  pipelines:
    profiles: {{receivers: [pprof], processors: [memory_limiter], exporters: [debug]}}
  telemetry: {{metrics: {{address: 127.0.0.1:{metrics_port}}}}}
"""
        try:
            with Proflow(cfg, wait_ports=[metrics_port]) as pf:
                m = pf.wait_metrics(metrics_port, lambda m: metric(m, "proflow_pprof_scrapes_deferred_total",
                                                                   receiver="pprof") >= 2, timeout=60)
                # The first scrape of each profile type ran (nothing known about its size yet); every
                # later one was deferred: a 12 MiB body does not fit under a 12 MiB soft limit.
                scraped = len(hits)
                self.assertGreaterEqual(scraped, 1)
                pf.wait_metrics(metrics_port, lambda m: metric(m, "proflow_pprof_scrapes_deferred_total",
                                                               receiver="pprof") >= 2 + scraped)
                self.assertEqual(len(hits), scraped)
                self.assertIn("deferred", pf.logs())
        finally:
            server.shutdown()
            server.server_close()

    def test_grpc_refusal_carries_retry_info(self):
        import grpc
        from otlp_export_peers import error_details_pb2, status_pb2, svc, svc_grpc
        grpc_port, metrics_port, backend_port = free_port(), free_port(), free_port()
        cfg = config(grpc_port, metrics_port, backend_port, limit_mib=24, spike_mib=8)
        cfg = cfg.replace("      http: {endpoint", "      grpc: {max_recv_msg_size_mib: 4, endpoint")
        cfg = cfg.replace('transport="http"', 'transport="grpc"')
        with Proflow(cfg, wait_ports=[grpc_port, metrics_port]) as pf:
            channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
            stub = svc_grpc.ProfilesServiceStub(channel)
            unavailable = None
            for rid, body, _ in REQUESTS[:60]:
                req = svc.ExportProfilesServiceRequest()
                req.ParseFromString(body)
                try:
                    stub.Export(req, timeout=30)
                except grpc.RpcError as e:
                    self.assertEqual(e.code(), grpc.StatusCode.UNAVAILABLE, e.details())
                    unavailable = e
                    break
            self.assertIsNotNone(unavailable, "no request was refused")
            details = dict(unavailable.trailing_metadata()).get("grpc-status-details-bin")
            self.assertIsNotNone(details, "UNAVAILABLE without grpc-status-details-bin")
            status = status_pb2.Status()
            status.ParseFromString(details)
            infos = [d for d in status.details if d.type_url.endswith("google.rpc.RetryInfo")]
            self.assertEqual(len(infos), 1)
            info = error_details_pb2.RetryInfo()
            info.ParseFromString(infos[0].value)
            self.assertGreaterEqual(info.retry_delay.seconds, 1)
            channel.close()


if __name__ == "__main__":
    unittest.main()
