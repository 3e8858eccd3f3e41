"""A real prediction node or the gateway in front of nodes, driven by NVIDIA's own clients
(tritonclient.http and tritonclient.grpc).

    python triton_conformance.py --rest 127.0.0.1:8100 --grpc 127.0.0.1:8200 --model <churn model> --token <t>

The server serves a churn model (inputs tenure FP64 [-1,1], spend FP64 [-1,1], plan BYTES [-1,1];
outputs probabilities FP32 [-1,2], label INT64 [-1]) as version 1. Prints one JSON line per check
and a summary; exits 1 if any check failed, 2 if tritonclient is missing.
"""

import argparse
import json
import sys

import numpy as np

try:
    import tritonclient.grpc as grpcclient
    import tritonclient.http as httpclient
    from tritonclient.utils import InferenceServerException
except ImportError as error:  # pragma: no cover
    print(json.dumps({"error": f"tritonclient is not installed: {error}"}))
    sys.exit(2)

RESULTS = []


def check(protocol, name, body):
    try:
        detail = body()
        RESULTS.append(True)
        print(json.dumps({"protocol": protocol, "check": name, "ok": True, "detail": detail}), flush=True)
    except Exception as error:  # noqa: BLE001
        reason = error.message() if isinstance(error, InferenceServerException) else repr(error)
        RESULTS.append(False)
        print(json.dumps({"protocol": protocol, "check": name, "ok": False, "detail": reason}), flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


ROWS = {
    "tenure": np.array([[-2.0], [np.nan], [1.5]], dtype=np.float64),
    "spend": np.array([[1.0], [0.0], [-1.0]], dtype=np.float64),
    "plan": np.array([[b"basic"], [b"never-seen"], [b""]], dtype=np.object_),
}


def inputs(module, protocol):
    out = []
    for name, data in ROWS.items():
        tensor = module.InferInput(name, list(data.shape), "BYTES" if data.dtype == np.object_ else "FP64")
        if protocol == "http":
            tensor.set_data_from_numpy(data, binary_data=False)
        else:
            tensor.set_data_from_numpy(data)
        out.append(tensor)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rest", required=True)
    parser.add_argument("--grpc", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--token", required=True, help="the node token, or the gateway's API key")
    args = parser.parse_args()
    # Every call carries the credential as a bearer token; tritonclient sends headers as gRPC metadata too.
    auth = {"authorization": f"Bearer {args.token}"}
    answers = {}

    for protocol, module, url in (("http", httpclient, args.rest), ("grpc", grpcclient, args.grpc)):
        client = module.InferenceServerClient(url=url)
        check(protocol, "server live and ready", lambda: expect(client.is_server_live(headers=auth) and client.is_server_ready(headers=auth), "not live/ready"))
        check(protocol, "model ready", lambda: expect(client.is_model_ready(args.model, "1", headers=auth) and not client.is_model_ready("missing", headers=auth), "readiness"))

        def metadata():
            meta = client.get_model_metadata(args.model, headers=auth)
            meta = meta if isinstance(meta, dict) else json.loads(module_to_json(meta))
            names = [i["name"] for i in meta["inputs"]]
            expect(names == ["tenure", "spend", "plan"], f"inputs {names}")
            expect([o["name"] for o in meta["outputs"]] == ["probabilities", "label"], "outputs")
            return {"versions": meta.get("versions")}

        check(protocol, "model metadata", metadata)

        def infer():
            outputs = [module.InferRequestedOutput("probabilities"), module.InferRequestedOutput("label")]
            if protocol == "http":
                outputs = [module.InferRequestedOutput(o.name(), binary_data=False) for o in outputs]
            result = client.infer(args.model, inputs(module, protocol), model_version="1", request_id="tc-1", outputs=outputs, headers=auth)
            probabilities = result.as_numpy("probabilities")
            label = result.as_numpy("label")
            expect(probabilities.shape == (3, 2), f"shape {probabilities.shape}")
            expect(np.allclose(probabilities.sum(axis=1), 1, atol=1e-5), "rows sum to 1")
            expect(label.dtype == np.int64 and label.shape == (3,), f"label {label.dtype} {label.shape}")
            response = result.get_response()
            response = response if isinstance(response, dict) else json.loads(module_to_json(response))
            expect(response.get("id") == "tc-1", f"id {response.get('id')}")
            answers[protocol] = probabilities
            return {"probabilities": probabilities.tolist()}

        check(protocol, "infer FP64 and BYTES, missing and unseen values", infer)

        def unknown_model():
            try:
                client.infer("missing", inputs(module, protocol), headers=auth)
            except InferenceServerException as error:
                return {"status": str(error.status())}
            raise AssertionError("an unknown model was answered")

        check(protocol, "unknown model is an error", unknown_model)

    check("both", "REST and gRPC agree", lambda: expect(np.array_equal(answers["http"], answers["grpc"]), "answers differ"))
    passed = sum(RESULTS)
    print(json.dumps({"passed": passed, "failed": len(RESULTS) - passed}))
    sys.exit(0 if passed == len(RESULTS) else 1)


def module_to_json(message):
    from google.protobuf import json_format

    return json_format.MessageToJson(message, preserving_proto_field_name=True)


if __name__ == "__main__":
    main()
