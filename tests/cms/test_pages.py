"""Every page of the demo site renders in both languages with its own text, with working navigation,
language links, SEO tags, search and sitemap."""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.usefixtures("site")

# path under the language prefix -> (texts the Chinese page shows, texts the English page shows)
PAGES = {
    "": (["入驻平台，共享电商增长机遇", "¥10万亿+", "立即申请入驻"],
         ["Join the platform and grow with China", "¥10 trillion+", "Apply now"]),
    "policies/": (["入驻优惠政策包", "运营扶持计划", "培训赋能体系"],
                ["Entry incentives", "Operations support", "Training and enablement"]),
    "policies/entry-incentives/": (["租金减免", "税收返还", "装修补贴", "100%", "50%", "20%", "¥1,000,000.00"],
                                 ["Rent relief", "Tax rebate", "Renovation subsidy", "100%", "50%", "20%",
                                  "1,000,000.00"]),
    "policies/operations-support/": (["流量扶持", "物流补贴", "品牌孵化基金", "¥500,000.00"],
                                   ["Traffic support", "Logistics subsidy", "Brand incubation fund",
                                    "500,000.00"]),
    "policies/training/": (["培训费用报销", "高管研修班", "80%"],
                         ["Training reimbursement", "Executive classes", "80%"]),
    "programme/": (["启动期", "成长期", "爆发期", "优化期", "2026年1月1日", "2026年6月30日"],
                   ["Launch", "Growth", "Expansion", "Optimisation", "Jan. 1, 2026", "June 30, 2026"]),
    "programme/launch/": (["免入驻费", "前3个月佣金减半", "200家", "10万"],
                          ["No entry fee", "Commission halved for the first 3 months", "200", "100,000"]),
    "programme/growth/": (["千帆计划", "专项招商小组", "60%"],
                          ["Thousand Sails plan", "Category squads", "TOP50"]),
    "programme/expansion/": (["全球供应链招商", "35%"], ["Global sourcing", "35%"]),
    "programme/optimisation/": (["动态准入", "30%", "4.8"],
                                ["Dynamic admission", "30%", "at least 15%", "4.8"]),
    "cooperation-modes/": (["平台入驻", "联营", "特许加盟"], ["Platform entry", "Joint operation", "Franchise"]),
    "cooperation-modes/platform-entry/": (["自主经营店铺", "5%–15%"], ["Runs its own shop", "5–15%"]),
    "cooperation-modes/joint-operation/": (["共享库存、物流和售后"], ["revenue share"]),
    "cooperation-modes/franchise/": (["加盟费"], ["franchise fee"]),
    "case-studies/": (["山野鲜生（示例）", "童趣星球（示例）", "极客工坊（示例）"],
                      ["Mountain Fresh (illustrative)", "Kids Planet (illustrative)", "Geek Workshop (illustrative)"]),
    "case-studies/mountain-fresh/": (["山野鲜生（示例）", "生鲜"], ["Mountain Fresh (illustrative)", "Fresh food",
                                                              "Illustrative example"]),
    "case-studies/kids-planet/": (["童趣星球（示例）", "80%"], ["Kids Planet (illustrative)", "80%"]),
    "case-studies/geek-workshop/": (["极客工坊（示例）"], ["Geek Workshop (illustrative)"]),
    "faq/": (["保证金是多少？", "2万元至10万元", "5个工作日", "30个工作日内无息退还", "T+15"],
             ["How much is the deposit?", "¥20,000 to ¥100,000", "5 working days", "30 working days", "T+15"]),
    "calculator/": (["政策测算", "测算结果仅为估算"], ["Benefits calculator", "The result is an estimate"]),
    "apply/": (["营业执照", "注册并开始申请", "/zh-hans/accounts/signup/"],
               ["Business licence", "Create an account and start", "/en/accounts/signup/"]),
}


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_chinese_page_renders_its_content(client, path):
    response = client.get(f"/zh-hans/{path}")
    assert response.status_code == 200
    body = _text(response)
    assert '<html lang="zh-hans">' in body
    for text in PAGES[path][0]:
        assert text in body, text


