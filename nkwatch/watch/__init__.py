"""Watching: follow feeds, sitemaps and listing pages, and take in what is new through the ingest pipeline.

`fetch` is the polite, guarded HTTP client; `parse` turns feeds, sitemaps and listing pages into item URLs;
`run` makes one pass over the watched sources; `models` holds their tables. Kept free of imports here so
that nkwatch.store.models can register the tables without pulling in the HTTP client.
"""
