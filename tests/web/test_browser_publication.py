"""Publishing, withdrawing and deciding proposals in a real browser (Debian's Chromium through Playwright), as
a reviewer does it: every decision goes through its confirmation page, and the public sees the result.

The server runs in public mode over the small test world plus two proposed duplicates, so anonymous visitors
see the public record and staff sign in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from nkwatch.link.run import link
from nkwatch.review import decisions
from nkwatch.store.models import AuditEntry, Claim, DuplicateProposal, Incident, LinkConstraint
from nkwatch.web import create_app

from ..factory import add_claim, add_source
from . import test_browser
from .conftest import make_world
from .helpers import live_server
from .test_browser import shot, sign_in

browser, page = test_browser.browser, test_browser.page  # the same fixtures: one Chromium, a fresh page per test


def _claim(store, name: str, text: str, **kw) -> str:  # noqa: ANN001, ANN003
    return add_claim(store, add_source(store, name, text), text, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-publication")
    store, world = make_world(str(root / "web.db"), root / "originals")
    months = [_claim(store, "Border Monitor", "China sent back 40 North Koreans in September 2023.", when="2023-09",
                     count=40),
              _claim(store, "Refugee Network", "China sent back 40 North Koreans in August 2023.", when="2023-08",
                     count=40)]  # fmt: skip
    camps = [_claim(store, "Camp Watch", "Prisoners were executed at Camp 15 in 2022.", act="execution", when="2022",
                    precision="year", place="camp-15", perpetrator="mss"),
             _claim(store, "Prison Letters", "Prisoners were executed at Camp 16 in 2022.", act="execution",
                    when="2022", precision="year", place="camp-16", perpetrator="mss")]  # fmt: skip
    link(store)
    with store.session() as s:
        pairs = {}
        for name, (x, y) in (("months", months), ("camps", camps)):
            a, b = s.get(Claim, x).incident_id, s.get(Claim, y).incident_id
            assert a != b and decisions.proposals_between(s, a, b), name  # proposed, not merged
            pairs[name] = (a, b)
    store.close()
    app = create_app(str(root / "web.db"), originals=root / "originals", public=True)
    with live_server(app) as (base, _):
        yield base, app, world, pairs
    app.state.nk.store.close()


def test_publishing_asks_for_checked_sources_and_a_note(server, page):
    base, app, world, _ = server
    sign_in(page, base, "editor")
    page.goto(f"{base}/incidents/{world.unpublished}")
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator("h1")).to_contain_text("Publish:")
    expect(page.locator(".refusal")).to_contain_text("1 of 1 independent source has no confirmed claim: Daily report")
    expect(page.locator("textarea[name=note]")).to_have_count(0)  # nothing to submit while the rule refuses
    shot(page, "publish-refused")
    page.get_by_role("link", name="Review its claims").click()
    page.locator("ol.claims li").first.get_by_role("button", name="Confirm").click()
    expect(page.locator(".flash")).to_contain_text("Confirmed")
    page.goto(f"{base}/incidents/{world.unpublished}")
    with app.state.nk.store.session() as s:
        confirmed = s.get(Incident, world.unpublished).confidence
        assert s.get(Incident, world.unpublished).confidence_breakdown["review_bonus"] == 0.15
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator("ul.checklist.sources li.ok")).to_contain_text("Daily report")
    page.get_by_role("button", name="Publish it").click()  # the note is required: the browser asks for it
    expect(page).to_have_url(re.compile(r"/publish$"))
    page.fill("textarea[name=note]", "Checked against the Daily report original")
    shot(page, "publish-confirm")
    page.get_by_role("button", name="Publish it").click()
    expect(page.locator(".flash")).to_contain_text("Marked publishable")
    expect(page.get_by_role("link", name="Unpublish…")).to_be_visible()
    with app.state.nk.store.session() as s:
        inc = s.get(Incident, world.unpublished)
        assert inc.status == "publishable" and inc.confidence == confirmed  # publishing added nothing
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "incident.publish",
                                                  AuditEntry.target_id == world.unpublished))  # fmt: skip
        assert entry.actor == "editor" and "Checked against the Daily report original" in entry.after
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_withdrawing_leaves_a_public_notice_and_nothing_else(server, page, browser):
    base, app, world, _ = server
    sign_in(page, base, "editor")
    page.goto(f"{base}/incidents/{world.published}")
    page.get_by_role("link", name="Unpublish…").click()
    expect(page.locator("h1")).to_contain_text("Withdraw:")
    page.get_by_role("button", name="Withdraw it").click()  # no reason: the browser keeps the form
    expect(page).to_have_url(re.compile(r"/unpublish$"))
    page.fill("textarea[name=reason]", "The UN note was corrected: the figure was for another year")
    shot(page, "unpublish")
    page.get_by_role("button", name="Withdraw it").click()
    expect(page.locator(".flash")).to_contain_text("Withdrawn")
    expect(page.get_by_role("link", name="Publish again…")).to_be_visible()
    with app.state.nk.store.session() as s:
        assert s.get(Incident, world.published).status == "withdrawn"
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "incident.unpublish"))
        assert entry.target_id == world.published and "another year" in entry.after and entry.actor == "editor"

    visitor = browser.new_context().new_page()  # a member of the public, not signed in
    response = visitor.goto(f"{base}/incidents/{world.published}")
    assert response.status == 410
    expect(visitor.locator("h1")).to_have_text("This incident was withdrawn")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    expect(visitor.locator("main")).to_contain_text(f"withdrawn on {today}")
    main = visitor.locator("main").inner_text()
    assert "repatriat" not in main.lower() and "Daily report" not in main and "another year" not in main
    shot(visitor, "withdrawn-public")
    visitor.goto(f"{base}/incidents")
    expect(visitor.locator("main")).not_to_contain_text(world.published)
    api = visitor.request.get(f"{base}/api/incidents/{world.published}")
    assert api.status == 410 and api.json() == {"id": world.published, "status": "withdrawn",
                                                 "withdrawn_at": entry.at}  # fmt: skip
    visitor.context.close()


def test_different_incidents_from_the_review_page(server, page):
    base, app, _, pairs = server
    a, b = pairs["months"]
    sign_in(page, base, "editor")
    page.goto(f"{base}/review")
    proposals = page.locator("section.card", has=page.locator("h2", has_text="Possible duplicates"))
    row = proposals.locator("tr", has=page.locator(f"a[href='/incidents/{b}']")).filter(
        has=page.locator(f"a[href='/incidents/{a}']"))  # fmt: skip
    row.get_by_role("link", name="Different…").click()
    expect(page.locator("h1")).to_have_text("Are these different incidents?")
    expect(page.locator("main")).to_contain_text("differ on when")
    with app.state.nk.store.session() as s:  # the confirmation page itself changes nothing
        assert all(p.status == "open" for p in decisions.proposals_between(s, a, b))
    page.fill("input[name=note]", "August and September are two crossings")
    shot(page, "different-confirm")
    page.get_by_role("button", name="Yes, they are different incidents").click()
    expect(page.locator(".flash")).to_contain_text("different incident")
    page.goto(f"{base}/review")
    proposals = page.locator("section.card", has=page.locator("h2", has_text="Possible duplicates"))
    expect(proposals.locator(f"a[href='/incidents/{b}']")).to_have_count(0)
    with app.state.nk.store.session() as s:
        assert [p.status for p in decisions.proposals_between(s, a, b)] == ["different"]
        assert s.scalar(select(LinkConstraint).where(LinkConstraint.kind == "cannot", LinkConstraint.actor == "editor"))
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "incident.different"))
        assert "two crossings" in entry.after
    link(app.state.nk.store, full=True)  # the next `nkwatch link` keeps them apart and does not ask again
    with app.state.nk.store.session() as s:
        assert s.get(Incident, a) and s.get(Incident, b)
        assert [p.status for p in decisions.proposals_between(s, a, b)] == ["different"]
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_a_proposed_merge_is_confirmed_before_it_happens(server, page):
    base, app, _, pairs = server
    a, b = pairs["camps"]
    sign_in(page, base, "editor")
    page.goto(f"{base}/incidents/{a}")
    page.locator("p.proposal", has_text=b).get_by_role("link", name="Merge it into this one…").click()
    expect(page.locator("h1")).to_have_text("Merge these two incidents?")
    expect(page.locator("main")).to_contain_text("Camp 15")
    expect(page.locator("main")).to_contain_text("Camp 16")
    shot(page, "merge-confirm")
    with app.state.nk.store.session() as s:
        assert s.get(Incident, b) is not None  # nothing merged yet
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(f"/incidents/{a}$"))
    page.locator("p.proposal", has_text=b).get_by_role("link", name="Merge it into this one…").click()
    page.get_by_role("button", name=f"Yes, merge {b} into {a}").click()
    expect(page.locator(".flash")).to_contain_text(f"Merged {b}")
    with app.state.nk.store.session() as s:
        assert s.get(Incident, b) is None and s.get(Incident, a).n_claims == 2
        assert s.scalars(select(DuplicateProposal.status).where(DuplicateProposal.incident_a.in_([a, b]),
                                                                DuplicateProposal.incident_b.in_([a, b]))).all() == [
            "merged"]  # fmt: skip
    assert not page.errors, page.errors  # type: ignore[attr-defined]
