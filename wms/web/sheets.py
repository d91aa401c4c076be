"""Spreadsheets and multi-line forms turned into the API's request bodies.

A CSV upload is read row by row (UTF-8, with or without Excel's byte-order
mark, or GB18030 as Chinese Excel saves it); rows sharing a reference make
one document (an ASN, an order) whose header columns must agree. The body
of each is checked by the API's own schema, then by the service, and every
error is named by the spreadsheet row and column it comes from."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext
from marshmallow import Schema, ValidationError

from wms.db import transaction
from wms.errors import DomainError, ValidationFailed
from wms.messages import M_

MAX_BYTES = 2_000_000
MAX_ROWS = 5000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]


@dataclass
class Problem:
    row: int | None
    column: str
    message: str


@dataclass
class Document:
    """The rows of one reference: header values from its first row, one line per row."""

    reference: str
    rows: list[Row] = field(default_factory=list)


def read_csv(upload, columns: Iterable[str], required: Iterable[str]) -> list[Row]:
    """The rows of an uploaded CSV file, blank rows dropped; a file that is
    not a CSV with the required columns is a ValidationFailed on `file`."""
    if upload is None or not upload.filename:
        raise ValidationFailed(file=M_('choose a CSV file to upload'))
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValidationFailed(file=M_('larger than %(value)s MB: split it', value=MAX_BYTES // 1_000_000))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(file=M_('not a text file: save it as CSV (UTF-8)'))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationFailed(file=M_('the first row must name the columns; missing: %(value)s',
                                       value=', '.join(missing)))
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        raise ValidationFailed(file=M_('unknown columns: %(value)s (known: %(value2)s)',
                                       value=', '.join(unknown), value2=', '.join(columns)))
    rows = []
    for number, record in enumerate(reader, start=2):
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k is not None}
        if any(values.values()):
            rows.append(Row(number, values))
        if len(rows) > MAX_ROWS:
            raise ValidationFailed(file=M_('more than %(max_rows)s rows: split it', max_rows=MAX_ROWS))
    if not rows:
        raise ValidationFailed(file=M_('the file has no rows under its header'))
    return rows


def documents(rows: list[Row], header_columns: Iterable[str], problems: list[Problem]) -> list[Document]:
    """Rows grouped by reference, in first-seen order; a header column that
    differs from the document's first row is a problem on that row."""
    found: dict[str, Document] = {}
    for row in rows:
        reference = row.values.get("reference", "")
        if not reference:
            problems.append(Problem(row.number, "reference", "required"))
            continue
        doc = found.setdefault(reference, Document(reference))
        if doc.rows:
            first = doc.rows[0]
            for column in header_columns:
                value = row.values.get(column, "")
                if value and value != first.values.get(column, ""):
                    problems.append(Problem(row.number, column, f"differs from row {first.number} of {reference}"))
        doc.rows.append(row)
    return list(found.values())


def cleaned(values: dict[str, str], *, dates: Iterable[str] = (), integers: Iterable[str] = (),
            upper: Iterable[str] = ()) -> dict:
    """Form or CSV text as JSON-like values: blanks dropped, whole numbers
    as integers, a date as midnight UTC where a date-time is wanted."""
    out: dict = {}
    for name, value in values.items():
        value = value.strip() if isinstance(value, str) else value
        if value in ("", None):
            continue
        if name in integers and re.fullmatch(r"-?\d{1,9}", value):
            value = int(value)
        elif name in dates and ISO_DATE.match(value):
            value = f"{value}T00:00:00+00:00"
        elif name in upper:
            value = value.upper()
        out[name] = value
    return out


def flatten(messages, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as {"lines.0.qty": "..."}."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": " ".join(messages)}
        out: dict[str, str] = {}
        for m in messages:
            out.update(flatten(m, prefix))
        return out
    if isinstance(messages, dict):
        out = {}
        for key, value in messages.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix or "_schema": str(messages)}


def load(schema: Schema, body: dict) -> dict:
    """The body as the API's schema loads it, or ValidationFailed naming
    each field as "lines.0.qty"."""
    try:
        return schema.load(body)
    except ValidationError as error:
        raise ValidationFailed(errors=flatten(error.messages)) from error


def problems_of(error: DomainError, doc: Document, column_of: Callable[[str], str] = lambda f: f) -> list[Problem]:
    """A document's error as problems on the rows they come from: "lines.2.sku"
    is the third row's sku column; a header field is the first row's."""
    if not error.errors:
        return [Problem(doc.rows[0].number, "", error.detail)]
    problems = []
    for key, message in error.errors.items():
        parts = str(key).split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(doc.rows):
            problems.append(Problem(doc.rows[int(parts[1])].number, column_of(".".join(parts[2:]) or "lines"),
                                    str(message)))
        else:
            problems.append(Problem(doc.rows[0].number, column_of(str(key)), str(message)))
    return problems


