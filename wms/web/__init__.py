"""Web screens (Jinja, no JavaScript framework): handheld screens for
warehouse staff (receive against an ASN, close it, put away, pick) and the
seller portal. Views load, check access through the services, then act; the
services hold every business rule and apply the token's scope."""
from wms.web.routes import bp

__all__ = ["bp"]
