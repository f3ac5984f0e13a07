"""Safe promotion: evaluation gate, hash-chained ledger, targets, plan/apply, rollback and fan-out."""
