"""The container test builds images and runs docker-compose.yml under podman: only when asked
(`make test-containers` sets ROLLCALL_CONTAINER_TESTS=1), never in a plain `make test`."""

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "containers: builds the images and runs docker-compose.yml under podman"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("ROLLCALL_CONTAINER_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="container test: run `make test-containers`")
    for item in items:
        if "containers" in item.keywords:
            item.add_marker(skip)