@pytest.mark.parametrize("path", PAGES)
def test_english_page_renders_its_own_english_content(client, path):
    response = client.get(f"/en/{path}")
    assert response.status_code == 200
    body = _text(response)
    assert '<html lang="en">' in body
    for text in PAGES[path][1]:
        assert text in body, text
    # the English page is not a copy of the Chinese one
    for text in PAGES[path][0]:
        if re.search(r"[\u4e00-\u9fff]", text):
            assert text not in body, text


def test_language_switcher_links_to_the_translation(client):
    zh = _text(client.get("/zh-hans/faq/"))
    assert re.search(r'<a class="lang" href="/en/faq/" hreflang="en"', zh)
    en = _text(client.get("/en/policies/entry-incentives/"))
    assert re.search(r'<a class="lang" href="/zh-hans/policies/entry-incentives/" hreflang="zh-hans"', en)


def test_head_has_seo_tags_and_hreflang_alternates(client):
    body = _text(client.get("/en/policies/"))
    assert "<title>Investment policy · " in body
    assert '<meta name="description" content="The investment policy and support system' in body
    assert '<meta property="og:title" content="Investment policy">' in body
    assert '<link rel="canonical" href="http://testserver/en/policies/">' in body
    assert '<link rel="alternate" hreflang="zh-hans" href="http://testserver/zh-hans/policies/">' in body
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/policies/">' in body
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/zh-hans/policies/">' in body
    home = _text(client.get("/zh-hans/"))
    assert "<title>招商平台：商家入驻、招商政策与政策测算 · " in home


def test_navigation_lists_the_sections_of_the_active_language(client):
    zh = _text(client.get("/zh-hans/apply/"))
    nav = zh[zh.index('<nav class="site-nav"'):zh.index("</nav>", zh.index('<nav class="site-nav"'))]
    sections = [("招商政策", "/zh-hans/policies/"), ("常见问题", "/zh-hans/faq/"), ("申请入驻", "/zh-hans/apply/")]
    for title, url in sections:
        assert f'<a href="{url}">{title}</a>' in nav
    en = _text(client.get("/en/apply/"))
    assert '<a href="/en/policies/">Investment policy</a>' in en


def test_unknown_page_is_a_404(client):
    assert client.get("/en/no-such-page/").status_code == 404
    assert client.get("/zh-hans/policies/no-such-block/").status_code == 404


