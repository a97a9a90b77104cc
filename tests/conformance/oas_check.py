"""Check one recorded exchange with the sandbox against Etsy's OpenAPI document.

A request must be an operation of the document (method and path template), carry only the
query parameters and body fields that operation declares, with the declared types and enums,
and every required one. A response must have a status the operation lists (or one that
etsy-api.md says Etsy sends anyway) and a body valid against that status's schema.

Each problem is a `Violation` that names the exchange, the side, the place and what is wrong,
so a report can be acted on without re-running anything.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from jsonschema.exceptions import ValidationError, best_match

from tests.conformance.oas_spec import (
    API_PREFIX,
    ASSOCIATIONS,
    REMOVED_PARAMETERS,
    EtsyOas,
    Operation,
    Schema,
)


@dataclass(frozen=True)
class Exchange:
    """One request the sandbox served and its answer, without any secret.

    Of the request's headers only the content type is kept, plus whether an x-api-key of
    Etsy's `keystring:shared_secret` shape and a bearer token were there.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str  # the whole header: multipart needs its boundary
    body: bytes
    status: int
    response_content_type: str
    response_body: bytes
    api_key_shaped: bool = True
    bearer: bool = True
    index: int = 0  # its place in the recording

    def label(self, operation: Operation | None = None) -> str:
        query = "?" + urlencode(self.query, doseq=True) if self.query else ""
        name = f" [{operation.operation_id}]" if operation else ""
        return f"#{self.index} {self.method} {self.path}{query} -> {self.status}{name}"


@dataclass(frozen=True)
class Violation:
    exchange: str  # Exchange.label()
    side: str  # "request" or "response"
    where: str  # e.g. "query `includes`", "form field `tags`", "body $.results[0].price"
    problem: str
    operation: str = ""  # the operation id, "" when the request matched none

    def __str__(self) -> str:
        return f"{self.exchange}\n    {self.side} {self.where}: {self.problem}"

    def kind(self) -> tuple[str, str, str, str]:
        """The same problem on another exchange of the same operation has the same kind."""
        return (self.operation, self.side, re.sub(r"\[\d+\]", "[*]", self.where), self.problem)


@dataclass
class _Found:
    exchange: Exchange
    operation: Operation | None
    items: list[Violation] = field(default_factory=list)

    def add(self, side: str, where: str, problem: str) -> None:
        label = self.exchange.label(self.operation)
        name = self.operation.operation_id if self.operation else ""
        self.items.append(Violation(label, side, where, problem, name))


def report(violations: Iterable[Violation]) -> str:
    """Each distinct problem once with how often it happened, then one block per exchange,
    one line per problem, in the order of the recording."""
    items = list(violations)
    kinds: dict[tuple[str, str, str, str], list[Violation]] = {}
    for v in items:
        kinds.setdefault(v.kind(), []).append(v)
    lines = [
        f"{len(items)} violation(s) of etsy-oas.json (with etsy-api.md §9/§10 applied), "
        f"{len(kinds)} distinct:"
    ]
    for (operation, side, where, problem), same in kinds.items():
        first = re.split(r" (?:GET|POST|PUT|PATCH|DELETE) ", same[0].exchange)[0]
        lines.append(
            f"  {len(same)}x {operation or '(no operation)'}: {side} {where}: {problem}"
            f" (first {first})"
        )
    lines.append("Every exchange:")
    last = None
    for v in items:
        if v.exchange != last:
            lines.append(v.exchange)
            last = v.exchange
        lines.append(f"    {v.side} {v.where}: {v.problem}")
    return "\n".join(lines)


