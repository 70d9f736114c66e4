"""Upgrade each service's database to head: `python migrate.py [SERVICE ...]`, all four by default.

Each URL comes from the variable the service itself reads (`INGEST_DATABASE_URL`, ...), so the
migrate container and the services are configured alike.
"""

import os
import sys

from rollcall_shared.migrations import upgrade

SERVICES = ("ingest", "eligibility", "notifications", "plans")


def main(services: list[str]) -> int:
    services = services or list(SERVICES)
    unknown = [name for name in services if name not in SERVICES]
    if unknown:
        print(f"unknown service(s): {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
        return 2
    # No silent SQLite fallback here: a container without its URL is misconfigured.
    missing = [f"{name.upper()}_DATABASE_URL" for name in services
               if not os.environ.get(f"{name.upper()}_DATABASE_URL")]
    if missing:
        print(f"not set: {', '.join(missing)}")
        return 2
    for name in services:
        print(f"migrating {name} ...", flush=True)
        upgrade(name, os.environ[f"{name.upper()}_DATABASE_URL"])
    print("all migrated", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
