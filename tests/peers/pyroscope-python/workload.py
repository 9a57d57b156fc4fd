"""A Python workload for proflow's interop tests: the real Pyroscope Python SDK (pyroscope-io, version
in tests/peers/versions, installed by scripts/install-test-peers.sh into a venv under the user cache)
pushes CPU profiles with tags to the /ingest endpoint given on the command line.

    workload.py SERVER SECONDS TENANT
"""
import sys
import time

import pyroscope


def burn(n):
    h = 0
    for i in range(n):
        h = (h * 31 + i) & 0xFFFFFFFF
    return h


def checkout():
    return burn(20000)


def search():
    return burn(20000)


def main():
    server, seconds, tenant = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    pyroscope.configure(application_name="py-sdk-app", server_address=server, tenant_id=tenant,
                        tags={"env": "ci", "team": "profiling"}, upload_interval=5)
    deadline = time.time() + seconds
    while time.time() < deadline:
        with pyroscope.tag_wrapper({"endpoint": "/checkout"}):
            checkout()
        search()
    pyroscope.shutdown()
    print("stopped")


if __name__ == "__main__":
    main()
