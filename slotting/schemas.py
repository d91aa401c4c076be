from marshmallow import Schema, fields, validate


class CreatePlanSchema(Schema):
    max_moves = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=0, max=1_000_000),
                               metadata={"description": "at most this many bins of stock moved (none: no limit)"})
    time_limit_s = fields.Float(load_default=60.0, validate=validate.Range(min=0.1, max=3600))
    seed = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    horizon_days = fields.Integer(strict=True, load_default=60, validate=validate.Range(min=1, max=730),
                                  metadata={"description": "days of order history the demand model reads"})


class MoveSchema(Schema):
    seq = fields.Integer()
    sku = fields.String()
    from_location = fields.String()
    to_location = fields.String()
    qty = fields.Integer(allow_none=True)
    reason = fields.Dict()
    status = fields.String()
    note = fields.String(allow_none=True)
    task_ids = fields.List(fields.Integer(), allow_none=True)


class PlanSchema(Schema):
    id = fields.Integer()
    warehouse = fields.String()
    status = fields.String()
    progress = fields.Float()
    stage = fields.String(allow_none=True)
    max_moves = fields.Integer(allow_none=True)
    time_limit_s = fields.Float()
    seed = fields.Integer()
    horizon_days = fields.Integer()
    cost_before = fields.Float(allow_none=True)
    cost_after = fields.Float(allow_none=True)
    lower_bound = fields.Float(allow_none=True)
    improvement_pct = fields.Float(allow_none=True)
    baselines = fields.Dict(allow_none=True)
    walk_per_order_m = fields.Dict(allow_none=True)
    stats = fields.Dict(allow_none=True)
    unplaced = fields.List(fields.Dict(), allow_none=True)
    moves = fields.List(fields.Nested(MoveSchema))
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)


class SkuProfileSchema(Schema):
    sku = fields.String(dump_only=True)
    forecast_picks_per_day = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1_000_000),
                                          metadata={"description": "overrides the demand measured from history"})
    hazmat_class = fields.String(allow_none=True, validate=validate.Regexp(
        r"^[1-9](\.[1-6])?$", error="a UN hazard class such as 3, 8 or 2.1"))
