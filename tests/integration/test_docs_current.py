"""The configuration reference in README.md must equal what the config tables generate, so the
README never drifts from what the parser accepts."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import PROFLOW, SOURCE_DIR  # noqa: E402


class Docs(unittest.TestCase):
    def test_readme_configuration_reference_is_current(self):
        readme = os.path.join(SOURCE_DIR, "README.md")
        with tempfile.TemporaryDirectory() as d:
            copy = os.path.join(d, "README.md")
            shutil.copy(readme, copy)
            subprocess.run(["bash", os.path.join(SOURCE_DIR, "scripts", "gen-config-docs.sh"), PROFLOW, copy],
                           check=True)
            with open(copy) as f:
                generated = f.read()
        with open(readme) as f:
            committed = f.read()
        self.assertEqual(committed, generated,
                         "README.md's configuration reference is stale: run scripts/gen-config-docs.sh and commit it")


if __name__ == "__main__":
    unittest.main(verbosity=2)
