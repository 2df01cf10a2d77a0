"""Language-neutral text helpers shared by several layers (spelling of names across scripts)."""
