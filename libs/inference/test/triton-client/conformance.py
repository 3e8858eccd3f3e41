"""Open Inference Protocol conformance, checked with NVIDIA's own clients (tritonclient).

    python conformance.py --rest 127.0.0.1:8000 --grpc 127.0.0.1:8001 [--model echo]

The server must serve an identity model (each output is the input of the same name) under
--model, with versions "1" and "2" and metadata input INPUT0 FP32 [-1, 4]; a model "busy" that
answers RESOURCE_EXHAUSTED; a model "slow" that waits the request parameter `sleep_ms` first; and
no model "missing". libs/inference/test/triton-client/echo-server.ts is such a server.

Every check prints one JSON line {"protocol", "check", "ok", "detail"}; the last line is the
summary {"passed", "failed", "checks"}. Exits 1 if any check failed, 2 if tritonclient is missing.
"""

import argparse
import json
import sys
import traceback

import numpy as np

try:
    import tritonclient.grpc as grpcclient
    import tritonclient.http as httpclient
    from tritonclient.utils import InferenceServerException
except ImportError as error:  # pragma: no cover - reported to the caller
    print(json.dumps({"error": f"tritonclient is not installed: {error}"}))
    sys.exit(2)

RESULTS = []


def record(protocol, check, ok, detail=None):
    RESULTS.append(ok)
    print(json.dumps({"protocol": protocol, "check": check, "ok": bool(ok), "detail": detail}), flush=True)


def run(protocol, check, body):
    """Runs one check; a raised error or a false result is a failure, reported with its reason."""
    try:
        detail = body()
        record(protocol, check, True, detail)
    except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the run
        reason = error.message() if isinstance(error, InferenceServerException) else repr(error)
        record(protocol, check, False, {"error": reason, "trace": traceback.format_exc(limit=3)})


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_failure(call, statuses):
    """The call must fail with one of `statuses` (gRPC 'StatusCode.X' or HTTP '404'-style)."""
    try:
        call()
    except InferenceServerException as error:
        status = str(error.status())
        expect(status in statuses, f"status {status} ({error.message()}), expected one of {statuses}")
        return {"status": status, "message": error.message()}
    raise AssertionError(f"the call succeeded; expected {statuses}")


def tensors(full_range):
    """One tensor per datatype. JSON cannot carry 64-bit integers past 2^53 or FP16 as such, so
    the JSON set keeps 64-bit values within 2^53 (FP16 goes as numbers, which the server rounds)."""
    big = full_range
    out = {
        "BOOL": np.array([[True, False], [False, True]], dtype=np.bool_),
        "UINT8": np.array([0, 1, 255], dtype=np.uint8),
        "UINT16": np.array([0, 65535], dtype=np.uint16),
        "UINT32": np.array([0, 4294967295], dtype=np.uint32),
        "UINT64": np.array([0, 2**64 - 1 if big else 2**53 - 1], dtype=np.uint64),
        "INT8": np.array([-128, 0, 127], dtype=np.int8),
        "INT16": np.array([-32768, 32767], dtype=np.int16),
        "INT32": np.array([[-2147483648], [2147483647]], dtype=np.int32),
        "INT64": np.array(
            [[-(2**63) if big else -(2**53) + 1, -1], [0, 2**63 - 1 if big else 2**53 - 1]], dtype=np.int64
        ),
        "FP16": np.array([0.1, -2.5, 65504.0, 6e-08], dtype=np.float16),
        "FP32": np.array([[0.1, -1.5, 3.4028235e38], [1e-45, 0.0, 42.0]], dtype=np.float32),
        "FP64": np.array([0.1, -1e300, 5e-324, float("nan"), float("inf"), float("-inf")], dtype=np.float64),
        "BYTES": np.array(["héllo ✓".encode("utf-8"), b"", b"plain"], dtype=np.object_),
    }
    return {f"IN_{datatype}": (datatype, array) for datatype, array in out.items()}


def same(sent, got):
    if sent.dtype == np.object_:
        got_list = [g if isinstance(g, bytes) else str(g).encode("utf-8") for g in got.flatten()]
        return sent.shape == got.shape and list(sent.flatten()) == got_list
    return sent.shape == got.shape and sent.dtype == got.dtype and np.array_equal(sent, got, equal_nan=sent.dtype.kind == "f")


