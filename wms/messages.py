"""Messages for people that can be said again in another language: a
service raises `NotFound(M_("ASN %(reference)s not found", reference=ref))`;
the message is plain English text wherever a str is expected (logs, tests,
the CLI), and remembers its template and values, so the API's problem+json
and the screens translate it by the request's language
(`translated(text)`) while the error's machine `code` stays the same.

The templates are found by pybabel (`make messages`, keyword M_) and
translated in each package's catalogue like the screens' own strings. This
floor imports no Flask: the translation is looked up only when asked for,
inside a request."""
from __future__ import annotations


class Message(str):
    """English text, with the template and values it was made from."""

    template: str
    values: dict

    def __new__(cls, template: str, /, **values) -> Message:
        text = super().__new__(cls, template % values if values else template.replace("%%", "%"))
        text.template, text.values = template, values
        return text

    def __reduce__(self):  # pickles (and copies) keep what they need to be translated again
        return (_rebuild, (self.template, self.values))


def _rebuild(template: str, values: dict) -> Message:
    return Message(template, **values)


def M_(template: str, /, **values) -> Message:  # noqa: N802 - a gettext-style keyword for pybabel
    """A message for a person, translated where it is shown."""
    return Message(template, **values)


def N_(text: str) -> str:  # noqa: N802
    """Marks a constant for the catalogue (an error's title); translated where it is shown."""
    return text


def translated(text):
    """The text in the current request's language: a Message through the
    catalogue (its values translated too, when they are Messages), a title
    marked with N_ through the catalogue, anything else as it is. Outside a
    request, or where no translation exists, the English."""
    try:
        from flask import current_app, has_request_context
        from flask_babel import gettext
    except ImportError:  # pragma: no cover - Flask is installed with the project
        return str(text)
    if not isinstance(text, str):
        return text  # a list or a dict of a schema's messages, None: as it is
    if not has_request_context() or "babel" not in current_app.extensions:
        return str(text)
    if isinstance(text, Message):
        values = {k: translated(v) if isinstance(v, Message) else v for k, v in text.values.items()}
        found = gettext(text.template, **values) if values else gettext(text.template)
        return found if values else found.replace("%%", "%")
    return gettext(str(text)) if text else str(text)
