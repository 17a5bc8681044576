"""Validation once per document: strawberry's ValidationCache keys an lru_cache by the
document, whose hash walks every node of it on each request; the parse cache hands back the
same document object for the same text, so it is recognised here by identity."""

from collections import OrderedDict
from collections.abc import Callable, Iterator

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

_Entry = tuple[DocumentNode, tuple[type, ...], list[GraphQLError]]


class CachedValidation(SchemaExtension):
    def __init__(self, cache: "OrderedDict[int, _Entry]", maxsize: int) -> None:
        self.cache = cache
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        rules = tuple(context.validation_rules)
        found = self.cache.get(id(document))
        if found is not None and found[0] is document and found[1] == rules:
            self.cache.move_to_end(id(document))
            errors = found[2]
        else:
            errors = validate_document(context.schema._schema, document, rules)
            self.cache[id(document)] = (document, rules, errors)
            if len(self.cache) > self.maxsize:
                self.cache.popitem(last=False)
        context.pre_execution_errors = errors
        yield


def validation_cache(maxsize: int) -> Callable[[], CachedValidation]:
    """The extension factory: one cache per schema (its rules and types decide the answer)."""
    cache: OrderedDict[int, _Entry] = OrderedDict()
    return lambda: CachedValidation(cache, maxsize)


__all__ = ["CachedValidation", "validation_cache"]
