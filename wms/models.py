"""Imports every model so that Base.metadata knows all tables (Alembic, checks)."""
from fulfillment.models import (  # noqa: F401, E402
    Carton,
    CartonLine,
    Order,
    OrderEvent,
    OrderLine,
    Pick,
    PickList,
    Wave,
)
from wms.auth.models import Token, token_warehouses  # noqa: F401
from wms.catalog.models import Barcode, Seller, Sku  # noqa: F401
from wms.db import Base  # noqa: F401
from wms.facility.models import Layout, Location, Warehouse  # noqa: F401
from wms.idempotency_models import IdempotencyKey  # noqa: F401
from wms.inbound.models import Asn, AsnLine, Lot, Receipt  # noqa: F401, E402
from wms.inventory.models import Count, CountLine, CountLocation, Task, Transfer, TransferLine  # noqa: F401, E402
from wms.ledger.models import Balance, Movement, Posting, Reservation, StockLevel  # noqa: F401
