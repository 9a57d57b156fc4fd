"""test_control_plane_auth.py — the telemetry listener (/metrics, the sampling control API, the
Alertmanager webhook) and the health_check listener with the receivers' auth and tls options, driven
by curl against the real binary:
  - no auth, no mTLS: a control API write gets 401 (GET /metrics still works) and proflow says so at
    start; allow_unauthenticated_writes: true opens it, with a warning;
  - bearer token: a write without credentials gets 401, with the token 201; /metrics needs it too;
  - basic auth (Alertmanager's http_config basic_auth) on the webhook: right user/password 200, wrong 401;
  - mutual TLS: a client certificate from the configured CA may write (201); one from another CA fails
    the TLS handshake; none at all fails it too;
  - health_check with a bearer token file: 401 without, 200 with.
Every refusal is counted in proflow_http_server_rejected_total."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, parse_metrics  # noqa: E402

OVERRIDE = json.dumps({"match": {"service_name": "checkout"}, "probability": 1, "duration": "10m"})
ALERT = json.dumps({"version": "4", "status": "firing",
                    "alerts": [{"status": "firing", "labels": {"service": "checkout"}, "fingerprint": "f1"}]})


def curl(*args, data=None, method=None):
    """(exit code, HTTP status or 0, body) of one curl call."""
    cmd = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"]
    if method:
        cmd += ["-X", method]
    if data is not None:
        cmd += ["-H", "content-type: application/json", "--data-binary", data]
    res = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60)
    body, _, code = res.stdout.rpartition("\n")
    return res.returncode, int(code or 0), body


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(d, name):
    key, cert = os.path.join(d, name + "-ca.key"), os.path.join(d, name + "-ca.pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=" + name + " test CA")
    return cert, key


def make_leaf(d, name, ca_cert, ca_key, server):
    key, csr, cert = (os.path.join(d, name + ext) for ext in (".key", ".csr", ".pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if server else "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
            "-days", "1", "-extfile", ext)
    return cert, key


def config(http_port, mport, telemetry_extra, extensions_yaml="", service_extensions=""):
    return f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
processors:
  sampling:
    probability: 0.5
    alertmanager:
      match_labels: {{service: service_name}}
exporters:
  debug:
{extensions_yaml}
service:
{service_extensions}
  pipelines:
    profiles:
      receivers: [otlp]
      processors: [sampling]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
{telemetry_extra}
"""


class ControlPlaneAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="control-plane-")

    def api(self, mport, scheme="http"):
        return f"{scheme}://127.0.0.1:{mport}/api/v1/sampling"

    def test_open_listener_refuses_writes(self):
        hport, mport = free_port(), free_port()
        with Proflow(config(hport, mport, ""), wait_ports=[hport, mport]) as pf:
            rc, code, body = curl(self.api(mport) + "/overrides", data=OVERRIDE)
            self.assertEqual(code, 401, body)
            self.assertIn("allow_unauthenticated_writes", body)
            self.assertEqual(curl(self.api(mport) + "/overrides/1", method="DELETE")[1], 401)
            self.assertEqual(curl(self.api(mport) + "/alertmanager", data=ALERT)[1], 401)
            self.assertEqual(curl(f"http://127.0.0.1:{mport}/metrics")[1], 200)
            self.assertEqual(curl(self.api(mport) + "/overrides")[1], 200)  # reads stay open
            m = pf.metrics(mport)
            self.assertEqual(metric(m, "proflow_http_server_rejected_total", server="telemetry",
                                    reason="writes_need_auth"), 3)
            self.assertIn("are refused with 401", pf.logs())

    def test_allow_unauthenticated_writes(self):
        hport, mport = free_port(), free_port()
        with Proflow(config(hport, mport, "      allow_unauthenticated_writes: true"),
                     wait_ports=[hport, mport]) as pf:
            self.assertEqual(curl(self.api(mport) + "/overrides", data=OVERRIDE)[1], 201)
            self.assertIn("accepts writes from anyone", pf.logs())

    def test_bearer_token(self):
        hport, mport = free_port(), free_port()
        with Proflow(config(hport, mport, "      auth:\n        bearer_token: ctl-s3cret"),
                     wait_ports=[hport, mport]) as pf:
            self.assertEqual(curl(self.api(mport) + "/overrides", data=OVERRIDE)[1], 401)
            self.assertEqual(curl(self.api(mport) + "/overrides", "-H", "Authorization: Bearer wrong",
                                  data=OVERRIDE)[1], 401)
            rc, code, body = curl(self.api(mport) + "/overrides", "-H", "Authorization: Bearer ctl-s3cret",
                                  data=OVERRIDE)
            self.assertEqual(code, 201, body)
            self.assertEqual(curl(f"http://127.0.0.1:{mport}/metrics")[1], 401)
            rc, code, text = curl(f"http://127.0.0.1:{mport}/metrics", "-H", "Authorization: Bearer ctl-s3cret")
            self.assertEqual(code, 200)
            m = parse_metrics(text)
            self.assertEqual(metric(m, "proflow_http_server_rejected_total", server="telemetry",
                                    reason="unauthenticated"), 3)
            self.assertNotIn("ctl-s3cret", pf.logs())

    def test_alertmanager_basic_auth(self):
        hport, mport = free_port(), free_port()
        pw_file = os.path.join(self.work, "am-password")
        with open(pw_file, "w") as f:
            f.write("am-pass\n")
        extra = f"      auth:\n        basic_auth:\n          username: alertmanager\n          password_file: {pw_file}"
        with Proflow(config(hport, mport, extra), wait_ports=[hport, mport]) as pf:
            self.assertEqual(curl(self.api(mport) + "/alertmanager", data=ALERT)[1], 401)
            self.assertEqual(curl(self.api(mport) + "/alertmanager", "-u", "alertmanager:nope", data=ALERT)[1], 401)
            rc, code, body = curl(self.api(mport) + "/alertmanager?processor=sampling", "-u", "alertmanager:am-pass",
                                  data=ALERT)
            self.assertEqual(code, 200, body)
            self.assertEqual(json.loads(body)["applied"], 1)
            self.assertNotIn("am-pass", pf.logs())

    def test_mutual_tls(self):
        d = tempfile.mkdtemp(dir=self.work)
        ca, ca_key = make_ca(d, "good")
        other_ca, other_key = make_ca(d, "other")
        srv_cert, srv_key = make_leaf(d, "server", ca, ca_key, True)
        cli_cert, cli_key = make_leaf(d, "client", ca, ca_key, False)
        bad_cert, bad_key = make_leaf(d, "intruder", other_ca, other_key, False)
        hport, mport = free_port(), free_port()
        extra = (f"      tls:\n        cert_file: {srv_cert}\n        key_file: {srv_key}\n"
                 f"        client_ca_file: {ca}")
        with Proflow(config(hport, mport, extra), wait_ports=[hport, mport]) as pf:
            url = self.api(mport, "https") + "/overrides"
            rc, code, body = curl(url, "--cacert", ca, "--cert", cli_cert, "--key", cli_key, data=OVERRIDE)
            self.assertEqual((rc, code), (0, 201), body)
            rc, code, _ = curl(url, "--cacert", ca, "--cert", bad_cert, "--key", bad_key, data=OVERRIDE)
            self.assertNotEqual(rc, 0)  # the handshake fails: no HTTP status at all
            self.assertEqual(code, 0)
            rc, code, _ = curl(url, "--cacert", ca, data=OVERRIDE)
            self.assertNotEqual(rc, 0)
            self.assertEqual(code, 0)
            rc, code, text = curl(f"https://127.0.0.1:{mport}/metrics", "--cacert", ca, "--cert", cli_cert,
                                  "--key", cli_key)
            self.assertEqual(code, 200)
            self.assertGreaterEqual(metric(parse_metrics(text), "proflow_http_server_rejected_total",
                                           server="telemetry", reason="tls"), 2)
            self.assertNotIn("are refused with 401", pf.logs())

    def test_health_check_auth(self):
        hport, mport, health = free_port(), free_port(), free_port()
        token_file = os.path.join(self.work, "health-token")
        with open(token_file, "w") as f:
            f.write("health-s3cret\n")
        ext = f"extensions:\n  health_check:\n    endpoint: 127.0.0.1:{health}\n    auth:\n" \
              f"      bearer_token_file: {token_file}\n"
        with Proflow(config(hport, mport, "", ext, "  extensions: [health_check]"),
                     wait_ports=[hport, mport, health]):
            self.assertEqual(curl(f"http://127.0.0.1:{health}/")[1], 401)
            self.assertEqual(curl(f"http://127.0.0.1:{health}/", "-H", "Authorization: Bearer health-s3cret")[1], 200)


if __name__ == "__main__":
    unittest.main()
