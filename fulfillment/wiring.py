"""How fulfillment plugs into the core: the composition roots (wms.app,
wms.cli) call install() so that stock arriving allocates backorders."""
from fulfillment.orders import allocate_backorders
from wms.ledger import services as ledger


def install() -> None:
    if allocate_backorders not in ledger.stock_arrival_listeners:
        ledger.stock_arrival_listeners.append(allocate_backorders)
