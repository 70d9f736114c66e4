"""Write a service's next Alembic revision from its models: `make migration SERVICE=ingest MSG="..."`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from rollcall_shared.migrations import alembic_config, upgrade


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python -m rollcall_dev.makemigration SERVICE MESSAGE")
    service, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'schema.db'}"
        upgrade(service, url)
        config = alembic_config(service, url)
        versions = Path(__import__(service).__file__).parent / "migrations" / "versions"
        count = len(list(versions.glob("*.py")))
        command.revision(config, message=message, autogenerate=True, rev_id=f"{count + 1:04d}")


if __name__ == "__main__":
    main()
