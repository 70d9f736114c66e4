"""Upgrade each service's database to head: `python migrate.py [SERVICE ...]`, all four by default.

Per service, as the services themselves name it:

- `<SERVICE>_MIGRATION_DATABASE_URL`: the migration role, which owns the tables and runs the migrations
  (`<SERVICE>_DATABASE_URL` when it is not set: one role for both, as on a laptop);
- `<SERVICE>_RUNTIME_ROLE`: the role the service connects as; after the migrations it is granted what a running
  service needs, and no more (docs/security.md, "Database roles").
"""

import importlib
import os
import sys

from rollcall_shared.migrations import upgrade
from rollcall_shared.production import refuse_unsafe, secret_problems

KEYS = ("contact_keys", "contact_index_key")
"""What a migration uses besides its database: it encrypts stored rows with the service's keys."""

SERVICES = ("ingest", "eligibility", "notifications", "plans")


def main(services: list[str]) -> int:
    services = services or list(SERVICES)
    unknown = [name for name in services if name not in SERVICES]
    if unknown:
        print(f"unknown service(s): {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
        return 2
    # No silent SQLite fallback here: a container without its URL is misconfigured.
    urls = {name: os.environ.get(f"{name.upper()}_MIGRATION_DATABASE_URL") or os.environ.get(f"{name.upper()}_DATABASE_URL")
            for name in services}  # fmt: skip
    missing = [f"{name.upper()}_MIGRATION_DATABASE_URL" for name, url in urls.items() if not url]
    if missing:
        print(f"not set: {', '.join(missing)}")
        return 2
    for name in services:  # never encrypt a district's rows with a development or example key
        settings = importlib.import_module(f"{name}.settings").Settings(database_url=urls[name])
        refuse_unsafe(settings, secret_problems(settings, KEYS))
    for name in services:
        role = os.environ.get(f"{name.upper()}_RUNTIME_ROLE") or None
        print(f"migrating {name}" + (f", then granting {role} its rights" if role else "") + " ...", flush=True)
        upgrade(name, urls[name], runtime_role=role)
    print("all migrated", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
