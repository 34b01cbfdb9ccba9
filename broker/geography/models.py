"""The postcode districts (outward codes) the service knows, with centroids in WGS84."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class PostcodeDistrict(SQLModel, table=True):
    __tablename__ = "postcode_district"

    code: str = Field(primary_key=True, max_length=4)
    latitude: float
    longitude: float
    town: str = Field(default="", max_length=100)
    area: str = Field(default="", max_length=100, index=True)
    region: str = Field(default="", max_length=100)