def check(oas: EtsyOas, exchange: Exchange, *, request: bool = True) -> list[Violation]:
    """Everything wrong with one exchange (the request side too unless `request=False`, for
    requests sent wrong on purpose to draw an error)."""
    if not exchange.path.startswith(API_PREFIX + "/"):
        return []  # OAuth's connect and token endpoints are not in the document (§1 covers them)
    found = _Found(exchange, oas.match(exchange.method, exchange.path))
    if found.operation is None:
        _unknown_operation(oas, found, request=request)
        return found.items
    if request:
        _check_request(oas, found)
    _check_response(oas, found)
    return found.items


def check_all(
    oas: EtsyOas, exchanges: Iterable[Exchange], *, request: bool = True
) -> list[Violation]:
    return [v for exchange in exchanges for v in check(oas, exchange, request=request)]


# --- requests -----------------------------------------------------------------------------------


def _unknown_operation(oas: EtsyOas, found: _Found, *, request: bool) -> None:
    ex = found.exchange
    others = sorted({op.method for op in oas.at_path(ex.path)})
    if request:
        detail = f"this path has only {', '.join(others)}" if others else "no such path"
        found.add("request", "operation", f"the document has no {ex.method} here ({detail})")
    # etsy-api.md §10.9: a GET on a write-only path answers 404 "Resource not found" (ELA),
    # and an unknown path is a 404 too. The key and the rate limits apply to every request
    # (§2, §3), so their errors may come first. Any other status (405 included: §10.9 says
    # "not 405") is not Etsy's; the body is always Etsy's error shape.
    if ex.status == 404 or str(ex.status) in ANY_OPERATION:
        _check_body(oas, found, {"$ref": "#/components/schemas/ErrorSchema"})
    else:
        found.add("response", "status", f"{ex.status} for a path the document does not serve")


def _check_request(oas: EtsyOas, found: _Found) -> None:
    ex, op = found.exchange, found.operation
    assert op is not None
    _check_security(found, op)
    path_values = op.pattern.fullmatch(ex.path)
    assert path_values is not None
    for name, raw in path_values.groupdict().items():
        parameter = op.parameters.get(("path", name))
        if parameter is not None:
            _check_value(oas, found, f"path parameter `{name}`", parameter["schema"], raw)
    for name, values in ex.query.items():
        parameter = op.parameters.get(("query", name))
        if parameter is None:
            problem = "not a parameter of this operation"
            if name in REMOVED_PARAMETERS:
                problem = "removed by Etsy on 2026-07-27 (etsy-api.md §8.9, §9.8)"
            found.add("request", f"query `{name}`", problem)
            continue
        if len(values) > 1:
            # etsy-api.md §2 and §9.4: Etsy keeps one value of a repeated key.
            found.add("request", f"query `{name}`", f"sent {len(values)} times; Etsy keeps one")
        _check_value(oas, found, f"query `{name}`", parameter["schema"], values[-1])
    for (where, name), parameter in op.parameters.items():
        if where == "query" and parameter.get("required") and name not in ex.query:
            found.add("request", f"query `{name}`", "required, but not sent")
    _check_request_body(oas, found, op)


def _check_security(found: _Found, op: Operation) -> None:
    # The document's securitySchemes: every call carries x-api-key `keystring:shared_secret`
    # (etsy-api.md §2), and an operation with oauth2 scopes a bearer token too.
    if not found.exchange.api_key_shaped:
        found.add("request", "header `x-api-key`", "missing or not `keystring:shared_secret`")
    if op.scopes is not None and not found.exchange.bearer:
        scopes = ", ".join(sorted(op.scopes))
        found.add("request", "header `authorization`", f"no bearer token (needs {scopes})")