class TestSearch:
    def test_finds_a_faq_answer_and_a_policy_page_in_chinese(self, client):
        body = _text(client.get("/zh-hans/search/", {"q": "保证金"}))
        assert 'href="/zh-hans/faq/"' in body
        body = _text(client.get("/zh-hans/search/", {"q": "租金减免"}))
        assert 'href="/zh-hans/policies/entry-incentives/"' in body
        assert "/en/" not in re.sub(r'<(link|a class="lang")[^>]*>', "", body.split("<main", 1)[1])

    def test_finds_a_faq_answer_and_a_policy_page_in_english(self, client):
        body = _text(client.get("/en/search/", {"q": "deposit refunded"}))
        assert 'href="/en/faq/"' in body
        body = _text(client.get("/en/search/", {"q": "rent relief"}))
        assert 'href="/en/policies/entry-incentives/"' in body
        assert 'href="/zh-hans/policies/' not in body.split("<main", 1)[1]

    def test_a_renamed_policy_item_is_found_on_its_policy_page(self, client):
        from portal.models import PolicyItem

        item = PolicyItem.objects.get(code="rent_relief")
        item.name_en = "Rent holiday"
        item.save()
        body = _text(client.get("/en/search/", {"q": "holiday"}))
        assert 'href="/en/policies/entry-incentives/"' in body

    def test_no_match_and_empty_query(self, client):
        body = _text(client.get("/en/search/", {"q": "zzzqqq"}))
        assert "Nothing matches" in body
        assert client.get("/en/search/").status_code == 200
        assert client.get("/en/search/", {"q": "x" * 500, "page": "abc"}).status_code == 200

    # Full-text syntax of the backends (FTS5 on SQLite, tsquery on PostgreSQL), a NUL byte, SQL quoting,
    # a list parameter and overlong input: each is bad input, never a server error.
    NASTY_QUERIES = ['"', "\x00", "a\x00b", '"deposit', "\\", "'", "''", "&|!", "a & b | !c", "(", ")", "*",
                     "deposit*", "NEAR(", "^", ":", "-", "!!", "a:*", "AND", "OR NOT", "<->", "%", "_", "{}",
                     "保证金\x00", "x" * 5000]

    @pytest.mark.parametrize("query", NASTY_QUERIES)
    def test_full_text_syntax_and_control_characters_are_no_error(self, client, query):
        for language in ("en", "zh-hans"):
            response = client.get(f"/{language}/search/", {"q": query})
            assert response.status_code == 200
            assert "\x00" not in _text(response)

    def test_words_around_syntax_characters_still_search(self, client):
        body = _text(client.get("/en/search/", {"q": '"deposit refunded'}))
        assert 'href="/en/faq/"' in body
        body = _text(client.get("/zh-hans/search/", {"q": "保证金\x00"}))
        assert 'href="/zh-hans/faq/"' in body
        body = _text(client.get("/en/search/", {"q": '"'}))
        assert "Nothing matches" in body

    def test_a_list_parameter_and_a_repeated_q(self, client):
        response = client.get("/en/search/?q[]=deposit")
        assert response.status_code == 200
        assert response.context["results"] == []
        body = _text(client.get("/en/search/?q=zzzqqq&q=deposit+refunded"))
        assert 'href="/en/faq/"' in body

    def test_paginates(self, client):
        response = client.get("/en/search/", {"q": "merchants", "page": "1"})
        assert response.status_code == 200
        assert response.context["page_obj"].paginator.per_page == 10


@pytest.mark.parametrize("query", ['"', "\x00", "'", "\\", "&|!", ":*", "(", "NEAR(", "zzqx\x00qqzx"])
def test_search_backend_gets_only_words(site, query):
    """The prepared query runs on the backend in use (SQLite's FTS5 here, PostgreSQL's tsquery in CI)."""
    from wagtail.models import Locale

    from cms.search import pages_search, search_query_prepare

    prepared = search_query_prepare(query)
    assert not re.search(r"[^\w ]|_", prepared)
    assert list(pages_search(query=query, locale=Locale.objects.get(language_code="en"))) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own NUL and tsquery errors")
@pytest.mark.parametrize("query", ["\x00", "zzqx & qqzx | !c", "zzqx:*", "<->"])
def test_search_on_postgresql_survives_nul_and_tsquery_syntax(client, query):
    response = client.get("/en/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["results"] == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own FTS5 syntax errors")
@pytest.mark.parametrize("query", ['"', '"deposit', "NEAR(", "a:*", "^"])
def test_search_on_sqlite_survives_fts5_syntax(client, query):
    response = client.get("/en/search/", {"q": query})
    assert response.status_code == 200


def test_sitemap_lists_pages_of_both_languages(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = _text(response)
    for path in ["", "policies/entry-incentives/", "faq/", "programme/launch/"]:
        assert f"/zh-hans/{path}</loc>" in body
        assert f"/en/{path}</loc>" in body
    assert body.count("<url>") == 42


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_policy_table_cells_carry_their_column_name_for_the_phone_layout(client, site, language):
    """On a phone each row is a card and each cell shows its column's name from data-label (site.css)."""
    html = _text(client.get(f"/{language}/policies/entry-incentives/"))
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    cells = re.findall(r'<td class="policy-(\w+)" data-label="([^"]+)">', html)
    assert cells, "no labelled cells"
    assert {label for _cls, label in cells} == set(headers[1:])  # every column but the policy's own name
    assert ("cap", headers[2]) in cells and ("duration", headers[3]) in cells
