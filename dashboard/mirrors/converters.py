"""URL converters that match only the names Quay allows (``dashboard.quay.names``): any other
segment is no route at all, so the dashboard answers its own 404 and calls nothing."""

from __future__ import annotations

from dashboard.quay import names


class NamespaceConverter:
    regex = names.NAMESPACE_PATTERN

    def to_python(self, value: str) -> str:
        if not names.valid_namespace(value):
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        return value


class RepositoryNameConverter:
    regex = names.REPOSITORY_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