def _check_request_body(oas: EtsyOas, found: _Found, op: Operation) -> None:
    ex = found.exchange
    declared = (op.request_body or {}).get("content", {})
    if not ex.body:
        if op.request_body and op.request_body.get("required"):
            found.add("request", "body", "required, but empty")
        return
    if not declared:
        found.add("request", "body", "this operation takes no body")
        return
    media = _media_type(ex.content_type)
    if media == "application/json" and "application/x-www-form-urlencoded" in declared:
        # etsy-api.md §9.5 (and §2): createDraftListing and updateListing document only
        # form bodies, but Etsy accepts JSON there; it is checked against the form's fields.
        schema = declared.get(media, declared["application/x-www-form-urlencoded"])["schema"]
    elif media in declared:
        schema = declared[media]["schema"]
    else:
        found.add("request", "content type", f"{media or 'none'}; expected {', '.join(declared)}")
        return
    if media == "application/json":
        try:
            body = json.loads(ex.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            found.add("request", "body", f"not JSON ({exc})")
            return
        _report_errors(oas, found, "request", "body", schema, body)
    elif media == "application/x-www-form-urlencoded":
        fields = parse_qs(ex.body.decode("utf-8", "replace"), keep_blank_values=True)
        _check_form(oas, found, schema, {k: [v.encode() for v in vs] for k, vs in fields.items()})
    elif media == "multipart/form-data":
        _check_form(oas, found, schema, _multipart(ex))


def _media_type(header: str) -> str:
    return header.split(";")[0].strip().lower()


def _multipart(ex: Exchange) -> dict[str, list[bytes]]:
    raw = b"Content-Type: " + ex.content_type.encode() + b"\r\n\r\n" + ex.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts: dict[str, list[bytes]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        parts.setdefault(str(name), []).append(part.get_payload(decode=True) or b"")
    return parts


def _check_form(
    oas: EtsyOas, found: _Found, schema: Schema, fields: dict[str, list[bytes]]
) -> None:
    properties = schema.get("properties", {})
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        if len(raw) > 1:
            # etsy-api.md §2 and §9.4: arrays are one comma-separated value; a repeated key
            # keeps only one of its values.
            found.add("request", f"form field `{name}`", f"sent {len(raw)} times; Etsy keeps one")
        declared = properties.get(name)
        if declared is None:
            values[name] = raw[-1]  # the schema's additionalProperties names it
            continue
        if _retired(name, declared):
            found.add("request", f"form field `{name}`", "retired by Etsy (etsy-api.md §5)")
        values[name] = _form_value(oas.resolve(declared), raw[-1])
    _report_errors(oas, found, "request", "form", schema, values)


# etsy-api.md §5: do not send processing_min/processing_max (replaced by processing profiles)
# nor the personalization fields (the document marks those "[DEPRECATED]"; removed 9 Apr 2026).
RETIRED_FIELDS = frozenset({"processing_min", "processing_max"})


def _retired(name: str, schema: Schema) -> bool:
    description = str(schema.get("description", ""))
    return name in RETIRED_FIELDS or bool(schema.get("deprecated")) or "[DEPRECATED]" in description


def _form_value(schema: Schema, raw: bytes) -> Any:
    if schema.get("format") == "binary":
        return raw  # a file part
    text = raw.decode("utf-8", "replace")
    return _coerce(schema, text)


# A form or query value is text; these are the spellings Etsy reads for typed values.
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}  # etsy-api.md §2


def _coerce(schema: Schema, text: str) -> Any:
    """The typed value Etsy reads from `text`, or `text` itself when it is not one (the
    validator then says what was expected)."""
    kind = schema.get("type")
    if kind == "array":
        # etsy-api.md §9.4: arrays are one comma-separated value, without brackets.
        items = schema.get("items", {})
        return [_coerce(items, part) for part in text.split(",")] if text else []
    if text == "" and schema.get("nullable") and (kind != "string" or "enum" in schema):
        return None  # an empty value clears a nullable field (a form has no null)
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        return float(text)
    if kind == "boolean" and text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    return text


def _check_value(oas: EtsyOas, found: _Found, where: str, schema: Schema, raw: str) -> None:
    _report_errors(oas, found, "request", where, schema, _coerce(oas.resolve(schema), raw))


# --- responses ----------------------------------------------------------------------------------

# etsy-api.md §9.6: no operation lists 429 and most list neither 401 nor 403, yet Etsy sends
# them everywhere with the {"error": ...} body. §10.4: a bad API key can come back as 400
# {"error": "Invalid API key"} from any operation, including those that list no 400.
ANY_OPERATION = {
    "400": {"$ref": "#/components/schemas/ErrorSchema"},
    "401": {"$ref": "#/components/schemas/ErrorSchema"},
    "403": {"$ref": "#/components/schemas/ErrorSchema"},
    "429": {"$ref": "#/components/schemas/ErrorSchema"},
    # (U) etsy-api.md §4 lists 503 "temporarily unavailable; retry" (the document has it for
    # taxonomy only); the sandbox injects it anywhere to test retries, with Etsy's error body.
    "503": {"$ref": "#/components/schemas/ErrorSchema"},
}


def _check_response(oas: EtsyOas, found: _Found) -> None:
    ex, op = found.exchange, found.operation
    assert op is not None
    status = str(ex.status)
    declared = op.responses.get(status)
    if declared is None:
        if status not in ANY_OPERATION:
            listed = ", ".join(sorted(op.responses))
            found.add("response", "status", f"{status} is not listed (listed: {listed})")
            return
        _check_body(oas, found, ANY_OPERATION[status])
        return
    content = declared.get("content")
    if not content:  # 204 and the like: nothing may follow
        if ex.response_body:
            found.add(
                "response", "body", f"{status} declares no body, got {len(ex.response_body)} bytes"
            )
        return
    media = _media_type(ex.response_content_type)
    if media not in content:
        expected = ", ".join(content)
        found.add("response", "content type", f"{media or 'none'}; expected {expected}")
        return
    body = _check_body(oas, found, content[media]["schema"])
    if ex.status == 200 and "includes" in ex.query:
        _check_includes(found, body)


def _check_body(oas: EtsyOas, found: _Found, schema: Schema) -> Any:
    ex = found.exchange
    try:
        body = json.loads(ex.response_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        found.add("response", "body", f"not JSON ({exc})")
        return None
    # etsy-api.md §10.1: Etsy HTML-escapes title, description and tags (`Father&#39;s Day`);
    # escaped text is still a string, so the schema's types hold as they are.
    _report_errors(oas, found, "response", "body", schema, body)
    return body


def _check_includes(found: _Found, body: Any) -> None:
    """Each association asked for with `includes` is on every listing of the answer."""
    if not isinstance(body, dict):
        return
    listings = body.get("results") if "results" in body else [body]
    asked = [i for v in found.exchange.query["includes"] for i in v.split(",") if i]
    for n, listing in enumerate(listings if isinstance(listings, list) else []):
        if not isinstance(listing, dict) or "listing_id" not in listing:
            continue
        place = f"body $.results[{n}]" if "results" in body else "body $"
        for include in asked:
            name = ASSOCIATIONS.get(include)
            if name is not None and name not in listing:
                found.add("response", place, f"includes={include} asked, but no `{name}`")


def _report_errors(
    oas: EtsyOas, found: _Found, side: str, where: str, schema: Schema, instance: Any
) -> None:
    for error in _errors(oas, schema, instance):
        place = where
        if where == "body":
            place = f"body {error.json_path}"
        elif where == "form" and error.absolute_path:
            place = f"form field `{error.absolute_path[0]}`"
        found.add(side, place, _describe(error))


def _errors(oas: EtsyOas, schema: Schema, instance: Any) -> Iterator[ValidationError]:
    for error in oas.validator(schema).iter_errors(instance):
        # For anyOf/oneOf, the reason inside the branch that came closest says more.
        yield best_match(error.context) if error.context else error


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        names = ", ".join(re.findall(r"'([^']*)'", error.message.rpartition("(")[2]))
        return f"not declared by the document: {names}"
    message = error.message
    return message if len(message) <= 240 else message[:237] + "..."
