"""Provider search index: the document the index carries, the query it answers, and the engines behind it.

Independent of the database and of GraphQL: callers map rows to `ProviderDocument`, pick a backend with
`backend_from_url`, and talk to it only through the `SearchBackend` protocol.
"""

from search.backend import IndexState, SearchBackend, SearchError, SearchTaskFailed, SearchUnavailable
from search.documents import ProviderDocument
from search.factory import backend_from_url
from search.query import RATE_BANDS, GeoFilter, Hit, SearchQuery, SearchResult

__all__ = [
    "RATE_BANDS",
    "GeoFilter",
    "Hit",
    "IndexState",
    "ProviderDocument",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "SearchTaskFailed",
    "SearchUnavailable",
    "backend_from_url",
]
