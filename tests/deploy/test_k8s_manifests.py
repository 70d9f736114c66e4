"""The manifests in deploy/k8s: valid for the Kubernetes API, in step with the services they run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from eligibility.settings import Settings as EligibilitySettings
from ingest.settings import Settings as IngestSettings
from notifications.settings import Settings as NotificationsSettings
from plans.settings import Settings as PlansSettings
from rollcall_shared.production import problems

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
EXAMPLE_SECRETS = "secrets.example.yaml"
# The oldest Kubernetes the manifests promise to run on, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.29", kubernetes_validate.latest_version())

SETTINGS: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings,
    "eligibility": EligibilitySettings,
    "notifications": NotificationsSettings,
    "plans": PlansSettings,
}
PORTS = {"ingest": 8001, "eligibility": 8002, "notifications": 8003, "plans": 8004}
CONSUMERS = ("eligibility", "notifications", "plans")
UID = 10001


def documents(filename: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((K8S / filename).read_text()) if doc]


def kustomization() -> dict[str, Any]:
    return documents("kustomization.yaml")[0]


def applied() -> list[dict[str, Any]]:
    """Every resource `kubectl apply -k deploy/k8s` sends."""
    return [doc for filename in kustomization()["resources"] for doc in documents(filename)]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in applied() if doc["kind"] == kind}


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(deployment)
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(deployment: dict[str, Any]) -> dict[str, Any]:
    name = deployment["metadata"]["name"]
    (container,) = [c for c in pod_spec(deployment)["containers"] if c["name"] == name]
    return container


def setting_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a Settings class reads: prefixed field names, or their aliases."""
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def secret_settings(settings: type[BaseSettings]) -> set[str]:
    """Settings that carry a credential: the database URL and every SecretStr field."""
    prefix = settings.model_config["env_prefix"]
    fields = settings.model_fields.items()
    secret = {name for name, field in fields if SecretStr in _types(field.annotation)}
    secret.add("database_url")
    return {f"{prefix}{name}".upper() for name in secret}


def _types(annotation: Any) -> set[Any]:
    return {annotation, *getattr(annotation, "__args__", ())}


def environment(container: dict[str, Any]) -> dict[str, Any]:
    """Name -> value (a ConfigMap's string, or the `valueFrom` mapping) as the container sees it."""
    config_maps = of_kind("ConfigMap")
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"{container['name']}: envFrom not a ConfigMap: {source}"
        name = source["configMapRef"]["name"]
        assert name in config_maps, f"{container['name']} loads ConfigMap {name}, not applied"
        env.update(config_maps[name]["data"])
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return env


def port_number(container: dict[str, Any], port: int | str) -> int:
    """A probe's or Service's port (a number or a port name) as one of the container's ports."""
    declared = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
    numbers = {p["containerPort"] for p in container.get("ports", [])}
    number = declared.get(port) if isinstance(port, str) else port
    assert number in numbers, f"{container['name']}: port {port!r} is not a declared containerPort"
    return number


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def partition_count() -> int:
    return int(of_kind("ConfigMap")["rollcall-kafka"]["data"]["KAFKA_TOPIC_PARTITIONS"])


def all_documents() -> list[tuple[str, dict[str, Any]]]:
    files = sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    return [(name, doc) for name in files for doc in documents(name)]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    ("filename", "manifest"),
    all_documents(),
    ids=[f"{name}:{doc['kind']}/{doc['metadata']['name']}" for name, doc in all_documents()],
)
def test_every_manifest_is_valid_for_the_kubernetes_api(filename, manifest, version):
    # strict: a field the API does not know (a typo such as `readinessprobe`) is an error too
    kubernetes_validate.validate(manifest, version, strict=True)


