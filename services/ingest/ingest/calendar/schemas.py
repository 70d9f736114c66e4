"""The calendar API's shapes."""

from pydantic import BaseModel

from ingest.edfi.fields import EdFiDate


class DayClosed(BaseModel):
    """Attendance at the school is final for this day and every day before it."""

    date: EdFiDate
