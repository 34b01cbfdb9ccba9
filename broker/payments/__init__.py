"""Payments against agreements (Stripe cards and the offline ledger), refunds, webhooks, budgets, audit."""
