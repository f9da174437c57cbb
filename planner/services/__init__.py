"""Use cases: what a caller (API, web page, CLI) asks of VirtPlan, each in one
transaction, each scoped to the caller's organization. They speak the core's
language and use :mod:`models` for storage; they know nothing of HTTP."""
