"""The ML workflow's step code: one file, standard library plus PyTorch.

Every stage of the example runs this file (the pipeline's steps, the Katib
trials, the TrainJob, the predictor, the acceptance run), passed inline to
`python3 -c`, so the pinned PyTorch image needs nothing else: no package or
dataset download at run time.

    python3 ml_workflow.py data --out DIR
    python3 ml_workflow.py train --lr 0.05 --hidden 32 --epochs 40 [--model-dir DIR]
    python3 ml_workflow.py serve --model-dir /mnt/models --name NAME
    python3 ml_workflow.py apply --manifest JSON --wait CONDITION --timeout SECONDS
    python3 ml_workflow.py best-trial --experiment NAME --timeout SECONDS --out DIR
    python3 ml_workflow.py register --name NAME --version V --uri URI --metrics JSON
    python3 ml_workflow.py predict --url URL
"""

import argparse
import hashlib
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

# The dataset: two interleaved classes in 8 dimensions (a noisy XOR of two
# features plus distractors), generated from a fixed seed. Every stage that
# needs it regenerates it and checks its fingerprint, so no stage downloads or
# shares files to get it.
DATASET = {"seed": 20261206, "samples": 4096, "features": 8, "test_fraction": 0.25}

FEATURES_EXAMPLE = [[1.2, -0.8, 0.1, 0.0, -0.3, 0.5, 0.9, -1.1], [-1.0, -1.3, 0.4, 0.2, 0.0, -0.7, 0.1, 0.3]]


def generate_dataset(spec=None):
    """Features and labels as plain lists (deterministic: a linear congruential generator, no numpy needed)."""
    spec = dict(DATASET, **(spec or {}))
    state = spec["seed"]

    def uniform():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return ((state >> 11) / float(1 << 53))

    rows, labels = [], []
    for _ in range(spec["samples"]):
        x = [uniform() * 4.0 - 2.0 for _ in range(spec["features"])]
        noise = (uniform() - 0.5) * 0.6
        labels.append(1 if (x[0] * x[1] + noise) > 0 else 0)
        rows.append(x)
    return rows, labels


def fingerprint(rows, labels):
    digest = hashlib.sha256()
    for x, y in zip(rows, labels):
        digest.update((",".join("%.6f" % v for v in x) + ":%d;" % y).encode())
    return digest.hexdigest()


def split(rows, labels, test_fraction):
    cut = int(len(rows) * (1.0 - test_fraction))
    return (rows[:cut], labels[:cut]), (rows[cut:], labels[cut:])


def cmd_data(args):
    rows, labels = generate_dataset()
    summary = {
        "dataset": DATASET,
        "fingerprint": fingerprint(rows, labels),
        "positive_fraction": round(sum(labels) / float(len(labels)), 4),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "dataset.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary))


def build_model(torch, features, hidden):
    return torch.nn.Sequential(
        torch.nn.Linear(features, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 2),
    )


def cmd_train(args):
    import torch  # in the pinned PyTorch image

    torch.manual_seed(0)
    rows, labels = generate_dataset()
    if args.expect_fingerprint and fingerprint(rows, labels) != args.expect_fingerprint:
        sys.exit("dataset fingerprint differs from the prepared one: the data step and training disagree")
    (train_x, train_y), (test_x, test_y) = split(rows, labels, DATASET["test_fraction"])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print("device=%s" % device, flush=True)
    model = build_model(torch, DATASET["features"], args.hidden).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    x = torch.tensor(train_x, device=device)
    y = torch.tensor(train_y, device=device)
    for epoch in range(args.epochs):
        for start in range(0, len(train_x), 256):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[start:start + 256]), y[start:start + 256])
            loss.backward()
            optimizer.step()
        print("epoch=%d loss=%.4f" % (epoch, loss.item()), flush=True)
    with torch.no_grad():
        predicted = model(torch.tensor(test_x, device=device)).argmax(dim=1).cpu().tolist()
    accuracy = sum(1 for p, t in zip(predicted, test_y) if p == t) / float(len(test_y))
    # Katib's StdOut metrics collector reads this line.
    print("accuracy=%.4f" % accuracy, flush=True)
    if args.model_dir:
        os.makedirs(args.model_dir, exist_ok=True)
        torch.save({"state_dict": model.cpu().state_dict(), "hidden": args.hidden, "features": DATASET["features"]},
                   os.path.join(args.model_dir, "model.pt"))
        with open(os.path.join(args.model_dir, "metrics.json"), "w") as f:
            json.dump({"accuracy": accuracy, "lr": args.lr, "hidden": args.hidden, "epochs": args.epochs}, f)
        print("saved model to %s" % args.model_dir, flush=True)


