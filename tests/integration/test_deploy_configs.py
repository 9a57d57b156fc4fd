"""The proflow configs embedded in deploy/kubernetes/*.yaml validate with the real binary, with the
environment the manifests give each container (and, for the scraper, every shard), and the manifests
are well-formed YAML documents of the kinds they claim."""
import glob
import os
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import SOURCE_DIR, run_cli  # noqa: E402


def manifests():
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "deploy", "kubernetes", "*.yaml"))):
        with open(path) as f:
            yield path, [d for d in yaml.safe_load_all(f) if d]


def container_env(docs):
    """Plain `value` env vars of every proflow container; downward-API ones get a placeholder."""
    env = {}
    for d in docs:
        spec = d.get("spec", {}).get("template", {}).get("spec", {})
        for c in spec.get("containers", []):
            if c["name"] != "proflow":
                continue
            for e in c.get("env", []):
                env[e["name"]] = e.get("value", "placeholder-" + e["name"].lower())
    return env


class Deploy(unittest.TestCase):
    def test_embedded_configs_validate(self):
        found = 0
        for path, docs in manifests():
            kinds = {d["kind"] for d in docs}
            self.assertIn("ConfigMap", kinds, path)
            env = container_env(docs)
            shards = int(env.get("SHARDS", "1"))
            for d in docs:
                if d["kind"] != "ConfigMap" or "config.yaml" not in d["data"]:
                    continue
                with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
                    f.write(d["data"]["config.yaml"])
                for shard in range(shards):
                    r = run_cli("validate", "--config", f.name, env=dict(env, SHARD=str(shard)))
                    self.assertEqual(r.returncode, 0, f"{path}: {r.stderr}")
                    self.assertNotIn("warning", r.stderr, f"{path}: {r.stderr}")
                os.unlink(f.name)
                found += 1
        self.assertGreaterEqual(found, 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
