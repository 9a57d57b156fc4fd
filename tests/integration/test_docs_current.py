"""docs/configuration.md must equal what the config tables generate, so the README reference
never drifts from what the parser accepts."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import PROFLOW, SOURCE_DIR  # noqa: E402


class Docs(unittest.TestCase):
    def test_configuration_reference_is_current(self):
        with tempfile.TemporaryDirectory() as d:
            # Run the generator against a scratch copy so the check never rewrites the tree.
            os.makedirs(os.path.join(d, "scripts"))
            os.makedirs(os.path.join(d, "docs"))
            script = os.path.join(d, "scripts", "gen-config-docs.sh")
            with open(os.path.join(SOURCE_DIR, "scripts", "gen-config-docs.sh")) as src, open(script, "w") as dst:
                dst.write(src.read())
            subprocess.run(["bash", script, PROFLOW], check=True)
            with open(os.path.join(d, "docs", "configuration.md")) as f:
                generated = f.read()
        with open(os.path.join(SOURCE_DIR, "docs", "configuration.md")) as f:
            committed = f.read()
        self.assertEqual(committed, generated,
                         "docs/configuration.md is stale: run scripts/gen-config-docs.sh and commit it")


if __name__ == "__main__":
    unittest.main(verbosity=2)
