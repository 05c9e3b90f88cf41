"""The ML workflow as a Kubeflow Pipelines pipeline (KFP SDK 2.x, pinned in requirements.txt).

Compile it for an environment from the parameters `npm run examples:params` writes:

    python3 examples/ml-workflow/pipeline.py --params .cache/ml-workflow/dev/params.json \
        --out .cache/ml-workflow/dev/pipeline.yaml

Stages: prepare data -> tune (Katib Experiment) -> train (Trainer TrainJob on the
environment's GPU runtime, CPU when it has none) -> register (Model Registry)
-> serve (KServe InferenceService, standard mode) -> predict once.

Every step is a container component running the pinned PyTorch image with the
step code of ml_workflow.py inline: no `pip install` and no download when it runs.
Placement, requests and runtime names come from the parameters file, which
TypeScript derives from the environment (examples/ml-workflow/workflow.ts).
"""

import argparse
import json
import os
import sys

from kfp import compiler, dsl

HERE = os.path.dirname(os.path.abspath(__file__))


def build(params):
    code = open(os.path.join(HERE, "ml_workflow.py")).read()
    image = params["image"]
    manifests = params["manifests"]
    step = params["resources"]["step"]

    def resources(task):
        # Profile namespaces with a quota refuse pods without requests.
        return task.set_cpu_request(step["cpu"]).set_memory_request(step["memory"]).set_memory_limit(step["memory"])

    @dsl.container_component
    def prepare_data(dataset: dsl.Output[dsl.Dataset]):
        return dsl.ContainerSpec(image=image, command=["python3", "-c", code, "data"], args=["--out", dataset.path])

    @dsl.container_component
    def apply_and_wait(manifest: str, wait: str, timeout: int):
        return dsl.ContainerSpec(image=image, command=["python3", "-c", code, "apply"],
                                 args=["--manifest", manifest, "--wait", wait, "--timeout", timeout])

    @dsl.container_component
    def best_trial(experiment: str, lr: dsl.OutputPath(str), hidden: dsl.OutputPath(str)):
        return dsl.ContainerSpec(image=image, command=["sh", "-c", 'mkdir -p "$0" && python3 -c "$1" best-trial --experiment "$2" --out "$0" && cp "$0/lr" "$3" && cp "$0/hidden" "$4"'],
                                 args=["/tmp/best", code, experiment, lr, hidden])

    @dsl.container_component
    def train(manifest: str, lr: str, hidden: str, timeout: int):
        # The TrainJob manifest carries __LR__ and __HIDDEN__ where Katib's best values go.
        return dsl.ContainerSpec(image=image, command=["sh", "-c", 'python3 -c "$0" apply --manifest "$(printf %s "$1" | sed -e "s/__LR__/$2/g" -e "s/__HIDDEN__/$3/g")" --wait Complete --timeout "$4"'],
                                 args=[code, manifest, lr, hidden, timeout])

    @dsl.container_component
    def register(name: str, version: str, uri: str):
        return dsl.ContainerSpec(image=image, command=["python3", "-c", code, "register"],
                                 args=["--name", name, "--version", version, "--uri", uri])

    @dsl.container_component
    def predict(url: str):
        return dsl.ContainerSpec(image=image, command=["python3", "-c", code, "predict"], args=["--url", url])

    experiment = manifests["experiment"]
    train_job = manifests["trainJob"]
    isvc = manifests["inferenceService"]

    @dsl.pipeline(name="ml-workflow", description="Data, tuning (Katib), training (Trainer), registry, serving (KServe) on %s" % params["environment"])
    def ml_workflow(model_version: str = "v1", stage_timeout_seconds: int = 3600):
        data = resources(prepare_data()).set_display_name("prepare data")
        volume = resources(apply_and_wait(manifest=json.dumps(manifests["modelVolume"]), wait="__exists__", timeout=60)).set_display_name("model volume")
        tune = resources(apply_and_wait(manifest=json.dumps(experiment), wait="Succeeded", timeout=stage_timeout_seconds)).set_display_name("tune (Katib)").after(data)
        best = resources(best_trial(experiment=experiment["metadata"]["name"])).set_display_name("best trial").after(tune)
        trained = resources(train(manifest=json.dumps(train_job), lr=best.outputs["lr"], hidden=best.outputs["hidden"], timeout=stage_timeout_seconds))
        trained.set_display_name("train (TrainJob on %s)" % params["training"]["runtime"]).after(volume)
        registered = resources(register(name=params["modelName"], version=model_version, uri="pvc://%s/model.pt" % params["modelVolume"]["claim"]))
        registered.set_display_name("register (Model Registry)").after(trained)
        served = resources(apply_and_wait(manifest=json.dumps(isvc), wait="Ready", timeout=stage_timeout_seconds)).set_display_name("serve (KServe)").after(registered)
        resources(predict(url=params["predictUrl"])).set_display_name("predict once").after(served)

    return ml_workflow


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", required=True, help="parameters JSON of one environment (npm run examples:params)")
    parser.add_argument("--out", required=True, help="where to write the compiled pipeline (YAML)")
    args = parser.parse_args(argv)
    with open(args.params) as f:
        params = json.load(f)
    compiler.Compiler().compile(build(params), package_path=args.out)
    print("compiled %s for %s" % (args.out, params["environment"]))


if __name__ == "__main__":
    main(sys.argv[1:])
