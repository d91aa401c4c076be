"""How the channels area plugs into the core (read by wms.extensions)."""
from __future__ import annotations

from wms.extensions import Extension


def _subscribe() -> None:
    from wms.channels.desired import on_levels_changed
    from wms.ledger.events import levels_changed

    levels_changed.connect(on_levels_changed)


def register() -> Extension:
    from wms.channels.api import blp
    from wms.channels.checks import CHECKS
    from wms.channels.cli import channels_command, sandbox_command, sync_command
    from wms.channels.demo import demo_channels
    from wms.channels.web import bp, dashboard_panels, portal_nav

    return Extension(
        name="channels",
        api_blueprints=[blp],
        web_blueprints=[bp],
        cli_commands=[channels_command, sync_command, sandbox_command],
        model_modules=["wms.channels.models"],
        demo=demo_channels,
        checks=CHECKS,
        subscribe=_subscribe,
        page_sections={"portal_nav": portal_nav, "dashboard": dashboard_panels},
    )
