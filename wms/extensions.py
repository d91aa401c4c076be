"""The bootstrap's one list of extension packages, and what each contributes.

The core (``wms``) never imports an extension package except here. Each
package named in ``EXTENSION_PACKAGES`` has a module ``<package>.extension``
with a function ``register() -> Extension``; the app (``wms.app``), the CLI
(``wms.cli``), Alembic's environment (``migrations/env.py``) and the demo read
the list through ``load_extensions()``::

    wms.app.create_app ─┐
    wms.cli.main ───────┼─> load_extensions() ─> fulfillment.extension.register()
    migrations/env.py ──┘                      ─> wms.channels.extension.register()
                                               ─> slotting.extension.register()

An extension hears about ledger changes only through the ledger's declared
events (``wms.ledger.events``), connected by its ``subscribe`` callable, which
the bootstrap calls once per process.
"""
from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Order matters: an extension may build on the ones before it.
EXTENSION_PACKAGES: tuple[str, ...] = ("fulfillment", "wms.channels", "slotting")


@dataclass(frozen=True)
class Extension:
    """What one extension package plugs into the core."""

    name: str
    # flask-smorest blueprints, registered under /api/v1.
    api_blueprints: Sequence[object] = ()
    # Its own HTML screens: a Flask blueprint with its own templates folder.
    web_blueprints: Sequence[object] = ()
    # click commands and groups added to `wms`.
    cli_commands: Sequence[object] = ()
    # Modules that define its SQLAlchemy models (imported for Base.metadata).
    model_modules: Sequence[str] = ()
    # demo(session, rng, skus): its part of `wms demo`, after the core's data.
    demo: Callable | None = None
    # Connects its ledger-event subscribers; called once per process.
    subscribe: Callable[[], None] | None = None
    # Extra invariant checks for `wms check` (wms.ledger.checks.Check: number,
    # name, run(session) -> list of violations), run after the core's.
    checks: Sequence[Callable] = ()
    # Named sections it adds to the core's pages: "home_menu" (() ->
    # [(label, endpoint)], buttons on the home screen) and "portal_nav" (() ->
    # [(label, endpoint, roles)], links in the portal's menu), "dashboard"
    # ((session, principal, warehouse, (day start, day end)) -> [panel],
    # panels of the operations dashboard) and "layout_measures" (() ->
    # {name: (label, fn(session, warehouse_id) -> {bay: (colour, text)})}).
    page_sections: dict[str, Callable] = field(default_factory=dict)


@functools.cache
def load_extensions() -> tuple[Extension, ...]:
    """Every extension package's registration, in bootstrap order; their
    subscribers connected (once per process)."""
    found = []
    for package in EXTENSION_PACKAGES:
        module = importlib.import_module(f"{package}.extension")
        extension = module.register()
        if extension.subscribe is not None:
            extension.subscribe()
        found.append(extension)
    return tuple(found)


def import_models() -> None:
    """Import the core's models and every extension's, so that Base.metadata
    holds every table (Alembic's autogenerate, the checks, the tests)."""
    import wms.models  # noqa: F401

    for extension in load_extensions():
        for module in extension.model_modules:
            importlib.import_module(module)


def page_section(name: str) -> Callable | None:
    """The first extension's provider of a named page section, if any."""
    providers = page_sections(name)
    return providers[0] if providers else None


def page_sections(name: str) -> list[Callable]:
    """Every extension's provider of a named page section, in bootstrap order."""
    return [extension.page_sections[name] for extension in load_extensions() if name in extension.page_sections]
