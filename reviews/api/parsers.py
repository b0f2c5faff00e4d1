"""The API's parsers: DRF's, refusing what they would otherwise pass on garbled or turn into a 500."""

from __future__ import annotations

import io
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import IO, Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from reviews.payloads import compressed_kind, compressed_refusal, utf8_problem


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering JSON nested deeper than Python can decode (`[[[[...` ten thousand
    levels) with a 400 like any other malformed JSON: DRF turns only `ValueError` into `ParseError`, so
    the decoder's `RecursionError` was a 500. A compressed body is named as such."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = _read(stream)
        if kind := compressed_kind(raw):
            raise ParseError(f"JSON parse error - the request body is {compressed_refusal(kind)}.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the JSON is nested too deeply.") from None


def _read(stream: IO[Any] | None) -> bytes:
    """The whole body, refused past DATA_UPLOAD_MAX_MEMORY_SIZE (413, reviews.api.errors) without
    reading more than one byte beyond it."""
    if stream is None:
        return b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = bytes(stream.read(limit + 1)) if limit is not None else bytes(stream.read())
    if limit is not None and len(raw) > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    return raw


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing a field whose value is not valid UTF-8 (or is compressed data) as
    `manage.py ingest` refuses such a file. Django decodes form data with errors="replace": an article
    posted in Latin-1 was stored with U+FFFD where its accented letters were."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = _read(stream)
        # Percent-decoded to bytes first (Latin-1 maps bytes 1:1), so each value's bytes can be checked.
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        for key, value in pairs:
            if problem := utf8_problem(value.encode("latin-1")):
                raise ParseError(f"Form field {_name(key)}: {problem}.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing a form field (not a file) whose value is not valid UTF-8, as
    `FormParser` does: Django decodes those fields with errors="replace" too."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = _read(stream)
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + str(media_type or "").encode("latin-1") + b"\r\n\r\n" + raw
        )
        if message.is_multipart():
            for part in message.iter_parts():
                if not isinstance(part, Message) or part.get_filename() is not None:
                    continue  # a file upload: its bytes are the view's to judge
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and (problem := utf8_problem(payload)):
                    name = part.get_param("name", header="content-disposition")
                    raise ParseError(f"Form field {_name(name)}: {problem}.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)


def _name(key: object) -> str:
    text = key if isinstance(key, str) else str(key)
    return repr(text.encode("latin-1", "replace").decode("utf-8", "replace"))[:80]