def test_kustomization_applies_every_manifest_but_the_example_secrets():
    listed = set(kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk - {EXAMPLE_SECRETS}
    assert not of_kind("Secret"), "real Secrets are made out of band, never applied from here"


def test_each_service_runs_its_own_image_with_one_tag_for_all():
    deployments = of_kind("Deployment")
    assert set(deployments) == set(SETTINGS)
    for name, deployment in deployments.items():
        image = main_container(deployment)["image"]
        assert image.split(":")[0] == f"rollcall-{name}", image
    tags = {image["newTag"] for image in kustomization()["images"]}
    named = {image["name"] for image in kustomization()["images"]}
    assert len(tags) == 1, f"images built apart: {tags}"
    assert named == {f"rollcall-{name}" for name in [*SETTINGS, "migrate"]}


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_migrations_of_the_service_run_before_it_starts(service):
    deployment = of_kind("Deployment")[service]
    (migrate,) = pod_spec(deployment).get("initContainers", [])
    image, tag = migrate["image"].split(":")
    assert image == "rollcall-migrate"
    assert tag == main_container(deployment)["image"].split(":")[1], "migrations from another build"
    assert migrate["command"] == ["python", "/opt/rollcall/migrate.py", service]
    # the contact keys too, the service's own: a migration may encrypt the rows already stored
    keys = {name for name in setting_names(SETTINGS[service]) if "_CONTACT_" in name}
    env = environment(migrate)
    moved = {"NOTIFICATIONS_SMS_FROM"} if service == "notifications" else set()  # opt-outs move under it
    assert set(env) == {f"{service.upper()}_MIGRATION_DATABASE_URL", f"{service.upper()}_RUNTIME_ROLE", *keys, *moved,
                        "ROLLCALL_ENV", "AUTH_JWKS_URL"}  # production: a development key is refused  # fmt: skip
    assert env["ROLLCALL_ENV"] == "production"
    # as the migration role, from the Secret that holds the service's own URL; the runtime role is granted its rights
    assert env[f"{service.upper()}_MIGRATION_DATABASE_URL"] == {
        "secretKeyRef": {"name": f"rollcall-{service}-database", "key": "migration-url"}
    }
    assert environment(main_container(deployment))[f"{service.upper()}_DATABASE_URL"] == {
        "secretKeyRef": {"name": f"rollcall-{service}-database", "key": "url"}
    }
    assert env[f"{service.upper()}_RUNTIME_ROLE"], "the role of the service's URL"
    assert {name: environment(main_container(deployment))[name] for name in keys} == {
        name: environment(migrate)[name] for name in keys
    }
    # one new pod at a time: Alembic takes no lock, so migrations must not run side by side
    assert "replicas" not in deployment["spec"]
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_probes_ask_readyz_for_readiness_and_healthz_for_liveness_on_the_service_port(service):
    container = main_container(of_kind("Deployment")[service])
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    assert readiness["path"] == "/readyz"
    assert liveness["path"] == "/healthz"
    assert port_number(container, readiness["port"]) == PORTS[service]
    assert port_number(container, liveness["port"]) == PORTS[service]
    if "startupProbe" in container:
        startup = container["startupProbe"]["httpGet"]
        assert startup["path"] == "/healthz"
        assert port_number(container, startup["port"]) == PORTS[service]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_container_requests_and_limits_cpu_and_memory(service):
    for container in containers(of_kind("Deployment")[service]):
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert set(resources.get(bound, {})) >= {"cpu", "memory"}, (container["name"], bound)


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_container_runs_as_the_image_user_without_privileges(service):
    deployment = of_kind("Deployment")[service]
    spec = pod_spec(deployment)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == UID
    assert spec["automountServiceAccountToken"] is False
    # service links would set e.g. INGEST_PORT=tcp://10.0.0.1:8001, read as the port setting
    assert spec["enableServiceLinks"] is False
    for container in containers(deployment):
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True, container["name"]
        assert context["runAsUser"] == UID, container["name"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert context["allowPrivilegeEscalation"] is False, container["name"]
        assert context["capabilities"]["drop"] == ["ALL"], container["name"]
        assert not context["capabilities"].get("add"), container["name"]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_variable_set_for_a_service_is_a_setting_it_reads(service):
    env = environment(main_container(of_kind("Deployment")[service]))
    unknown = set(env) - setting_names(SETTINGS[service])
    assert not unknown, f"{service} reads no such setting: {sorted(unknown)}"


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_configured_values_are_accepted_by_the_service_settings(service, monkeypatch):
    settings = SETTINGS[service]
    for name in setting_names(settings):
        monkeypatch.delenv(name, raising=False)
    env = environment(main_container(of_kind("Deployment")[service]))
    for name, value in env.items():
        monkeypatch.setenv(name, value if isinstance(value, str) else "postgresql://u:p@db:5432/x")
    loaded = settings()
    assert loaded.host == "0.0.0.0"
    assert loaded.port == PORTS[service]
    assert loaded.topic_partitions == partition_count()


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_credentials_come_from_secrets_only(service):
    container = main_container(of_kind("Deployment")[service])
    env = environment(container)
    config_maps = of_kind("ConfigMap")
    loaded = {key for source in container.get("envFrom", [])
              for key in config_maps[source["configMapRef"]["name"]]["data"]}
    for name in secret_settings(SETTINGS[service]):
        assert name in env, f"{service}: {name} is not set"
        assert set(env[name]) == {"secretKeyRef"}, f"{service}: {name} must come from a Secret"
        # a value in a ConfigMap is committed in the clear even where a Secret overrides it
        assert name not in loaded, f"{service}: {name} is in a ConfigMap"


def secret_references() -> set[tuple[str, str]]:
    references = [
        variable["valueFrom"]["secretKeyRef"]
        for deployment in of_kind("Deployment").values()
        for container in containers(deployment)
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    ]
    return {(reference["name"], reference["key"]) for reference in references}


def test_every_secret_referenced_is_documented_with_its_key():
    lines = (K8S / "README.md").read_text().splitlines()
    rows = [line for line in lines if line.startswith("| `rollcall-")]
    documented = {tuple(cell.strip().strip("`") for cell in row.split("|")[1:3]) for row in rows}
    references = secret_references()
    assert references, "no Secret is referenced"
    assert references <= documented, f"not in README.md: {sorted(references - documented)}"


def test_the_example_secrets_have_every_key_referenced_and_no_other():
    example = {
        (doc["metadata"]["name"], key)
        for doc in documents(EXAMPLE_SECRETS)
        for key in doc["stringData"]
    }
    assert example == secret_references()


def test_every_service_selects_the_pods_of_a_deployment_on_a_declared_port():
    deployments = of_kind("Deployment")
    services = of_kind("Service")
    assert set(services) == set(SETTINGS)
    for name, service in services.items():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        selected = [
            d for d in deployments.values()
            if selects(service["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert [d["metadata"]["name"] for d in selected] == [name]
        container = main_container(selected[0])
        for port in service["spec"]["ports"]:
            assert port_number(container, port["targetPort"]) == port["port"] == PORTS[name]


def test_every_autoscaler_targets_a_deployment_within_the_partition_count():
    deployments = of_kind("Deployment")
    autoscalers = of_kind("HorizontalPodAutoscaler")
    assert set(autoscalers) >= set(CONSUMERS), "every consumer scales"
    for name, autoscaler in autoscalers.items():
        target = autoscaler["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        assert target["name"] in deployments, f"{name} scales a Deployment that is not applied"
        # idle consumers beyond the partitions; for ingest (no consumer) the same bound is kept
        assert autoscaler["spec"]["maxReplicas"] <= partition_count(), name
        assert 1 <= autoscaler["spec"].get("minReplicas", 1) <= autoscaler["spec"]["maxReplicas"]


def test_every_disruption_budget_covers_the_pods_of_one_deployment():
    deployments = of_kind("Deployment")
    budgets = of_kind("PodDisruptionBudget")
    assert set(budgets) == set(SETTINGS)
    for name, budget in budgets.items():
        selector = budget["spec"]["selector"]["matchLabels"]
        covered = [d for d, deployment in deployments.items()
                   if selects(selector, deployment["spec"]["template"]["metadata"]["labels"])]
        assert covered == [name]


def test_connections_at_full_scale_fit_the_max_connections_the_readme_asks_for():
    """Per service (maxReplicas + one surge pod) x (pool + overflow), plus one migration and one `rollcall`
    connection per service and the server's reserved ones: the sum README.md shows, within its `max_connections`."""
    deployments = of_kind("Deployment")
    most = {a["spec"]["scaleTargetRef"]["name"]: a["spec"]["maxReplicas"]
            for a in of_kind("HorizontalPodAutoscaler").values()}  # fmt: skip
    needed = 2 * len(SETTINGS) + 3  # migrations, `rollcall`, superuser_reserved_connections
    for name in SETTINGS:
        env = environment(main_container(deployments[name]))
        per_pod = int(env[f"{name.upper()}_DATABASE_POOL_SIZE"]) + int(env[f"{name.upper()}_DATABASE_MAX_OVERFLOW"])
        needed += (most[name] + deployments[name]["spec"]["strategy"]["rollingUpdate"]["maxSurge"]) * per_pod
    readme = (K8S / "README.md").read_text()
    documented = int(re.search(r"`max_connections` of at least \*\*(\d+)\*\*", readme).group(1))

    assert f"= **{needed}**" in readme, f"README.md's sum is not {needed}"
    assert needed <= documented


def example_environment(service: str) -> dict[str, str]:
    """The service's environment as the manifests give it, with the example Secrets' values."""
    values = {(doc["metadata"]["name"], key): value
              for doc in documents(EXAMPLE_SECRETS) for key, value in doc["stringData"].items()}  # fmt: skip
    return {
        name: value if isinstance(value, str) else values[(value["secretKeyRef"]["name"], value["secretKeyRef"]["key"])]
        for name, value in environment(main_container(of_kind("Deployment")[service])).items()
    }


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_a_service_deployed_with_the_example_secrets_refuses_to_start_naming_each_one(service, monkeypatch):
    settings = SETTINGS[service]
    for name in setting_names(settings):
        monkeypatch.delenv(name, raising=False)
    env = example_environment(service)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    refused = {problem.split(":")[0].split(" ")[0] for problem in problems(settings())}

    assert env["ROLLCALL_ENV"] == "production"
    assert refused == secret_settings(settings), "every Secret of the example must be refused, and nothing else"
