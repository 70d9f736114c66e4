"""Podman on this machine, and every image docker-compose.yml needs, built with no registry.

The base is Debian bookworm from debootstrap (the host's own mirror), imported into podman. The
Rollcall images are deploy/Dockerfile's targets on that base, from a wheelhouse made on the host
(deploy/wheelhouse.py), so no build reaches an index. Kafka is Tansu (the bundled broker's
binary) and Postgres is bookworm's postgresql-15, both on the same base.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILES = Path(__file__).resolve().parent / "containerfiles"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rollcall-containers"
DEBIAN_PACKAGES = ("podman", "runc", "debootstrap", "netavark", "aardvark-dns", "iptables")
BASE_PACKAGES = ("python3", "python3-venv")
ROLLCALL_TARGETS = ("migrate", "ingest", "eligibility", "notifications", "plans", "devtools")

BASE_IMAGE = "localhost/rollcall-test-base:bookworm"
WHEELHOUSE_IMAGE = "localhost/rollcall-test-wheelhouse:latest"
KAFKA_IMAGE = "localhost/rollcall-test-tansu:latest"
POSTGRES_IMAGE = "localhost/rollcall-test-postgres:15"
ROLLCALL_IMAGE_PREFIX = "localhost/rollcall"
ROLLCALL_TAG = "containers-test"
STARTED = time.monotonic()


@contextmanager
def step(what: str) -> Iterator[None]:
    """Print a progress line before and after `what`, with its duration and the time so far."""
    print(f"[{time.monotonic() - STARTED:6.0f}s] {what} ...", flush=True)
    began = time.monotonic()
    yield
    print(f"[{time.monotonic() - STARTED:6.0f}s] {what}: done in {time.monotonic() - began:.0f}s",
          flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None, quiet: bool = False,
        **kwargs) -> subprocess.CompletedProcess:
    """Run a command, raising with its output when it fails."""
    result = subprocess.run([str(part) for part in command], check=False, env=env, text=True,
                            capture_output=quiet, **kwargs)
    if result.returncode != 0:
        output = (result.stdout or "")[-4000:] + (result.stderr or "")[-4000:]
        raise RuntimeError(f"{' '.join(map(str, command))} exited {result.returncode}\n{output}")
    return result


def ensure_host_tools() -> None:
    """apt-get the container tools that are missing (netavark, aardvark-dns and iptables give
    compose networks their name resolution)."""
    missing = [name for name in DEBIAN_PACKAGES if not _installed(name)]
    if missing:
        with step(f"apt-get install {' '.join(missing)}"):
            run("apt-get", "update", "-qq", quiet=True)
            run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, quiet=True)


def _installed(package: str) -> bool:
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                            check=False, capture_output=True, text=True).stdout
    return status.endswith("installed")


def tools() -> Path:
    """A venv of the test's own (not the project's lockfile) with pip and podman-compose from
    PyPI; its `bin/` folder."""
    folder = CACHE / "tools" / "bin"
    if not (folder / "podman-compose").exists():
        with step("pip install podman-compose"):
            base = getattr(sys, "_base_executable", sys.executable)
            run(base, "-m", "venv", "--clear", folder.parent)
            run(folder / "pip", "install", "--quiet", "podman-compose", quiet=True)
    return folder


def podman_environment() -> dict[str, str]:
    """The environment every podman command runs in: runc, and no default ulimits (this
    machine's hard limits are lower than podman's defaults)."""
    conf = CACHE / "containers.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text('[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n')
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


class Podman:
    def __init__(self) -> None:
        self.env = podman_environment()

    def __call__(self, *arguments: str | Path, quiet: bool = True, **kwargs):
        return run("podman", "--runtime", "runc", *arguments, env=self.env, quiet=quiet, **kwargs)

    def has_image(self, name: str) -> bool:
        exists = subprocess.run(["podman", "image", "exists", name], check=False, env=self.env)
        return exists.returncode == 0

    def build(self, tag: str, context: Path, *arguments: str) -> None:
        self("build", "--format", "docker", "--tag", tag, *arguments, context)


def debian_mirror() -> str:
    """The host's Debian mirror for bookworm, as its apt sources name it."""
    sources = Path("/etc/apt/sources.list.d")
    for path in sorted(sources.glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.MULTILINE))
            if "bookworm" in fields.get("Suites", "").split() and "deb" in fields.get("Types", ""):
                return fields["URIs"].split()[0]
    for path in [Path("/etc/apt/sources.list"), *sorted(sources.glob("*.list"))]:
        if path.exists():
            line = r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s"
            if match := re.search(line, path.read_text(), re.MULTILINE):
                return match.group(1)
    raise RuntimeError("no bookworm mirror in the host's apt sources")


