"""The public policy site in a real browser: a visitor reads a policy in Chinese, switches to English with the
language switcher, and estimates their support with the benefits calculator (bad input comes back on the field).
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_site(base_data):
    from cms.demo import demo_content_load

    demo_content_load()


def test_visitor_reads_a_policy_switches_language_and_estimates_rent_relief(demo_site, page, live_server):
    page.goto(live_server.url + "/zh-hans/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".hero h1")).to_have_text("入驻平台，共享电商增长机遇")

    # home -> policy index (main menu) -> the entry incentives block
    page.locator("nav.site-nav a", has_text="招商政策").click()
    page.wait_for_url(re.compile(r"/zh-hans/policies/$"))
    page.locator("a.card-link", has_text="入驻优惠政策包").click()
    page.wait_for_url(re.compile(r"/zh-hans/policies/entry-incentives/$"))

    # the figures come from the policy items table, in the page's language
    rent = page.locator("#policy-rent_relief")
    expect(rent.locator(".policy-name")).to_have_text("租金减免")
    expect(rent.locator(".policy-figure")).to_contain_text("100%")
    expect(rent.locator(".policy-figure")).to_contain_text("50%")

    # the language switcher leads to the same page in English
    page.locator(".lang-switch a[hreflang=en]").click()
    page.wait_for_url(re.compile(r"/en/policies/entry-incentives/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    rent = page.locator("#policy-rent_relief")
    expect(rent.locator(".policy-name")).to_have_text("Rent relief")
    expect(rent.locator(".policy-summary")).to_have_text(
        "Firms that rent physical space pay no rent in year 1 and half the rent in years 2 and 3.")
    expect(rent.locator(".policy-figure")).to_have_text("Year 1: 100%, years 2–3: 50% of annual rent")

    # the calculator, from the main menu
    page.locator("nav.site-nav a", has_text="Benefits calculator").click()
    page.wait_for_url(re.compile(r"/en/calculator/$"))
    page.locator("#id_annual_rent").fill("240,000")
    page.locator(".calculator-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/en/calculator/\?.*annual_rent=240%2C000"))
    # rent relief: year 1 100% of 240,000 = 240,000; years 2 and 3 50% each = 120,000 + 120,000 -> 480,000
    line = page.locator(".calculator-result tr.benefit", has_text="Rent relief")
    expect(line.locator("td.amount").nth(0)).to_have_text("¥240,000.00")
    expect(line.locator("td.amount").nth(1)).to_have_text("¥480,000.00")
    expect(line.locator(".benefit-rule")).to_contain_text("year 2: 50% × ¥240,000.00 = ¥120,000.00")
    # rent relief is the only cash item these figures qualify for, so it is the whole estimate
    expect(page.locator(".calculator-result tr.benefit")).to_have_count(1)
    expect(page.locator(".benefit-total td.amount").nth(1)).to_have_text("¥480,000.00")

    # a negative figure: the message is on the field, and no estimate is shown
    page.locator("#id_annual_rent").fill("-5000")
    page.locator(".calculator-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"annual_rent=-5000"))
    expect(page.locator("#id_annual_rent_errors")).to_have_text("Enter zero or a positive amount.")
    expect(page.locator(".field-annual_rent")).to_have_class(re.compile(r"\bfield-invalid\b"))
    expect(page.locator(".calculator-result")).to_have_count(0)
    expect(page.locator("#id_annual_rent")).to_have_value("-5000")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_on_a_phone_the_policy_table_reads_without_sideways_scrolling(demo_site, page, live_server, language):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/{language}/policies/entry-incentives/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rent = page.locator("#policy-rent_relief")
    for cell in ("policy-cap", "policy-duration"):
        box = rent.locator(f"td.{cell}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell, box)
    label = rent.locator("td.policy-duration").evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label.strip('"') == rent.locator("td.policy-duration").get_attribute("data-label")
