"""A region's registered system reading with no person present (a SMART backend service):
under which law, and which categories, by the region's country (data/systems.toml)."""

from functools import cache
from pathlib import Path

from pydantic import model_validator

from stegvis.audit.categories import Category
from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_FILE = Path(__file__).parent / "data" / "systems.toml"


class SystemBasis(Record):
    code: str
    country: str
    legal_reference: str
    source: str
    text: Bilingual
    categories: frozenset[str]

    @model_validator(mode="after")
    def _known_categories(self):
        unknown = self.categories - set(Category.values)
        if unknown:
            raise ValueError(f"{self.code} ({self.country}): unknown categories {unknown}")
        return self

    @property
    def audit_basis(self) -> str:
        """As the audit trail names it."""
        return f"system:{self.code}"


class SystemsFile(DataFile):
    basis: tuple[SystemBasis, ...]


@cache
def bases() -> dict[str, SystemBasis]:
    """Each country's basis, by country code."""
    found = load(DATA_FILE, SystemsFile).basis
    by_country = {basis.country: basis for basis in found}
    if len(by_country) != len(found):
        raise ValueError(f"{DATA_FILE}: one basis per country")
    return by_country


def basis_for(country: str) -> SystemBasis | None:
    return bases().get(country)


def ceiling() -> frozenset[str]:
    """The most a system reads in any country."""
    return frozenset().union(*(basis.categories for basis in bases().values()))
