#!/usr/bin/python3
"""test_pbjson_python.py — cross-checks proflow's OTLP/JSON mapping (pipeline/otlpjson/pbjson.h) against
Python's google.protobuf.json_format, on the realistic request of tests/unit/export_test_batch.h.

Our side is the test tool tests/tools/pbjson_convert.c (--sample-proto, --json-to-proto,
--proto-to-json). Python stubs are generated at test time from proto/ with
grpc_tools.protoc.

Hex ids: OTLP/JSON writes Link.trace_id, Link.span_id and Profile.profile_id as hex, while
json_format writes every bytes field as base64. Before handing Python's JSON to proflow we re-encode
those three fields base64 -> hex, and before handing proflow's JSON to json_format.Parse we re-encode
them hex -> base64. Everything else is compared untouched.

Checks:
  1. Python MessageToJson (camelCase and preserving_proto_field_name) -> our decoder -> bytes
     identical to Python's SerializeToString() and to our own packing.
  2. Our encoder -> json_format.Parse -> a message equal to the original, same serialized bytes.
  3. A malformed document is rejected with an error naming the JSON path."""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import run_cases  # noqa: E402

HEX_FIELDS = {"traceId", "spanId", "profileId", "trace_id", "span_id", "profile_id"}


def convert_ids(node, to_hex):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in HEX_FIELDS and isinstance(value, str):
                node[key] = (base64.b64decode(value).hex() if to_hex
                             else base64.b64encode(bytes.fromhex(value)).decode())
            else:
                convert_ids(value, to_hex)
    elif isinstance(node, list):
        for item in node:
            convert_ids(item, to_hex)
    return node


def run_tool(tool, mode, data=b""):
    proc = subprocess.run([tool, mode], input=data, capture_output=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr.decode()


def main():
    source = os.environ["PROFLOW_SOURCE_DIR"]
    tool = os.path.join(os.environ["PROFLOW_BUILD_DIR"], "tests", "pbjson_convert")
    with tempfile.TemporaryDirectory() as stubs:
        from grpc_tools import protoc
        protos = [
            "opentelemetry/proto/common/v1/common.proto",
            "opentelemetry/proto/resource/v1/resource.proto",
            "opentelemetry/proto/profiles/v1development/profiles.proto",
            "opentelemetry/proto/collector/profiles/v1development/profiles_service.proto",
        ]
        rc = protoc.main(["protoc", f"-I{os.path.join(source, 'proto')}", f"--python_out={stubs}"] + protos)
        assert rc == 0, "protoc failed to generate Python stubs"
        sys.path.insert(0, stubs)
        from google.protobuf import json_format
        from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2 as svc

        rc, sample, err = run_tool(tool, "--sample-proto")
        assert rc == 0, err
        request = svc.ExportProfilesServiceRequest.FromString(sample)
        assert len(request.resource_profiles) == 2 and len(request.dictionary.string_table) > 10
        python_bytes = request.SerializeToString()
        assert python_bytes == sample, "Python re-serializes our packing differently"

        # 1. Python's JSON -> ours.
        for preserve in (False, True):
            text = json_format.MessageToJson(request, preserving_proto_field_name=preserve)
            doc = convert_ids(json.loads(text), to_hex=True)
            rc, ours, err = run_tool(tool, "--json-to-proto", json.dumps(doc).encode())
            assert rc == 0, f"our decoder rejected json_format output: {err}"
            assert ours == python_bytes, f"decoded bytes differ (preserving_proto_field_name={preserve})"

        # 2. Ours -> Python's parser.
        rc, our_json, err = run_tool(tool, "--proto-to-json", sample)
        assert rc == 0, err
        assert b"\n" not in our_json
        doc = json.loads(our_json)
        assert doc["dictionary"]["linkTable"][1]["traceId"] == "5b8efff798038103d269b633813fc60c"
        parsed = json_format.Parse(json.dumps(convert_ids(doc, to_hex=False)), svc.ExportProfilesServiceRequest())
        assert parsed == request, "json_format.Parse of our JSON gives a different message"
        assert parsed.SerializeToString() == sample

        # 3. Errors name the JSON path.
        bad = b'{"resourceProfiles":[{"scopeProfiles":[{"profiles":[{},{"timeUnixNano":true}]}]}]}'
        rc, _, err = run_tool(tool, "--json-to-proto", bad)
        assert rc == 1
        assert "resourceProfiles[0].scopeProfiles[0].profiles[1].timeUnixNano: expected an integer" in err, err
    print("pbjson cross-check with python json_format: ok")


if __name__ == "__main__":
    run_cases([("pbjson python", main)])
