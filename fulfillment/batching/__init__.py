"""Order batching (waves): which orders a picker collects together on one cart
tour. Plain data in, plain data out.

Each batch is walked on its optimal route (`fulfillment.routing`), so the
cost of a set of orders is the optimal tour through all their pick points.
Carts have a capacity in units and optionally in volume; an order that does
not fit an empty cart is an error (ValueError) for the caller to split.

Cut-off times: orders are sorted by their due time into due groups (orders
with the same due time, or with due_window set the same window
floor(due / due_window); orders without a due time come last). A batch never
mixes due groups and batches are listed group by group, earliest due first,
so an order is never picked after an order due later than it. Within a due
group the plan minimises walking. The baselines follow the same rule.

`plan_batches` (ours):

1. Clarke & Wright savings, variant (ii) (de Koster et al. 1999): start with
   one batch per order; repeatedly merge the two batches whose merge saves
   the most walking, savings = d(A) + d(B) - d(A + B) with exact route
   lengths, recomputed against every other batch after each merge; only
   merges that fit the cart. For groups larger than `full_savings_limit`
   orders the candidate partners are restricted to batches holding one of
   each order's `neighbours` nearest orders (by how far it reaches into each
   aisle from either end), which keeps the construction near linear.
   Large due groups (more than `zone_size` orders, default 20,000) are split
   into zones of similar orders (recursive halving along the first
   principal component of those features), built one after the other; in a
   zone of more than 1,000 orders the `merge_batch` (zone size / 100) best
   merges still valid are made before the new batches' savings are priced,
   in one vectorised call (C&W (ii) is merge_batch 1). The construction
   gets `construction_share` of the time limit, the zones built one after
   the other; a zone out of time keeps the merges made (the first ones save
   the most), and it and the zones not started load the rest by a sweep
   along the principal component (`_sweep`: consecutive batches on one cart
   while they fit), so the whole call stays within its time limit at any
   size.
2. Local search: in seeded random order, for each order the best move among
   shifting it to another batch and swapping it with an order of another
   batch (same due group, capacity kept), applied when the total optimal
   walking drops; passes repeat over the orders whose batch changed (with
   the full neighbourhood a last pass over all orders confirms the local
   optimum), up to `max_passes`. Then exact repacking (`repack`): for pairs
   of batches the best way to load their orders on one or two carts, and
   for triples that could fit on two carts the best way to do so, which
   empties carts that shift and swap cannot; followed by local search on
   what changed, until nothing improves.
3. Polish (`polish`, default for up to `polish_limit` orders): the batches
   priced so far that save most for each order (`polish_columns` per order)
   become the columns of a set partitioning model solved by CP-SAT (one
   worker, the seed, `polish_time_s` of deterministic time), hinted with the
   current plan, so it can only improve it.
4. Should FCFS still be shorter (it never was in our benchmarks), the FCFS
   batches are returned (method "fcfs").

The time limit bounds the whole call: the construction as above, the
local search and repacking until (1 - finish_share) of it, the polish if
time is left, the rest for pricing the plan and its baselines; the
result is deterministic
for a seed unless the time limit cuts the search short (stats["stopped"]
says why it stopped). Single-block layouts are priced exactly and
vectorised (the Ratliff-Rosenthal program run on numpy arrays over many
candidate batches at once, a few microseconds per batch); multi-block
layouts are priced during the search by the same program on tours that use
only the front and back cross aisles (real tours, a fast proxy), and the
final batches and the FCFS and single-order baselines by `optimal_route`
(OR-Tools, one call per batch).

`exact_batches` enumerates every batch that fits, prices each with the exact
route and solves the set partitioning problem exactly (dynamic programming
over subsets of orders up to 16 orders, CP-SAT beyond): the proven optimum
under the same due-group rule (small instances only).

Modules: `pricing` (route lengths of sets of orders), `problem` (orders,
carts, due groups, the plan and its baselines), `search` (`plan_batches`),
`exact` (`exact_batches` and set partitioning). Everything public is
importable from `fulfillment.batching`.
"""
from fulfillment.batching.exact import exact_batches
from fulfillment.batching.problem import BatchPlan, OrderSpec, fcfs_batches, single_order_batches
from fulfillment.batching.search import plan_batches

__all__ = ["BatchPlan", "OrderSpec", "exact_batches", "fcfs_batches", "plan_batches", "single_order_batches"]
