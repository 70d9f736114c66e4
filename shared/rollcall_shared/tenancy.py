"""Every district's data is its own: paths carry the district."""

from typing import Annotated

from fastapi import Path

DISTRICT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

DistrictId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=DISTRICT_ID_PATTERN,
        description="1-64 characters of [A-Za-z0-9_-]",
        examples=["grand-bend"],
    ),
]
