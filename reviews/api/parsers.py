"""The API's JSON parser."""

from __future__ import annotations

from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering JSON nested deeper than Python can decode (`[[[[...` ten thousand
    levels) with a 400 like any other malformed JSON: DRF turns only `ValueError` into `ParseError`, so
    the decoder's `RecursionError` was a 500."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the JSON is nested too deeply.") from None
