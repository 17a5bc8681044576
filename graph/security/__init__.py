"""Keeping the graph safe from abuse: request middleware, query limits, persisted queries."""
