"""The publication rule, withdrawal and "different incidents" through the JSON API (issue 15)."""

from __future__ import annotations

from sqlalchemy import select

from nkwatch.store.models import AuditEntry, Claim, Incident

from ..factory import add_claim, add_source
from .helpers import signed_in


def test_publish_check_withdraw_and_decide_through_the_api(app, world):
    _, _, w = world
    c, csrf = signed_in(app, "editor")
    h = {"X-CSRF-Token": csrf}
    check = c.get(f"/api/incidents/{w.unpublished}/publication").json()
    assert check["publishable"] is False and check["rule"] == "sources"
    assert check["missing"] == ["1 of 1 independent source has no confirmed claim: Daily report"]
    r = c.post(f"/api/incidents/{w.unpublished}/publish", json={"note": "looks right"}, headers=h)
    assert r.status_code == 400 and "1 of 1 independent source has no confirmed claim: Daily report" in r.text
    assert c.post(f"/api/claims/{w.claim}/confirm", json={}, headers=h).status_code == 200
    assert c.get(f"/api/incidents/{w.unpublished}/publication").json()["publishable"] is True
    r = c.post(f"/api/incidents/{w.unpublished}/publish", json={"note": "checked the original"}, headers=h)
    assert r.json() == {"id": w.unpublished, "status": "publishable"}

    assert c.post(f"/api/incidents/{w.unpublished}/unpublish", json={}, headers=h).status_code == 422  # no reason
    r = c.post(f"/api/incidents/{w.unpublished}/unpublish", json={"reason": "wrong town"}, headers=h)
    assert r.json() == {"id": w.unpublished, "status": "withdrawn"}
    public = c.get(f"/api/incidents/{w.unpublished}").json()  # staff still see all of it
    assert public["status"] == "withdrawn" and public["claims"]

    store = app.state.nk.store
    x = add_claim(store, add_source(store, "p", "China sent back 40 North Koreans in September 2023."),
                  "China sent back 40 North Koreans in September 2023", when="2023-09", count=40)  # fmt: skip
    y = add_claim(store, add_source(store, "q", "China sent back 40 North Koreans in August 2023."),
                  "China sent back 40 North Koreans in August 2023", when="2023-08", count=40)  # fmt: skip
    from nkwatch.link.run import link

    link(store)
    with store.session() as s:
        a, b = s.get(Claim, x).incident_id, s.get(Claim, y).incident_id
    r = c.post(f"/api/incidents/{a}/different", json={"other": b, "note": "two crossings"}, headers=h)
    assert r.status_code == 200 and r.json()["already"] is False and r.json()["proposals_closed"]
    assert c.post(f"/api/incidents/{a}/different", json={"other": b}, headers=h).json()["already"] is True
    with store.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        assert actions[-4:] == ["claim.confirm", "incident.publish", "incident.unpublish", "incident.different"]
        assert s.get(Incident, a) is not None and s.get(Incident, b) is not None