def create_document(doc: Document, body_of: Callable[[list[Row]], dict], schema: Schema,
                    create: Callable[[dict], object], column_of: Callable[[str], str] = lambda f: f,
                    ) -> tuple[object | None, list[Problem]]:
    """Check one document's rows and create it. A row whose shape is wrong
    is reported, and the others still go through the service's checks, so
    that every bad row of a file is named at once (what is created is only
    kept when the whole file is free of problems)."""
    rows = list(doc.rows)
    problems: list[Problem] = []
    try:
        data = load(schema, body_of(rows))
    except ValidationFailed as error:
        problems = problems_of(error, doc, column_of)
        bad = {p.row for p in problems}
        header_problem = any(p.row == rows[0].number and not str(k).startswith("lines.")
                             for k, p in zip(error.errors, problems, strict=False))
        rows = [r for r in rows if r.number not in bad]
        if header_problem or not rows:
            return None, problems
        try:
            data = load(schema, body_of(rows))
        except ValidationFailed as again:
            return None, problems + problems_of(again, Document(doc.reference, rows), column_of)
    try:
        return create(data), problems
    except DomainError as error:
        return None, problems + problems_of(error, Document(doc.reference, rows), column_of)


def _same(field: str) -> str:
    return field


class UploadRejected(Exception):
    """A file with any bad row: nothing was created; `problems` names each
    row and column, `error` is what the page shows above them."""

    def __init__(self, error: DomainError, problems: list[Problem]):
        super().__init__(error.detail)
        self.error = error
        self.problems = problems


@dataclass(frozen=True)
class Sheet:
    """One kind of document (an ASN, an order) as the portal takes it: a
    form with a header and repeated lines, or a CSV file whose rows sharing a
    reference make one document. `body(header, lines)` turns text into the
    API's request body, checked by `schema` and then by the service;
    `column_of` names an API field as the form's or file's column."""

    header_columns: tuple[str, ...]
    line_columns: tuple[str, ...]
    required: tuple[str, ...]
    schema: Schema
    body: Callable[[dict, list[dict]], dict]
    column_of: Callable[[str], str] = _same

    @property
    def columns(self) -> tuple[str, ...]:
        return ("reference",) + self.header_columns + self.line_columns

    def form_lines(self, form) -> list[dict]:
        """The form's repeated line fields (line_sku, line_qty, ...) as rows."""
        columns = {c: form.getlist(f"line_{c}") for c in self.line_columns}
        count = max((len(v) for v in columns.values()), default=0)
        return [{c: (columns[c][i] if i < len(columns[c]) else "") for c in self.line_columns}
                for i in range(count)]

    def shown_lines(self, form, minimum: int) -> list[dict]:
        """The lines to show: what was typed, then blank ones up to `minimum`."""
        lines = self.form_lines(form) if form else []
        return lines + [{}] * max(minimum - len(lines), 1)

    def from_form(self, form, create: Callable[[dict], object]):
        """One document from the form's header and its filled-in lines. An
        error on "lines.2.sku" is named as the form line it comes from
        (blank lines are skipped, so the third filled-in line may be line 5)."""
        rows = [(i, ln) for i, ln in enumerate(self.form_lines(form)) if any(v.strip() for v in ln.values())]
        header = {c: form.get(c, "") for c in ("reference",) + self.header_columns}
        try:
            if not rows:
                raise ValidationFailed(errors={"lines": gettext("fill in at least one line")})
            return create(load(self.schema, self.body(header, [ln for _i, ln in rows])))
        except DomainError as error:
            errors = {}
            for key, message in error.errors.items():
                parts = str(key).split(".")
                if parts[0] == "lines" and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
                    key = f"line {rows[int(parts[1])][0] + 1} {'.'.join(parts[2:])}"
                errors[self.column_of(str(key))] = message
            if not errors:
                raise
            shown = ValidationFailed(errors=errors)
            shown.status = error.status
            raise shown from error

    def from_csv(self, session, upload, create: Callable[[dict], object]) -> list:
        """Every document of an uploaded file, created in one transaction, or
        UploadRejected naming every bad row (and nothing created)."""
        problems: list[Problem] = []
        created = []
        try:
            rows = read_csv(upload, self.columns, self.required)
            docs = documents(rows, self.header_columns, problems)
            with transaction(session):
                for doc in docs:
                    made, found = create_document(doc, self._rows_body(doc), self.schema, create, self.column_of)
                    problems += found
                    if made is not None:
                        created.append(made)
                if problems:
                    raise ValidationFailed(gettext("%(n)s row(s) have errors: nothing was created. Correct them "
                                                   "and upload the file again.", n=len({p.row for p in problems})))
        except DomainError as error:
            problems.sort(key=lambda p: (p.row or 0, p.column))
            raise UploadRejected(error, problems) from error
        return created

    def _rows_body(self, doc: Document) -> Callable[[list[Row]], dict]:
        def body_of(rows: list[Row]) -> dict:
            first = rows[0].values
            header = {"reference": doc.reference, **{c: first.get(c, "") for c in self.header_columns}}
            return self.body(header, [{c: r.values.get(c, "") for c in self.line_columns} for r in rows])
        return body_of