def check_protocol(name, module, url, model):
    client = module.InferenceServerClient(url=url)
    is_http = module is httpclient

    def as_dict(value):
        return value if isinstance(value, dict) else json.loads(json.dumps(value))

    run(name, "is_server_live", lambda: expect(client.is_server_live() is True, "not live") or True)
    run(name, "is_server_ready", lambda: expect(client.is_server_ready() is True, "not ready") or True)

    def server_metadata():
        meta = as_dict(client.get_server_metadata() if is_http else client.get_server_metadata(as_json=True))
        expect(meta.get("name") and meta.get("version"), f"name and version expected: {meta}")
        return meta

    run(name, "get_server_metadata", server_metadata)

    def model_metadata():
        meta = as_dict(client.get_model_metadata(model) if is_http else client.get_model_metadata(model, as_json=True))
        expect(meta["name"] == model, f"name {meta['name']}")
        expect(meta["platform"] == "onnxruntime_onnx", f"platform {meta['platform']}")
        expect(meta["versions"] == ["1", "2"], f"versions {meta['versions']}")
        first = meta["inputs"][0]
        shape = [int(d) for d in first["shape"]]  # MessageToJson writes int64 as strings
        expect((first["name"], first["datatype"], shape) == ("INPUT0", "FP32", [-1, 4]), f"input {first}")
        return meta

    run(name, "get_model_metadata", model_metadata)
    not_found = ["404", "StatusCode.NOT_FOUND"]
    run(name, "get_model_metadata(missing) fails NOT_FOUND", lambda: expect_failure(lambda: client.get_model_metadata("missing"), not_found))
    run(name, "is_model_ready", lambda: expect(client.is_model_ready(model) is True, "not ready") or True)
    run(name, "is_model_ready(version 1)", lambda: expect(client.is_model_ready(model, "1") is True, "not ready") or True)
    run(name, "is_model_ready(missing) is false", lambda: expect(client.is_model_ready("missing") is False, "ready?") or True)

    def infer(full_range, request_id, version=""):
        sent = tensors(full_range)
        inputs, outputs = [], []
        for input_name, (datatype, array) in sent.items():
            tensor = module.InferInput(input_name, list(array.shape), datatype)
            if is_http:
                tensor.set_data_from_numpy(array, binary_data=False)  # plain JSON, no binary extension
                outputs.append(module.InferRequestedOutput(input_name, binary_data=False))
            else:
                tensor.set_data_from_numpy(array)  # raw_input_contents
                outputs.append(module.InferRequestedOutput(input_name))
            inputs.append(tensor)
        result = client.infer(model, inputs, model_version=version, request_id=request_id, outputs=outputs)
        response = as_dict(result.get_response() if is_http else result.get_response(as_json=True))
        expect(response.get("id") == request_id, f"id {response.get('id')!r}, sent {request_id!r}")
        expect(response.get("model_name") == model, f"model_name {response.get('model_name')}")
        if version:
            expect(response.get("model_version") == version, f"model_version {response.get('model_version')}")
        for input_name, (datatype, array) in sent.items():
            got = result.as_numpy(input_name)
            expect(got is not None, f"output {input_name} missing")
            expect(same(array, got), f"{datatype}: sent {array.tolist()!r} got {got.tolist()!r}")
        return {"datatypes": [d for d, _ in sent.values()], "id": response.get("id")}

    if is_http:
        run(name, "infer (JSON, every datatype, 64-bit within 2^53)", lambda: infer(False, "conformance-http"))
    else:
        run(name, "infer (raw contents, every datatype, full ranges)", lambda: infer(True, "conformance-grpc"))
    run(name, "infer (model version 1)", lambda: infer(False, "versioned", "1"))

    def one_input():
        tensor = module.InferInput("IN", [1], "FP32")
        if is_http:
            tensor.set_data_from_numpy(np.array([1.0], dtype=np.float32), binary_data=False)
        else:
            tensor.set_data_from_numpy(np.array([1.0], dtype=np.float32))
        return tensor

    def unknown_output():
        requested = module.InferRequestedOutput("nope", binary_data=False) if is_http else module.InferRequestedOutput("nope")
        return client.infer(model, [one_input()], outputs=[requested])

    run(name, "infer(unknown output) fails INVALID_ARGUMENT", lambda: expect_failure(unknown_output, ["400", "StatusCode.INVALID_ARGUMENT"]))
    run(name, "infer(missing model) fails NOT_FOUND", lambda: expect_failure(lambda: client.infer("missing", [one_input()]), not_found))
    run(name, "infer(busy) fails RESOURCE_EXHAUSTED", lambda: expect_failure(lambda: client.infer("busy", [one_input()]), ["429", "StatusCode.RESOURCE_EXHAUSTED"]))
    if not is_http:
        slow = lambda: client.infer("slow", [one_input()], client_timeout=0.3, parameters={"sleep_ms": 3000})  # noqa: E731
        run(name, "infer past client_timeout fails DEADLINE_EXCEEDED", lambda: expect_failure(slow, ["StatusCode.DEADLINE_EXCEEDED"]))
    client.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rest", required=True, help="host:port of the REST server")
    parser.add_argument("--grpc", required=True, help="host:port of the gRPC server")
    parser.add_argument("--model", default="echo")
    args = parser.parse_args()
    check_protocol("http", httpclient, args.rest, args.model)
    check_protocol("grpc", grpcclient, args.grpc, args.model)
    passed = sum(1 for ok in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(json.dumps({"passed": passed, "failed": failed, "checks": len(RESULTS)}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