def build_base(podman: Podman) -> None:
    """Debian bookworm minbase with Python, imported as BASE_IMAGE; the tarball is kept."""
    if podman.has_image(BASE_IMAGE):
        return
    tarball = CACHE / "bookworm-minbase.tar"
    if not tarball.exists():
        with step("debootstrap bookworm (minbase, python3)"), tempfile.TemporaryDirectory() as tmp:
            rootfs = Path(tmp) / "rootfs"
            run("debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
                "bookworm", rootfs, debian_mirror(), quiet=True)
            # python:3.11-slim's paths, which deploy/Dockerfile names.
            for name in ("python3", "python"):
                (rootfs / "usr/local/bin" / name).symlink_to("/usr/bin/python3")
            for folder in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for path in (rootfs / folder).glob("*"):
                    if path.is_file():
                        path.unlink()
            run("tar", "-C", rootfs, "-cf", f"{tarball}.part", ".")
            Path(f"{tarball}.part").rename(tarball)
    with step("podman import the base"):
        podman("import", tarball, BASE_IMAGE)


def build_wheelhouse(podman: Podman, uv: str) -> None:
    """Every wheel uv.lock pins (and uv, hatchling), on the host, in an image of its own."""
    folder = CACHE / "wheelhouse"
    with step("wheelhouse from uv.lock"):
        run(tools() / "python", ROOT / "deploy" / "wheelhouse.py", folder, "--uv", uv, quiet=True)
        (CACHE / "wheelhouse.Containerfile").write_text("FROM scratch\nCOPY *.whl /\n")
        podman.build(WHEELHOUSE_IMAGE, folder, "--file", CACHE / "wheelhouse.Containerfile")


def build_rollcall(podman: Podman) -> None:
    """deploy/Dockerfile's targets: the builder stage is shared, so the first pays for it."""
    arguments = ["--file", ROOT / "deploy" / "Dockerfile",
                 "--build-arg", f"PYTHON_IMAGE={BASE_IMAGE}",
                 "--build-arg", f"WHEELHOUSE_IMAGE={WHEELHOUSE_IMAGE}"]
    # podman reads .dockerignore or .containerignore at the context root, not the Dockerfile's
    # own; the same allow-list then.
    arguments += ["--ignorefile", ROOT / "deploy" / "Dockerfile.dockerignore"]
    for target in ROLLCALL_TARGETS:
        with step(f"build rollcall {target}"):
            podman.build(f"{ROLLCALL_IMAGE_PREFIX}-{target}:{ROLLCALL_TAG}", ROOT,
                         "--target", target, *arguments)


def build_kafka(podman: Podman, tansu: Path) -> None:
    with step("build kafka (tansu)"), tempfile.TemporaryDirectory() as context:
        shutil.copy(CONTAINERFILES / "tansu.Containerfile", Path(context) / "Containerfile")
        shutil.copy(tansu, Path(context) / "tansu")
        podman.build(KAFKA_IMAGE, Path(context), "--build-arg", f"BASE_IMAGE={BASE_IMAGE}")


def build_postgres(podman: Podman) -> None:
    # apt inside this build reaches the mirror the base was bootstrapped from.
    with step("build postgres (bookworm postgresql-15)"), tempfile.TemporaryDirectory() as context:
        shutil.copy(CONTAINERFILES / "postgres.Containerfile", Path(context) / "Containerfile")
        shutil.copy(CONTAINERFILES / "postgres-entrypoint.sh", context)
        podman.build(POSTGRES_IMAGE, Path(context), "--network", "host",
                     "--build-arg", f"BASE_IMAGE={BASE_IMAGE}")
