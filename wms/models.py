"""The core's model registry: importing this module defines every core table
on ``Base.metadata``. Alembic's environment, ``wms check`` and the tests go
through ``wms.extensions.import_models()``, which imports this module and then
every extension package's ``model_modules``.

A test (tests/integration/test_migrations.py) fails when a ``models.py``
under ``wms/`` is missing here.
"""
from __future__ import annotations

import wms.auth.models
import wms.catalog.models
import wms.facility.models
import wms.idempotency_models
import wms.inbound.models
import wms.inventory.models
import wms.ledger.models  # noqa: F401

MODULES = (
    wms.auth.models,
    wms.catalog.models,
    wms.facility.models,
    wms.idempotency_models,
    wms.inbound.models,
    wms.inventory.models,
    wms.ledger.models,
)
