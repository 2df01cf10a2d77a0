"""Print the coder's claims for one text file (with its sidecar's date), one line each, for debugging rules.

    python dev/show_claims.py FILE [FILE...]
"""

import json
import sys
from pathlib import Path

from nkwatch.extract import extract_claims

for name in sys.argv[1:]:
    p = Path(name)
    side = p.with_name(p.name + ".meta.json")
    meta = json.loads(side.read_text()) if side.exists() else {}
    print(f"== {p.name} ({meta.get('published_at')})")
    for c in extract_claims(p.read_text(), published_at=meta.get("published_at"), source_id="x",
                            language=meta.get("language", "en")):  # fmt: skip
        w = (c["when"] or {}).get("start")
        v = c["victims"] or {}
        print(f"  {c['kind'][:4]} {c.get('act') or c.get('indicator'):22} w={w} p={(c['perpetrator'] or {}).get('id')}"
              f" at={(c['where'] or {}).get('place_id')} v={v.get('group')}/{v.get('count')}"
              f" h={int(c['hedged'])} g={c['grounds']} | {c['rule'][:50]} | {c['quote'][:90]}")
