"""Everything `wms check` verifies, gathered in one place: the ledger's
invariants (wms.ledger.checks), the areas' (the inbound `expected` bucket),
stored timestamps within the accepted window (wms.timestamps)
and every extension's (its `Extension.checks`). The ledger imports no area
above it; the areas register here instead."""
from __future__ import annotations

from sqlalchemy.orm import Session

from wms.extensions import load_extensions
from wms.inbound.checks import CHECKS as INBOUND_CHECKS
from wms.ledger.checks import LEDGER_CHECKS, Check, CheckResult, run
from wms.timestamps import CHECKS as TIMESTAMP_CHECKS


def all_checks() -> tuple[Check, ...]:
    extension_checks = tuple(check for extension in load_extensions() for check in extension.checks)
    return (*LEDGER_CHECKS, *INBOUND_CHECKS, *TIMESTAMP_CHECKS, *extension_checks)


def run_checks(session: Session) -> list[CheckResult]:
    """Every check, in order: the ledger's, the areas', the extensions'."""
    return run(session, all_checks())
