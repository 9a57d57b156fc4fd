"""The configuration reference must equal what the config tables generate, so the docs never drift from
what the parser accepts: every component's README.md (receivers/<type>/, processors/<type>/,
exporters/<type>/, pipeline/extensions/<type>/) and the component list in the root README.md."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import PROFLOW, SOURCE_DIR  # noqa: E402

COMPONENT_DIRS = ["receivers/*", "processors/*", "exporters/*", "pipeline/extensions/*"]


def readmes(root):
    """Relative paths of the root README and of every README in a component room."""
    found = {"README.md"}
    for pattern in COMPONENT_DIRS:
        for path in glob.glob(os.path.join(root, pattern, "README.md")):
            found.add(os.path.relpath(path, root))
    return found


class Docs(unittest.TestCase):
    def test_configuration_reference_is_current(self):
        with tempfile.TemporaryDirectory() as d:
            committed = readmes(SOURCE_DIR)
            for pattern in COMPONENT_DIRS:  # every room, so a missing README is generated, not an error
                for room in glob.glob(os.path.join(SOURCE_DIR, pattern)):
                    if os.path.isdir(room):
                        os.makedirs(os.path.join(d, os.path.relpath(room, SOURCE_DIR)), exist_ok=True)
            for rel in committed:
                os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                shutil.copy(os.path.join(SOURCE_DIR, rel), os.path.join(d, rel))
            subprocess.run(["bash", os.path.join(SOURCE_DIR, "scripts", "gen-config-docs.sh"), PROFLOW, d],
                           check=True)
            generated = readmes(d)
            self.assertEqual(sorted(generated - committed), [],
                             "components without a README.md: run scripts/gen-config-docs.sh and commit them")
            for rel in sorted(committed):
                with open(os.path.join(SOURCE_DIR, rel)) as f:
                    want = f.read()
                with open(os.path.join(d, rel)) as f:
                    got = f.read()
                self.assertEqual(want, got,
                                 f"{rel}'s configuration reference is stale: run scripts/gen-config-docs.sh and "
                                 "commit it")

    def test_every_component_has_a_readme_with_its_keys(self):
        # The generated READMEs are not empty shells: each lists at least one key of its table, and the
        # root README links to each of them.
        with open(os.path.join(SOURCE_DIR, "README.md")) as f:
            root = f.read()
        rooms = [p for pattern in COMPONENT_DIRS for p in glob.glob(os.path.join(SOURCE_DIR, pattern))
                 if os.path.exists(os.path.join(p, "factory.c"))]
        self.assertGreaterEqual(len(rooms), 14)
        for room in rooms:
            rel = os.path.relpath(room, SOURCE_DIR)
            with open(os.path.join(room, "README.md")) as f:
                text = f.read()
            self.assertIn("| key | type | default | description |", text, rel)
            self.assertIn(f"]({rel}/README.md#configuration)", root, rel)


if __name__ == "__main__":
    unittest.main(verbosity=2)
