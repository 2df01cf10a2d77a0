"""Review: people confirm, correct, reject, merge, split and publish; every change goes into the audit log."""