def cmd_serve(args):
    """A KServe custom predictor speaking the v1 protocol: POST /v1/models/<name>:predict."""
    import http.server
    import torch

    saved = torch.load(os.path.join(args.model_dir, "model.pt"), map_location="cpu")
    model = build_model(torch, saved["features"], saved["hidden"])
    model.load_state_dict(saved["state_dict"])
    model.eval()

    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path in ("/", "/v1/models/%s" % args.name):
                self.reply(200, {"name": args.name, "ready": True})
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            if self.path != "/v1/models/%s:predict" % args.name:
                self.reply(404, {"error": "not found"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                with torch.no_grad():
                    out = model(torch.tensor(body["instances"], dtype=torch.float32)).argmax(dim=1).tolist()
                self.reply(200, {"predictions": out})
            except (KeyError, ValueError, RuntimeError) as error:
                self.reply(400, {"error": str(error)})

    http.server.ThreadingHTTPServer(("0.0.0.0", args.port), Handler).serve_forever()


class Kube:
    """The Kubernetes API from inside a pod, with the pod's ServiceAccount token."""

    SA = "/var/run/secrets/kubernetes.io/serviceaccount"

    def __init__(self):
        self.base = "https://%s:%s" % (os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"])
        self.token = open(os.path.join(self.SA, "token")).read().strip()
        self.namespace = open(os.path.join(self.SA, "namespace")).read().strip()
        self.context = ssl.create_default_context(cafile=os.path.join(self.SA, "ca.crt"))

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RuntimeError("%s %s: HTTP %d %s" % (method, path, error.code, error.read()[:500].decode(errors="replace")))


def collection_path(obj, namespace):
    group_version = obj["apiVersion"]
    prefix = "/api/v1" if group_version == "v1" else "/apis/" + group_version
    plural = {"TrainJob": "trainjobs", "Experiment": "experiments", "InferenceService": "inferenceservices",
              "PersistentVolumeClaim": "persistentvolumeclaims", "Job": "jobs"}[obj["kind"]]
    return "%s/namespaces/%s/%s" % (prefix, namespace, plural)


def condition(obj, kind):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == kind and c.get("status") == "True":
            return c
    return None


def cmd_apply(args):
    kube = Kube()
    obj = json.loads(args.manifest)
    path = collection_path(obj, kube.namespace)
    name = obj["metadata"]["name"]
    try:
        kube.call("POST", path, obj)
    except RuntimeError as error:
        if "HTTP 409" not in str(error):
            raise
        print("%s %s exists: waiting for it" % (obj["kind"], name), flush=True)
    if args.wait == "__exists__":
        print("%s %s created" % (obj["kind"], name), flush=True)
        return
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        current = kube.call("GET", "%s/%s" % (path, name))
        for failed in ("Failed", "FailureTarget"):
            if condition(current, failed):
                sys.exit("%s %s failed: %s" % (obj["kind"], name, condition(current, failed).get("message", "")))
        if condition(current, args.wait):
            print("%s %s is %s" % (obj["kind"], name, args.wait), flush=True)
            with open(args.status_out or os.devnull, "w") as f:
                json.dump(current.get("status") or {}, f)
            return
        time.sleep(10)
    sys.exit("%s %s not %s after %ds" % (obj["kind"], name, args.wait, args.timeout))


def best_trial(experiment):
    """The best trial's parameters and metric from an Experiment's status."""
    optimal = (experiment.get("status") or {}).get("currentOptimalTrial") or {}
    params = {p["name"]: p["value"] for p in optimal.get("parameterAssignments") or []}
    metrics = {m["name"]: m.get("latest") for m in (optimal.get("observation") or {}).get("metrics") or []}
    if not params:
        raise ValueError("the experiment has no optimal trial yet")
    return params, metrics


def cmd_best_trial(args):
    kube = Kube()
    experiment = kube.call("GET", "/apis/kubeflow.org/v1beta1/namespaces/%s/experiments/%s" % (kube.namespace, args.experiment))
    params, metrics = best_trial(experiment)
    print(json.dumps({"parameters": params, "metrics": metrics}))
    for key, value in params.items():
        with open(os.path.join(args.out, key), "w") as f:
            f.write(str(value))


def cmd_register(args):
    """Registers a model version in Kubeflow Model Registry (REST API v1alpha3)."""
    base = args.registry.rstrip("/") + "/api/model_registry/v1alpha3"

    def call(method, path, body=None):
        request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    found = call("GET", "/registered_models?pageSize=100").get("items") or []
    model = next((m for m in found if m.get("name") == args.name), None) or call("POST", "/registered_models", {"name": args.name})
    version = call("POST", "/model_versions", {"name": args.version, "registeredModelId": model["id"],
                                               "customProperties": {k: {"metadataType": "MetadataStringValue", "string_value": str(v)}
                                                                    for k, v in json.loads(args.metrics).items()}})
    artifact = call("POST", "/model_versions/%s/artifacts" % version["id"],
                    {"artifactType": "model-artifact", "name": args.name, "uri": args.uri, "modelFormatName": "pytorch"})
    print(json.dumps({"registeredModel": model["id"], "modelVersion": version["id"], "artifact": artifact.get("id")}))


def cmd_predict(args):
    body = json.dumps({"instances": FEATURES_EXAMPLE}).encode()
    request = urllib.request.Request(args.url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    predictions = answer.get("predictions")
    if not isinstance(predictions, list) or len(predictions) != len(FEATURES_EXAMPLE):
        sys.exit("unexpected answer from the model: %s" % answer)
    print(json.dumps({"predictions": predictions}))


def main(argv):
    parser = argparse.ArgumentParser(prog="ml_workflow")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("data")
    p.add_argument("--out", required=True)
    p = sub.add_parser("train")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--model-dir")
    p.add_argument("--expect-fingerprint")
    p = sub.add_parser("serve")
    p.add_argument("--model-dir", default="/mnt/models")
    p.add_argument("--name", required=True)
    p.add_argument("--port", type=int, default=8080)
    p = sub.add_parser("apply")
    p.add_argument("--manifest", required=True)
    p.add_argument("--wait", required=True)
    p.add_argument("--timeout", type=int, default=1800)
    p.add_argument("--status-out")
    p = sub.add_parser("best-trial")
    p.add_argument("--experiment", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("register")
    p.add_argument("--registry", default="http://model-registry-service.kubeflow.svc.cluster.local:8080")
    p.add_argument("--name", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--uri", required=True)
    p.add_argument("--metrics", default="{}")
    p = sub.add_parser("predict")
    p.add_argument("--url", required=True)
    args = parser.parse_args(argv)
    {"data": cmd_data, "train": cmd_train, "serve": cmd_serve, "apply": cmd_apply, "best-trial": cmd_best_trial,
     "register": cmd_register, "predict": cmd_predict}[args.command](args)


if __name__ == "__main__":
    main(sys.argv[1:])
