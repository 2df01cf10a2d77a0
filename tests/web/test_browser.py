"""The app in a real browser (Debian's Chromium through Playwright): one server and one browser for the module.

The server runs in public mode over the sample corpus plus the test world, so anonymous visitors see the
public record and staff sign in. Screenshots of each main page go to build/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.link.run import link
from nkwatch.store.models import AuditEntry, Claim, Incident
from nkwatch.web import create_app

from ..conftest import SAMPLE
from .conftest import make_world
from .helpers import PASSWORD, live_server

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    store, world = make_world(str(root / "web.db"), root / "originals")
    ingest_paths(store, [SAMPLE], originals=root / "originals")
    link(store)
    store.close()
    app = create_app(str(root / "web.db"), originals=root / "originals", public=True)
    with live_server(app) as (base, _):
        yield base, app, world
    app.state.nk.store.close()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def sign_in(page, base: str, user: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_contain_text(user)


def shot(page, name: str, full_page: bool = True) -> None:  # noqa: ANN001
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_sign_in_overview_search_and_filter(server, page):
    base, _, world = server
    sign_in(page, base, "editor")
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("svg.map circle").first).to_be_visible()
    shot(page, "overview")
    page.fill("#quicksearch", "repatriated")
    page.keyboard.press("Enter")
    expect(page.locator("ol.hits li").first).to_be_visible()
    shot(page, "search")
    page.goto(f"{base}/incidents")
    page.select_option("#f-act", "execution")
    page.click(".filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"act=execution"))
    rows = page.locator("table.incidents tbody tr")
    expect(rows.first).to_contain_text("Execution")
    for text in rows.all_inner_texts():
        assert "Execution" in text
    page.goto(f"{base}/incidents")
    shot(page, "incidents")
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_open_an_incident_and_its_source(server, page):
    base, _, world = server
    sign_in(page, base, "viewer")
    page.goto(f"{base}/incidents/{world.published}")
    expect(page.locator("h1")).to_contain_text("Forced repatriation")
    expect(page.locator("ol.claims mark").first).to_contain_text("forcibly repatriated")
    expect(page.locator("ol.sources")).to_contain_text("SHA-256")
    shot(page, "incident")
    page.locator("ol.claims a", has_text="in the full text").first.click()
    expect(page.locator(".sourcetext mark.claim").first).to_be_visible()
    expect(page.locator("h1")).to_have_text(re.compile("Daily report|UN note"))
    page.goto(f"{base}/sources")
    page.locator("table.list a", has_text="Human rights in North Korea").first.click()
    expect(page.locator(".sourcetext mark.claim").first).to_be_visible()
    shot(page, "source")
    page.goto(f"{base}/incidents/{world.published}/report")
    page.emulate_media(media="print")
    expect(page.locator("ol.report-sources li")).to_have_count(2)
    shot(page, "report")


def test_review_a_claim_with_the_keyboard(server, page):
    base, app, _ = server
    sign_in(page, base, "editor")
    page.goto(f"{base}/review")
    first = page.locator("#queue tr.review-row").first
    expect(first).to_have_class(re.compile("selected"))
    shot(page, "review", full_page=False)
    claim_id = first.get_attribute("data-claim")
    page.keyboard.press("c")
    expect(page.locator(f"#row-{claim_id}")).to_contain_text("Confirmed")
    expect(page.locator("#queue tr.review-row.selected")).not_to_have_attribute("data-claim", claim_id)
    second = page.locator("#queue tr.review-row.selected").get_attribute("data-claim")
    page.keyboard.press("r")
    expect(page.locator(f"#row-{second}")).to_contain_text("Rejected")
    third = page.locator("#queue tr.review-row.selected").get_attribute("data-claim")
    page.keyboard.press("e")
    expect(page.locator(f"#row-{third} form")).to_be_visible()
    page.locator(f"#row-{third} select[name=grounds]").select_option("religion")
    page.locator(f"#row-{third} button[type=submit]").click()
    expect(page.locator(f"#row-{third}")).to_contain_text("Corrected")
    with app.state.nk.store.session() as s:
        log = {(e.target_id, e.action, e.actor) for e in s.scalars(select(AuditEntry))}
        assert s.get(Claim, third).grounds == "religion"
    assert {(claim_id, "claim.confirm", "editor"), (second, "claim.reject", "editor"),
            (third, "claim.correct", "editor")} <= log  # fmt: skip
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_merge_two_incidents(server, page):
    base, app, world = server
    with app.state.nk.store.session() as s:
        other = s.scalar(select(Incident.id).where(Incident.act == "torture", Incident.id != world.unpublished,
                                                   Incident.n_claims == 1).limit(1))  # fmt: skip
    sign_in(page, base, "editor")
    page.goto(f"{base}/incidents/{world.unpublished}")
    page.fill("input[name=other]", other)
    page.locator("form.row button", has_text="Merge into this one").click()
    expect(page.locator("h1")).to_have_text("Merge these two incidents?")  # a confirmation page, not a dialog
    with app.state.nk.store.session() as s:
        assert s.get(Incident, other) is not None
    page.get_by_role("button", name=f"Yes, merge {other} into {world.unpublished}").click()
    expect(page.locator(".flash")).to_contain_text(f"Merged {other}")
    with app.state.nk.store.session() as s:
        assert s.get(Incident, other) is None
        assert s.scalar(select(Claim.incident_id).where(Claim.act == "torture", Claim.incident_id == world.unpublished))


def test_upload_files_and_see_their_claims(server, page, tmp_path):
    base, _, _ = server
    a = tmp_path / "hyesan.txt"
    a.write_text("On 3 March 2024, state security agents publicly executed three people in Hyesan for "
                 "distributing South Korean dramas, according to sources inside the country.")  # fmt: skip
    b = tmp_path / "camp.md"
    b.write_text("# Camp 15\n\nIn 2023, guards at Yodok tortured prisoners who tried to escape.")
    sign_in(page, base, "analyst")
    page.goto(f"{base}/upload")
    page.set_input_files("#files", [str(a), str(b)])
    expect(page.locator("#queue-files li")).to_have_count(2)
    page.select_option("select[name=kind]", "news")
    page.fill("input[name=publisher]", "Test Desk")
    page.click("#upload-button")
    expect(page.locator("#queue-files[data-done]")).to_be_attached()
    expect(page.locator("#queue-files li.added")).to_have_count(2)
    shot(page, "upload")
    page.locator("#queue-files li", has_text="hyesan.txt").get_by_role("link").click()
    expect(page.locator(".sourcetext mark.claim").first).to_contain_text("executed three people")
    expect(page.locator(".meta")).to_contain_text("Test Desk")


def test_export_with_the_current_filters(server, page):
    base, _, _ = server
    sign_in(page, base, "analyst")
    page.goto(f"{base}/incidents?act=execution")
    page.click("text=Export these")
    expect(page.locator("main")).to_contain_text("act=execution")
    shot(page, "export")
    with page.expect_download() as info:
        page.locator("section", has_text="Claims").get_by_role("link", name="CSV").click()
    text = Path(info.value.path()).read_text()
    lines = text.splitlines()
    assert lines[0].startswith("id,source_id") and len(lines) > 1
    assert all(",execution," in line for line in lines[1:] if line.count(",") > 5)


def test_sign_out(server, page):
    base, _, _ = server
    sign_in(page, base, "admin")
    page.goto(f"{base}/users")
    shot(page, "users")
    page.click("text=Sign out")
    expect(page.locator(".flash")).to_contain_text("Signed out")
    page.goto(f"{base}/review")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Freview"))
    shot(page, "login")


def test_a_viewer_cannot_review(server, page):
    base, _, world = server
    sign_in(page, base, "viewer")
    expect(page.locator(".sidebar nav")).not_to_contain_text("Review")
    page.goto(f"{base}/incidents/{world.unpublished}")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    expect(page.get_by_role("link", name="Publish…")).to_have_count(0)
    assert page.goto(f"{base}/incidents/{world.published}/unpublish").status == 403
    expect(page.locator("ol.claims button")).to_have_count(0)
    response = page.goto(f"{base}/review")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")


def test_an_anonymous_visitor_sees_only_the_public_record(server, page):
    base, _, world = server
    page.goto(f"{base}/")
    expect(page.locator(".who")).to_contain_text("published incidents only")
    expect(page.locator(".sidebar nav a")).to_have_count(2)
    shot(page, "public-overview")
    page.goto(f"{base}/incidents")
    expect(page.locator("table.incidents tbody tr")).to_have_count(1)
    expect(page.locator("table.incidents")).to_contain_text(world.published)
    assert page.goto(f"{base}/incidents/{world.unpublished}").status == 404
    page.goto(f"{base}/sources/{world.source}")
    expect(page).to_have_url(re.compile("/login"))


def test_html_in_documents_is_shown_as_text(server, page):
    base, _, world = server
    sign_in(page, base, "viewer")
    for url in (f"/sources/{world.hostile_source}", f"/incidents/{world.unpublished}", "/claims?act=torture",
                "/search?q=returnees"):  # fmt: skip
        page.goto(base + url)
        expect(page.locator("main")).to_contain_text("<script>window.__pwned = 1</script>")
        assert page.evaluate("window.__pwned") is None, url
        assert page.locator("main img").count() == 0, url


def test_correction_form_and_api_reference(server, page):
    base, app, world = server
    sign_in(page, base, "editor")
    page.goto(f"{base}/review/claims/{world.claim}/edit")
    expect(page.locator("fieldset", has_text="Figure (statistics)")).to_be_visible()
    page.locator("select[name=law]").select_option("rirca_2020")
    shot(page, "correct")
    page.locator("button[type=submit]", has_text="Save correction").click()
    with app.state.nk.store.session() as s:
        assert s.get(Claim, world.claim).law == "rirca_2020"
    page.goto(f"{base}/account")
    page.click("text=JSON API")
    expect(page.locator("h1")).to_contain_text("JSON API")
    expect(page.locator("table.api")).to_contain_text("/api/incidents/{incident_id}")
    shot(page, "api")
