"""Export every service's OpenAPI document and the AsyncAPI document of every topic under docs/."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from rollcall_shared import asyncapi

SERVICES = ("ingest", "eligibility", "notifications", "plans")
DOCS = Path(__file__).resolve().parents[2] / "docs"


def openapi(service: str) -> dict[str, Any]:
    return importlib.import_module(f"{service}.app").create_app().openapi()


def documents() -> dict[Path, dict[str, Any]]:
    docs = {DOCS / "openapi" / f"{service}.json": openapi(service) for service in SERVICES}
    docs[DOCS / "asyncapi.json"] = asyncapi.document()
    return docs


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main() -> None:
    os.environ.setdefault("ROLLCALL_ENV", "development")  # the documents need no secrets
    stale = []
    for path, document in documents().items():
        text = render(document)
        if "--check" in sys.argv:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(DOCS.parent)}")
    if stale:
        sys.exit("out of date (run `make docs`): " + ", ".join(stale))


if __name__ == "__main__":
    main()
