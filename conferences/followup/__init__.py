"""Proposals, agreements and resolution tasks as items followed until done."""
