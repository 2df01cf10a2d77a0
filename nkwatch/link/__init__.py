"""Link: group claims from many sources that report the same occurrence into incidents.

copies.py finds sources that copy or syndicate others (they add no independent corroboration), and
attribution.py reads the publisher a text credits and groups sources by independence;
records.py encodes claims as arrays; compare.py scores candidate pairs inside blocks; cluster.py joins
them without ever merging contradictory claims; incidents.py merges fields and scores confidence;
run.py ties it together for a full or an incremental run (plan.py plans a partition, rows.py reads the claims;
sequels.py chains later incidents to earlier ones; query.py reads incidents back).
"""
